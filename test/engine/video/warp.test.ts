import { describe, expect, it } from 'vitest';
import type { Affine } from '../../../src/engine/video/camera.js';
import { lerpWord, padLayer, rgbToRgbx, rgbxToRgb, warpPremulOver, warpRgbx } from '../../../src/engine/video/warp.js';

function randomImage(w: number, h: number, seed: number) {
  const rgb = new Uint8Array(w * h * 3);
  let x = seed;
  for (let i = 0; i < rgb.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    rgb[i] = x >>> 24;
  }
  return rgbToRgbx(rgb, w, h);
}

const identity: Affine = { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 };

describe('warpRgbx', () => {
  it('copies exactly under the identity and under whole-pixel shifts', () => {
    const src = randomImage(37, 23, 1);
    const out = new Uint32Array(37 * 23);
    warpRgbx(src, out, 37, 23, identity);
    expect(out).toEqual(src.data);
    warpRgbx(src, out, 37, 23, { ...identity, c: 3, f: 2 });
    for (let y = 0; y < 21; y++) for (let x = 0; x < 34; x++) expect(out[y * 37 + x]).toBe(src.data[(y + 2) * 37 + x + 3]);
  });

  it('interpolates half-pixel shifts as the rounded average of neighbours', () => {
    const src = randomImage(16, 8, 2);
    const out = new Uint32Array(16 * 8);
    warpRgbx(src, out, 16, 8, { ...identity, c: 0.5 });
    const a = rgbxToRgb(src);
    const b = rgbxToRgb({ data: out, width: 16, height: 8 });
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 15; x++) {
        for (let c = 0; c < 3; c++) {
          const want = (a[(y * 16 + x) * 3 + c] + a[(y * 16 + x + 1) * 3 + c]) / 2;
          expect(Math.abs(b[(y * 16 + x) * 3 + c] - want)).toBeLessThanOrEqual(0.5);
        }
      }
    }
  });

  it('takes the same path with and without rotation terms', () => {
    const src = randomImage(40, 30, 3);
    const fast = new Uint32Array(40 * 30);
    const general = new Uint32Array(40 * 30);
    const m = { a: 0.8, b: 0, c: 3.3, d: 0, e: 0.8, f: 2.1 };
    warpRgbx(src, fast, 40, 30, m);
    warpRgbx(src, general, 40, 30, { ...m, b: 1e-12 });
    expect(fast).toEqual(general);
  });

  it('repeats edge pixels outside the source', () => {
    const src = randomImage(10, 10, 4);
    const out = new Uint32Array(100);
    warpRgbx(src, out, 10, 10, { ...identity, c: -20 });
    for (let y = 0; y < 10; y++) expect(out[y * 10 + 5]).toBe(src.data[y * 10]);
  });
});

describe('warpPremulOver', () => {
  it('replaces opaque pixels, keeps transparent ones, blends partial alpha', () => {
    const w = 8;
    const h = 4;
    const layer = new Uint32Array(w * h);
    // Column 0-1: opaque red, 2-3: half-transparent premultiplied white, rest transparent.
    for (let y = 0; y < h; y++) {
      layer[y * w] = layer[y * w + 1] = (255 | (255 << 24)) >>> 0;
      layer[y * w + 2] = layer[y * w + 3] = (128 | (128 << 8) | (128 << 16) | (128 << 24)) >>> 0;
    }
    const dst = new Uint32Array(w * h).fill((0 | (0 << 8) | (200 << 16) | 0xff000000) >>> 0);
    warpPremulOver(padLayer(layer, w, h, { x0: 0, y0: 0, x1: 3, y1: h - 1 }), dst, w, h, identity);
    const rgb = rgbxToRgb({ data: dst, width: w, height: h });
    expect(Array.from(rgb.subarray(0, 3))).toEqual([255, 0, 0]);
    const half = Array.from(rgb.subarray(6, 9));
    expect(half[0]).toBeGreaterThanOrEqual(127);
    expect(half[0]).toBeLessThanOrEqual(129);
    expect(half[2]).toBeGreaterThanOrEqual(226); // 128 + 200 * (127/255)
    expect(half[2]).toBeLessThanOrEqual(229);
    expect(Array.from(rgb.subarray(15, 18))).toEqual([0, 0, 200]);
  });

  it('fades to transparent over the layer edge under a sub-pixel shift', () => {
    const layer = new Uint32Array(16).fill(0xffffffff);
    const dst = new Uint32Array(36).fill(0xff000000);
    warpPremulOver(padLayer(layer, 4, 4, { x0: 0, y0: 0, x1: 3, y1: 3 }), dst, 6, 6, { ...identity, c: -0.5, f: -0.5 });
    // Pixel (0, 0) samples half outside in x and y: a quarter coverage of white.
    expect(dst[0] & 255).toBeGreaterThanOrEqual(63);
    expect(dst[0] & 255).toBeLessThanOrEqual(65);
    expect(dst[7] & 255).toBe(255);
    expect(dst[5] & 255).toBe(0);
  });

  it('treats the outside of the layer as transparent', () => {
    const layer = new Uint32Array(4).fill(0xffffffff);
    const dst = new Uint32Array(16).fill(0xff000000);
    warpPremulOver(padLayer(layer, 2, 2, { x0: 0, y0: 0, x1: 1, y1: 1 }), dst, 4, 4, identity);
    expect(dst[0]).toBe(0xffffffff);
    expect(dst[3] & 0xffffff).toBe(0);
    expect(dst[15] & 0xffffff).toBe(0);
  });
});

describe('lerpWord', () => {
  it('blends every channel and keeps the ends exact', () => {
    const p = 0xff102030;
    const q = 0xff80a0c0;
    expect(lerpWord(p, q, 0)).toBe(p);
    expect(lerpWord(p, q, 256)).toBe(q);
    const m = lerpWord(p, q, 128);
    expect(m & 255).toBe(0x78);
    expect((m >>> 8) & 255).toBe(0x60);
    expect((m >>> 16) & 255).toBe(0x48);
  });
});
