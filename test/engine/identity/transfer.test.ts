import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../src/engine/face/character.js';
import { faceTemplate, similarityTransform, type Point } from '../../../src/engine/face/align.js';
import { cropQuad } from '../../../src/engine/identity/paste.js';
import { detectFaces } from '../../../src/engine/face/detect.js';
import { decodeRgb, type RgbImage } from '../../../src/engine/human/image-tensor.js';
import { makeIdentityFixtureModels } from '../../helpers/identity-fixture.js';
import { loadIdentityTransfer, type IdentityTransfer } from '../../../src/engine/identity/transfer.js';

// Identity transfer on the tiny fixture models with a real photo (public-domain NASA portrait).
const FACES = new URL('../../fixtures/faces', import.meta.url).pathname;
const astronaut = fs.readFileSync(path.join(FACES, 'astronaut.png'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-identity-transfer-'));
let t: IdentityTransfer;
let source: Float32Array;
let faceBox: [number, number, number, number];
let fivePoints: Point[];
let original: RgbImage;
let crops: Buffer[];

beforeAll(async () => {
  t = await loadIdentityTransfer(await makeIdentityFixtureModels(tmp));
  crops = (await buildCharacter([astronaut])).faceCrops;
  source = await t.embedSource(crops);
  original = await decodeRgb(astronaut);
  const face = (await detectFaces(original))[0];
  faceBox = face.box;
  fivePoints = face.fivePoints;
});
afterAll(async () => {
  await t?.release();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const pixels = async (png: Buffer) => (await decodeRgb(png)).data;

/** The face box grown by `f` of its size on every side. */
function dilated(f: number) {
  const [x, y, w, h] = faceBox;
  return { x0: x - f * w, y0: y - f * h, x1: x + w + f * w, y1: y + h + f * h };
}

describe('identity transfer (fixture swapper + recogniser)', () => {
  it('embedSource: a unit 512-d vector, the same for the same crops, different for another face', async () => {
    expect(source.length).toBe(512);
    expect(Math.hypot(...source)).toBeCloseTo(1, 5);
    expect(Array.from(await t.embedSource(crops))).toEqual(Array.from(source));
    const other = await sharp(path.join(FACES, 'people/v-selected.jpg')).resize(256, 256).jpeg().toBuffer();
    const e = await t.embedSource([other]);
    expect(Array.from(e)).not.toEqual(Array.from(source));
    await expect(t.embedSource([])).rejects.toThrow(/at least one/);
  });

  it('strength 0 leaves the image unchanged', async () => {
    const r = await t.apply({ image: astronaut, sourceEmbedding: source, strength: 0 });
    expect(r.faces).toBe(0);
    expect(Buffer.from(await pixels(r.image)).equals(Buffer.from(original.data))).toBe(true);
  });

  it('strength 1 changes pixels only inside the face region', async () => {
    const r = await t.apply({ image: astronaut, sourceEmbedding: source, strength: 1 });
    expect(r.faces).toBe(1);
    expect((await sharp(r.image).metadata()).format).toBe('png');
    const out = await pixels(r.image);
    const box = dilated(0.5);
    let changedInside = 0,
      changedOutside = 0,
      inside = 0;
    for (let y = 0; y < original.height; y++) {
      for (let x = 0; x < original.width; x++) {
        const i = (y * original.width + x) * 3;
        const changed = out[i] !== original.data[i] || out[i + 1] !== original.data[i + 1] || out[i + 2] !== original.data[i + 2];
        const inBox = x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
        if (inBox) inside++;
        if (changed && inBox) changedInside++;
        if (changed && !inBox) changedOutside++;
      }
    }
    expect(changedOutside).toBe(0);
    // The face itself (the undilated box) is mostly re-drawn.
    expect(changedInside).toBeGreaterThan(faceBox[2] * faceBox[3] * 0.5);
    expect(changedInside).toBeLessThan(inside);
  });

  it('strength 1 never writes outside the aligned crop it pasted (fixed points)', async () => {
    const quad = cropQuad(similarityTransform(fivePoints, faceTemplate(128)), 128);
    const inQuad = (x: number, y: number) =>
      quad.every((p, i) => {
        const q = quad[(i + 1) % 4];
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]) >= -1; // within a pixel of the edge
      });
    const out = (await t.applyToFaces(original, [fivePoints], source, 1)).data;
    let outside = 0,
      inside = 0;
    for (let y = 0; y < original.height; y++) {
      for (let x = 0; x < original.width; x++) {
        const i = (y * original.width + x) * 3;
        if (out[i] === original.data[i] && out[i + 1] === original.data[i + 1] && out[i + 2] === original.data[i + 2]) continue;
        if (inQuad(x, y)) inside++;
        else outside++;
      }
    }
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(5000);
  });

  it('an intermediate strength lies between the input and the full swap, pixel by pixel', async () => {
    // Fixed five points: the detector's landmarks can move by half a pixel from one call to the next.
    const points = [fivePoints];
    const full = (await t.applyToFaces(original, points, source, 1)).data;
    const half = (await t.applyToFaces(original, points, source, 0.5)).data;
    expect(Buffer.from((await t.applyToFaces(original, points, source, 0)).data).equals(Buffer.from(original.data))).toBe(true);
    let moved = 0,
      outside = 0;
    for (let i = 0; i < half.length; i++) {
      const lo = Math.min(original.data[i], full[i]) - 1,
        hi = Math.max(original.data[i], full[i]) + 1;
      if (half[i] < lo || half[i] > hi) outside++;
      if (half[i] !== original.data[i]) moved++;
    }
    expect(outside).toBe(0);
    expect(moved).toBeGreaterThan(1000);
    // Half the way, on average: well short of the full swap's change.
    let dHalf = 0,
      dFull = 0;
    for (let i = 0; i < half.length; i++) {
      dHalf += Math.abs(half[i] - original.data[i]);
      dFull += Math.abs(full[i] - original.data[i]);
    }
    expect(dHalf / dFull).toBeGreaterThan(0.35);
    expect(dHalf / dFull).toBeLessThan(0.65);
    // Through apply() (detecting again), 0.5 still moves the face roughly half as far as 1.
    const viaApply = await pixels((await t.apply({ image: astronaut, sourceEmbedding: source, strength: 0.5 })).image);
    let dApply = 0;
    for (let i = 0; i < viaApply.length; i++) dApply += Math.abs(viaApply[i] - original.data[i]);
    expect(dApply / dFull).toBeGreaterThan(0.3);
    expect(dApply / dFull).toBeLessThan(0.7);
  });

  it('a different source identity gives a different face', async () => {
    const other = new Float32Array(source.length).map((_, i) => (i % 2 ? 1 : -1) / Math.sqrt(source.length));
    const a = await pixels((await t.apply({ image: astronaut, sourceEmbedding: source, strength: 1 })).image);
    const b = await pixels((await t.apply({ image: astronaut, sourceEmbedding: other, strength: 1 })).image);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('no face: the image comes back unchanged and 0 faces are reported', async () => {
    const noise = await sharp({
      create: { width: 320, height: 240, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .png()
      .toBuffer();
    const r = await t.apply({ image: noise, sourceEmbedding: source, strength: 1 });
    expect(r.faces).toBe(0);
    expect(r.image.equals(noise)).toBe(true);
    // A JPEG comes back as PNG with the same decoded pixels.
    const jpeg = await sharp(noise).jpeg().toBuffer();
    const rj = await t.apply({ image: jpeg, sourceEmbedding: source, strength: 1 });
    expect((await sharp(rj.image).metadata()).format).toBe('png');
    expect(Buffer.from(await pixels(rj.image)).equals(Buffer.from(await pixels(jpeg)))).toBe(true);
  });

  it('every face of a group photo is swapped', async () => {
    const group = fs.readFileSync(path.join(FACES, 'group-samples.jpg'));
    const r = await t.apply({ image: group, sourceEmbedding: source, strength: 1 });
    expect(r.faces).toBeGreaterThan(1);
  });

  it('refuses a strength outside 0..1 and an embedding of the wrong size', async () => {
    await expect(t.apply({ image: astronaut, sourceEmbedding: source, strength: 1.5 })).rejects.toThrow(RangeError);
    await expect(t.apply({ image: astronaut, sourceEmbedding: source, strength: Number.NaN })).rejects.toThrow(RangeError);
    await expect(t.apply({ image: astronaut, sourceEmbedding: new Float32Array(128), strength: 1 })).rejects.toThrow(/512/);
  });

  it('refuses an image over the pixel limit before decoding it', async () => {
    // A 5000x5000 PNG of one colour is small on disk but over the 4096x4096 limit.
    const big = await sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    await expect(t.apply({ image: big, sourceEmbedding: source, strength: 1 })).rejects.toThrow(/pixels/);
  });
});
