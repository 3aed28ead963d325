import { describe, expect, it } from 'vitest';
import { fft, phaseCorrelate } from './helpers/fft.js';

describe('test helper: FFT and phase correlation', () => {
  it('transforms an impulse to a flat spectrum and back', () => {
    const re = new Float64Array(16);
    const im = new Float64Array(16);
    re[3] = 1;
    fft(re, im);
    for (let k = 0; k < 16; k++) expect(Math.hypot(re[k], im[k])).toBeCloseTo(1, 12);
    fft(re, im, true);
    expect(re[3] / 16).toBeCloseTo(1, 12);
    expect(re[4] / 16).toBeCloseTo(0, 12);
  });

  it('recovers a known shift between two images, with its sign', () => {
    const w = 200;
    const h = 160;
    // Smooth random texture: value noise on a 6-pixel lattice, bilinearly interpolated.
    const lattice = new Float64Array(64 * 64);
    let seed = 12345;
    for (let i = 0; i < lattice.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      lattice[i] = seed / 2 ** 32;
    }
    const pattern = (x: number, y: number) => {
      const gx = x / 6 + 8;
      const gy = y / 6 + 8;
      const x0 = Math.floor(gx);
      const y0 = Math.floor(gy);
      const fx = gx - x0;
      const fy = gy - y0;
      const l = (i: number, j: number) => lattice[j * 64 + i];
      const v = (l(x0, y0) * (1 - fx) + l(x0 + 1, y0) * fx) * (1 - fy) + (l(x0, y0 + 1) * (1 - fx) + l(x0 + 1, y0 + 1) * fx) * fy;
      return 40 + 170 * v;
    };
    const a = new Uint8Array(w * h);
    const b = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        a[y * w + x] = Math.round(pattern(x, y));
        b[y * w + x] = Math.round(pattern(x - 7.5, y + 3)); // content moved right 7.5, up 3
      }
    }
    const r = phaseCorrelate(a, b, w, 36, 16, 128);
    expect(r.dx).toBeCloseTo(7.5, 0);
    expect(r.dy).toBeCloseTo(-3, 0);
  });
});
