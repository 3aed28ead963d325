import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePhoto, type PhotoAnalysis } from './analyze.js';
import { buildCharacter } from './character.js';
import { FACE_CROP_SIZE } from './face-crop.js';
import { RECOGNIZER } from './recognizer.js';
import { scoreIdentity } from './score.js';

// Real photos; the face models load once per file (shared Human instance).
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/faces');
const read = (f: string) => readFileSync(path.join(fixtures, f));
const astronaut = read('astronaut.png');
/** Another man's photos, upscaled from the small screenshot crops to pass the 512 px minimum. */
const man = (f: string) =>
  sharp(read(`people/${f}`))
    .resize(560)
    .png()
    .toBuffer();

let astro: PhotoAnalysis;

beforeAll(async () => {
  astro = await analyzePhoto(astronaut);
});

describe('analyzePhoto on real photos', () => {
  it('accepts the astronaut portrait with a face box, landmarks, crop and embedding', async () => {
    expect(astro.issues).toEqual([]);
    expect(astro.ok).toBe(true);
    expect(astro.faceCount).toBe(1);
    const [x, y, w, h] = astro.face!.box;
    expect(x).toBeGreaterThan(100);
    expect(x + w).toBeLessThan(350);
    expect(y).toBeGreaterThan(20);
    expect(y + h).toBeLessThan(260);
    expect(astro.face!.fivePoints).toHaveLength(5);
    expect(astro.face!.fivePoints[0][0]).toBeLessThan(astro.face!.fivePoints[1][0]); // image-left eye first
    expect(astro.face!.mesh.length).toBeGreaterThanOrEqual(468);
    const meta = await sharp(astro.faceCrop!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', FACE_CROP_SIZE, FACE_CROP_SIZE]);
    expect(astro.embedding).toHaveLength(RECOGNIZER.dims);
    const norm = Math.hypot(...astro.embedding!);
    expect(norm).toBeCloseTo(1, 4);
  });

  it('refuses the group photo for several faces', async () => {
    const a = await analyzePhoto(read('group-samples.jpg'));
    expect(a.ok).toBe(false);
    expect(a.issues[0].code).toBe('multiple_faces');
    expect(a.faceCount).toBeGreaterThanOrEqual(2);
    expect(a.embedding).toBeNull();
  });

  it('refuses a 256 px copy for resolution', async () => {
    const a = await analyzePhoto(await sharp(astronaut).resize(256).png().toBuffer());
    expect(a.issues[0].code).toBe('resolution_too_low');
    expect(a.issues[0].message).toContain('256x256');
  });

  it('refuses a darkened copy for light', async () => {
    const a = await analyzePhoto(await sharp(astronaut).linear(0.35, 0).png().toBuffer());
    expect(a.issues.map((i) => i.code)).toEqual(['face_too_dark']);
  });

  it('refuses a blurred copy', async () => {
    const a = await analyzePhoto(await sharp(astronaut).blur(3).png().toBuffer());
    expect(a.issues.map((i) => i.code)).toEqual(['blurry']);
  });

  it('refuses drawn sunglasses and a drawn mask', async () => {
    const [le, re, nose, ml, mr] = astro.face!.fivePoints;
    const d = Math.hypot(re[0] - le[0], re[1] - le[1]);
    const svg = (body: string) => Buffer.from(`<svg width="${astro.width}" height="${astro.height}">${body}</svg>`);
    const lens = (p: number[]) => `<ellipse cx="${p[0]}" cy="${p[1]}" rx="${0.36 * d}" ry="${0.26 * d}" fill="#111"/>`;
    const glasses = svg(`${lens(le)}${lens(re)}<rect x="${le[0]}" y="${le[1] - 3}" width="${d}" height="6" fill="#111"/>`);
    const mask = svg(
      `<polygon fill="#a8cfe8" points="${ml[0] - 0.55 * d},${nose[1] - 0.2 * d} ${mr[0] + 0.55 * d},${nose[1] - 0.2 * d} ${mr[0] + 0.45 * d},${mr[1] + 0.5 * d} ${(ml[0] + mr[0]) / 2},${ml[1] + 0.95 * d} ${ml[0] - 0.45 * d},${ml[1] + 0.5 * d}"/>`,
    );
    const withGlasses = await analyzePhoto(
      await sharp(astronaut)
        .composite([{ input: glasses }])
        .png()
        .toBuffer(),
    );
    expect(withGlasses.issues[0]?.code).toBe('eyes_covered');
    const withMask = await analyzePhoto(
      await sharp(astronaut)
        .composite([{ input: mask }])
        .png()
        .toBuffer(),
    );
    expect(withMask.issues[0]?.code).toBe('lower_face_covered');
  });

  it('refuses a file that is not an image', async () => {
    const a = await analyzePhoto(Buffer.from('definitely not a photo'));
    expect(a.issues.map((i) => i.code)).toEqual(['image_unreadable']);
  });
});

describe('buildCharacter', () => {
  it('makes a completed character from the astronaut', async () => {
    const c = await buildCharacter([astronaut]);
    expect(c.status).toBe('completed');
    expect(c.accepted).toEqual([0]);
    expect(c.refused).toEqual([]);
    expect(c.centroid).toHaveLength(RECOGNIZER.dims);
    expect(Math.hypot(...c.centroid!)).toBeCloseTo(1, 4);
    expect(c.thumbnail?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(c.faceCrops).toHaveLength(1);
  });

  it('keeps the majority of a mixed set and refuses the other person with its reason', async () => {
    const photos = [
      astronaut,
      await sharp(astronaut).flop().png().toBuffer(),
      await man('v-selected.jpg'),
      await sharp(astronaut).modulate({ hue: 12, saturation: 0.85 }).png().toBuffer(),
    ];
    const c = await buildCharacter(photos);
    expect(c.status).toBe('completed');
    expect(c.accepted).toEqual([0, 1, 3]);
    expect(c.refused).toHaveLength(1);
    expect(c.refused[0]).toMatchObject({ index: 2, code: 'different_person' });
    expect(c.refused[0].message).toMatch(/different person/);
    expect(c.faceCrops).toHaveLength(3);
  });

  it('keeps a majority of real, different photos of one man and refuses the astronaut', async () => {
    const c = await buildCharacter([await man('v-selected.jpg'), astronaut, await man('v-detect.jpg'), await man('v-faceid.jpg')]);
    expect(c.accepted).toEqual([0, 2, 3]);
    expect(c.refused.map((r) => [r.index, r.code])).toEqual([[1, 'different_person']]);
  });

  it('fails a set with no usable photo and gives every reason', async () => {
    const c = await buildCharacter([read('group-samples.jpg'), await sharp(astronaut).resize(256).png().toBuffer()]);
    expect(c.status).toBe('failed');
    expect(c.centroid).toBeNull();
    expect(c.thumbnail).toBeNull();
    expect(c.refused.map((r) => r.code)).toEqual(['multiple_faces', 'resolution_too_low']);
    expect(c.refused.every((r) => r.message.length > 20)).toBe(true);
  });
});

describe('scoreIdentity', () => {
  it('scores the same person above another person, and an image without a face 0', async () => {
    const centroid = astro.embedding!;
    const same = await scoreIdentity(await sharp(astronaut).flop().jpeg({ quality: 80 }).toBuffer(), centroid);
    const other = await scoreIdentity(await man('v-detect.jpg'), centroid);
    const blank = await scoreIdentity(
      await sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
      centroid,
    );
    expect(same).toBeGreaterThan(0.8);
    expect(other).toBeLessThan(0.6);
    expect(blank).toBe(0);
  });

  it('picks the best-matching face of a group', async () => {
    const group = read('group-samples.jpg');
    const meta = await sharp(group).metadata();
    // Paste the astronaut into the corner of the collage: the score follows her, not the others.
    const withAstro = await sharp(group)
      .composite([{ input: await sharp(astronaut).resize(400).toBuffer(), left: meta.width! - 400, top: meta.height! - 400 }])
      .png()
      .toBuffer();
    expect(await scoreIdentity(withAstro, astro.embedding!)).toBeGreaterThan(0.8);
    expect(await scoreIdentity(group, astro.embedding!)).toBeLessThan(0.6);
  });
});
