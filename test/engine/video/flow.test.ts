/** Dense optical flow for the morph: known synthetic motions must be recovered. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { estimateFlow, flowBetween, flowFactor, greyDownscale, upsampleFlow, type FlowField } from '../../../src/engine/video/flow.js';
import { rgbToRgbx, type RgbxImage } from '../../../src/engine/video/warp.js';
import { astronaut, texture } from './helpers/images.js';

/** A w x h window of an RGB canvas at (x0, y0): a camera shift of the same scene. */
function crop(canvas: Uint8Array, cw: number, x0: number, y0: number, w: number, h: number): RgbxImage {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) rgb.set(canvas.subarray(((y + y0) * cw + x0) * 3, ((y + y0) * cw + x0 + w) * 3), y * w * 3);
  return rgbToRgbx(rgb, w, h);
}

async function canvas(w: number, h: number, seed: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(await texture(w, h, seed))
      .removeAlpha()
      .raw()
      .toBuffer(),
  );
}

/** Median of u and v over the interior (a margin where content enters or leaves is skipped). */
function interiorMedian(f: FlowField, margin: number): { u: number; v: number } {
  const us: number[] = [];
  const vs: number[] = [];
  for (let y = margin; y < f.height - margin; y++) {
    for (let x = margin; x < f.width - margin; x++) {
      us.push(f.u[y * f.width + x]);
      vs.push(f.v[y * f.width + x]);
    }
  }
  const med = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1];
  return { u: med(us), v: med(vs) };
}

describe('optical flow', () => {
  it('recovers a (+6, -3) px translation of a textured image to within half a pixel', async () => {
    const c = await canvas(360, 280, 5);
    // b(x, y) = a(x - 6, y + 3): content moves 6 px right and 3 px up.
    const a = crop(c, 360, 30, 30, 320, 240);
    const b = crop(c, 360, 24, 33, 320, 240);
    const f = flowBetween(a, b);
    expect(f.width).toBe(320);
    expect(f.height).toBe(240);
    const m = interiorMedian(f, 16);
    expect(Math.abs(m.u - 6)).toBeLessThan(0.5);
    expect(Math.abs(m.v + 3)).toBeLessThan(0.5);
  });

  it('finds large shifts (block matching on the coarsest level, then refinement)', async () => {
    const c = await canvas(760, 560, 8);
    const a = crop(c, 760, 80, 20, 640, 480);
    const b = crop(c, 760, 120, 0, 640, 480); // content moves (-40, +20)
    const m = interiorMedian(flowBetween(a, b), 64);
    expect(Math.abs(m.u + 40)).toBeLessThan(0.5);
    expect(Math.abs(m.v - 20)).toBeLessThan(0.5);
    // The solver alone (no confidence pass) on a 4x smaller picture finds the same motion.
    const small = estimateFlow(greyDownscale(a, 4), greyDownscale(b, 4));
    const ms = interiorMedian(small, 16);
    expect(Math.abs(ms.u * 4 + 40)).toBeLessThan(1);
    expect(Math.abs(ms.v * 4 - 20)).toBeLessThan(1);
  });

  it('follows motion that varies across the picture (a zoom)', async () => {
    const w = 320;
    const h = 240;
    const rgb = await canvas(w, h, 3);
    const Z = 1.06;
    // b = a zoomed by Z about the picture centre (bilinear): a point at r from the centre
    // moves to Z r, so the true flow at (x, y) is (Z - 1) times its offset from the centre.
    const zoomed = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = (x + 0.5 - w / 2) / Z + w / 2 - 0.5;
        const sy = (y + 0.5 - h / 2) / Z + h / 2 - 0.5;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        for (let c = 0; c < 3; c++) {
          const at = (xx: number, yy: number) => rgb[(yy * w + xx) * 3 + c];
          const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
          const bot = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
          zoomed[(y * w + x) * 3 + c] = Math.round(top * (1 - fy) + bot * fy);
        }
      }
    }
    const f = flowBetween(rgbToRgbx(rgb, w, h), rgbToRgbx(zoomed, w, h));
    for (const [x, y] of [
      [80, 60],
      [240, 60],
      [80, 180],
      [240, 180],
      [160, 120],
      [50, 120],
      [270, 120],
    ]) {
      const i = y * w + x;
      const eu = f.u[i] - (Z - 1) * (x + 0.5 - w / 2);
      const ev = f.v[i] - (Z - 1) * (y + 0.5 - h / 2);
      // Corners move about 6 px, each its own way; every point is found to within half a pixel.
      expect(Math.hypot(eu, ev)).toBeLessThan(0.5);
    }
  });

  it('invents no motion between unrelated pictures, and is deterministic', async () => {
    // A photo and a random texture: the solver alone "finds" swirls of 100+ px between them.
    const w = 320;
    const h = 240;
    const photo = new Uint8Array(await sharp(astronaut()).resize(w, h, { fit: 'cover' }).removeAlpha().raw().toBuffer());
    const a = rgbToRgbx(photo, w, h);
    const b = rgbToRgbx(await canvas(w, h, 12), w, h);
    const raw = estimateFlow(greyDownscale(a, 2), greyDownscale(b, 2));
    const share = (f: FlowField, scale: number) => {
      let still = 0;
      for (let i = 0; i < f.u.length; i++) if (Math.hypot(f.u[i], f.v[i]) * scale < 1) still++;
      return still / f.u.length;
    };
    expect(share(raw, 2)).toBeLessThan(0.5);
    const f = flowBetween(a, b);
    expect(share(f, 1)).toBeGreaterThan(0.8);
    const again = flowBetween(a, b);
    expect(Buffer.from(again.u.buffer).equals(Buffer.from(f.u.buffer))).toBe(true);
    expect(Buffer.from(again.v.buffer).equals(Buffer.from(f.v.buffer))).toBe(true);
  });

  it('upsamples a low-resolution field bilinearly with displacements scaled', () => {
    const low: FlowField = { width: 2, height: 1, u: new Float32Array([1, 3]), v: new Float32Array([-2, -2]) };
    const full = upsampleFlow(low, 4, 8, 4);
    // Block centres sit at x = 1.5 and 5.5: constant outside, linear in between.
    expect(Array.from(full.u.subarray(0, 8))).toEqual([4, 4, 5, 7, 9, 11, 12, 12]);
    expect(Array.from(full.v)).toEqual(new Array(32).fill(-8));
    expect(flowFactor(854, 480)).toBe(3);
    expect(flowFactor(100, 90)).toBe(1);
  });
});
