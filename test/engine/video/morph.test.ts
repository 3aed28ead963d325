/**
 * The Morph transition moves content along the start-to-end correspondence: between an image
 * and a shifted copy of it, in-between frames show the scene shifted part of the way (one
 * sharp copy), where a plain dissolve would show two faded copies at the two ends.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MOTIONS } from '../../../src/domain/motions.js';
import { renderDop } from '../../../src/engine/video/index.js';
import { createFlowMorph } from '../../../src/engine/video/morph.js';
import { mixFrames, rgbToRgbx, type RgbxImage } from '../../../src/engine/video/warp.js';
import { phaseCorrelate } from './helpers/fft.js';
import { texture, toGray } from './helpers/images.js';
import { decodeFrames } from './helpers/media.js';
import { psnr } from './helpers/metrics.js';

const CW = 1000;
const CH = 600;
const DISC = { x: 500, y: 300, r: 36 };

/** A dark textured scene with one white disc (RGB, CW x CH). */
async function scene(): Promise<Uint8Array> {
  const rgb = new Uint8Array(
    await sharp(await texture(CW, CH, 21, [40, 40, 50]))
      .removeAlpha()
      .raw()
      .toBuffer(),
  );
  for (let y = DISC.y - DISC.r - 2; y <= DISC.y + DISC.r + 2; y++) {
    for (let x = DISC.x - DISC.r - 2; x <= DISC.x + DISC.r + 2; x++) {
      // Anti-aliased edge, so a sub-pixel shift changes the picture smoothly.
      const a = Math.min(1, Math.max(0, DISC.r + 0.5 - Math.hypot(x + 0.5 - DISC.x, y + 0.5 - DISC.y)));
      for (let c = 0; c < 3; c++) rgb[(y * CW + x) * 3 + c] = Math.round(255 * a + rgb[(y * CW + x) * 3 + c] * (1 - a));
    }
  }
  return rgb;
}

function cropRgb(rgb: Uint8Array, x0: number, y0: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(rgb.subarray(((y + y0) * CW + x0) * 3, ((y + y0) * CW + x0 + w) * 3), y * w * 3);
  return out;
}

function rgbOf(img: Uint32Array): Uint8Array {
  const out = new Uint8Array(img.length * 3);
  for (let i = 0; i < img.length; i++) {
    out[i * 3] = img[i] & 255;
    out[i * 3 + 1] = (img[i] >>> 8) & 255;
    out[i * 3 + 2] = (img[i] >>> 16) & 255;
  }
  return out;
}

/** RGB of the interior (a margin where content enters the frame is left out). */
function interior(rgb: Uint8Array, w: number, h: number, m: number): Uint8Array {
  const out = new Uint8Array((w - 2 * m) * (h - 2 * m) * 3);
  for (let y = m; y < h - m; y++) out.set(rgb.subarray((y * w + m) * 3, (y * w + w - m) * 3), (y - m) * (w - 2 * m) * 3);
  return out;
}

/** Centroid and count of pixels brighter than `level` (grey). */
function brightBlob(gray: Uint8Array, w: number, level: number): { x: number; y: number; n: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < gray.length; i++) {
    if (gray[i] <= level) continue;
    sx += (i % w) + 0.5;
    sy += Math.floor(i / w) + 0.5;
    n++;
  }
  return { x: sx / n, y: sy / n, n };
}

describe('morph kernel', () => {
  // The end image is the start image's scene seen 60 px further left and 30 px lower: content
  // moves (+60, -30). The true in-between at s is the crop shifted by s of that.
  const W = 480;
  const H = 272;
  const at = (rgb: Uint8Array, s: number) => cropRgb(rgb, Math.round(90 - 60 * s), Math.round(70 + 30 * s), W, H);

  it('is exact at both ends and shows the half-way view at s = 0.5', async () => {
    const rgb = await scene();
    const start = rgbToRgbx(at(rgb, 0), W, H);
    const end = rgbToRgbx(at(rgb, 1), W, H);
    const morph = createFlowMorph(start, end, 1);
    const out = new Uint32Array(W * H);
    morph.render(0, null, out);
    expect(Buffer.from(out.buffer).equals(Buffer.from(start.data.buffer))).toBe(true);
    morph.render(1, null, out);
    expect(Buffer.from(out.buffer).equals(Buffer.from(end.data.buffer))).toBe(true);

    morph.render(0.5, null, out);
    const truth = interior(at(rgb, 0.5), W, H, 40);
    const mid = interior(rgbOf(out), W, H, 40);
    const dissolve = new Uint32Array(W * H);
    mixFrames(start.data, end.data, 0.5, dissolve);
    const morphDb = psnr(mid, truth);
    const dissolveDb = psnr(interior(rgbOf(dissolve), W, H, 40), truth);
    expect(morphDb).toBeGreaterThan(35);
    expect(morphDb - dissolveDb).toBeGreaterThan(15);
  });

  it('travel 0 is a plain cross-fade; the camera path matches the identity; same input, same bytes', async () => {
    const rgb = await scene();
    const start: RgbxImage = rgbToRgbx(at(rgb, 0), W, H);
    const end: RgbxImage = rgbToRgbx(at(rgb, 1), W, H);
    const still = createFlowMorph(start, end, 0);
    const a = new Uint32Array(W * H);
    const b = new Uint32Array(W * H);
    still.render(0.3, null, a);
    mixFrames(start.data, end.data, 0.3, b);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);

    const m1 = createFlowMorph(start, end, 1);
    const m2 = createFlowMorph(start, end, 1);
    m1.render(0.4, null, a);
    m2.render(0.4, { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 }, b);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    // A camera shift of 10 px shows the same picture 10 px over (away from the edges).
    m1.render(0.4, { a: 1, b: 0, c: 10, d: 0, e: 1, f: 0 }, b);
    let diff = 0;
    for (let y = 20; y < H - 20; y++) for (let x = 20; x < W - 30; x++) if (b[y * W + x] !== a[y * W + x + 10]) diff++;
    expect(diff).toBe(0);
  });
});

describe('Morph transition clip', () => {
  it('carries a shifted scene along the way instead of ghosting two copies', async () => {
    const W = 854;
    const H = 480;
    const rgb = await scene();
    const png = (x0: number, y0: number) =>
      sharp(cropRgb(rgb, x0, y0, W, H), { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toBuffer();
    // Content moves (+60, -30) from start to end; the disc sits at (400, 260) in the start.
    const image = await png(100, 40);
    const endImage = await png(40, 70);
    const r = await renderDop({
      image,
      endImage,
      motions: [{ id: MOTIONS.find((m) => m.name === 'Morph')!.id, strength: 1 }],
      prompt: '',
      tier: 'lite',
      seed: 3,
    });
    expect([r.width, r.height]).toEqual([W, H]);
    const { frames } = await decodeFrames(r.video, 'gray');
    const startGray = toGray(cropRgb(rgb, 100, 40, W, H));
    const discArea = Math.PI * DISC.r * DISC.r;

    // Eased clip time (sine), as the renderer uses it.
    const s = (i: number) => 0.5 - 0.5 * Math.cos((Math.PI * i) / 119);
    for (const i of [0, 30, 60, 90, 119]) {
      const blob = brightBlob(frames[i], W, 215);
      // One full-size, full-brightness disc (a dissolve would show two discs at half strength,
      // under this level), centred where the motion has carried it by now.
      expect(blob.n).toBeGreaterThan(0.9 * discArea);
      expect(blob.n).toBeLessThan(1.1 * discArea);
      expect(Math.abs(blob.x - (400 + 60 * s(i)))).toBeLessThan(1);
      expect(Math.abs(blob.y - (260 - 30 * s(i)))).toBeLessThan(1);
    }

    // The whole picture, not only the disc, has moved about half way at the middle frame.
    const pc = phaseCorrelate(startGray, frames[60], W, 299, 112, 256);
    expect(Math.abs(pc.dx - 60 * s(60))).toBeLessThan(0.75);
    expect(Math.abs(pc.dy + 30 * s(60))).toBeLessThan(0.75);
  });
});
