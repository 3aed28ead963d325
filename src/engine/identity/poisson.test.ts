import { describe, expect, it } from 'vitest';
import { harmonicFill, poissonBlend } from './poisson.js';

function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 1;
  return m;
}

describe('poisson', () => {
  it('harmonicFill reproduces a linear ramp (harmonic) from its border values', () => {
    const w = 120,
      h = 100;
    const m = rect(w, h, 11, 6, 100, 90);
    const v = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (!m[y * w + x]) v[y * w + x] = 2 * x + 3 * y + 7;
    harmonicFill(v, m, w, h, { tolerance: 1e-6, maxIterations: 2000 });
    let err = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) err = Math.max(err, Math.abs(v[y * w + x] - (2 * x + 3 * y + 7)));
    expect(err).toBeLessThan(0.05);
  });

  it('poissonBlend keeps the source gradients inside and meets the target on the border', () => {
    const w = 64,
      h = 48;
    const m = rect(w, h, 8, 8, 56, 40);
    const source = new Float32Array(w * h).map((_, i) => 50 + 10 * Math.sin((i % w) / 3));
    const target = new Float32Array(w * h).fill(120);
    const f = poissonBlend(source, target, m, w, h, { tolerance: 1e-7, maxIterations: 3000 });
    // Outside: the target exactly.
    for (let i = 0; i < f.length; i++) if (!m[i]) expect(f[i]).toBe(120);
    // Inside: f - source is harmonic (its discrete Laplacian vanishes), i.e. f has the source's Laplacian.
    for (const c of [12 * w + 12, 24 * w + 32, 38 * w + 54]) {
      const d = (i: number) => f[i] - source[i];
      expect(Math.abs(4 * d(c) - d(c - 1) - d(c + 1) - d(c - w) - d(c + w))).toBeLessThan(0.01);
    }
    let mean = 0,
      n = 0;
    for (let i = 0; i < f.length; i++)
      if (m[i]) {
        mean += f[i];
        n++;
      }
    expect(mean / n).toBeGreaterThan(110);
    // Just inside the border the value is close to the target: no step.
    expect(Math.abs(f[8 * w + 32] - 120)).toBeLessThan(12);
  });

  it('refuses a mask touching the image border', () => {
    const m = rect(8, 8, 0, 2, 4, 6);
    expect(() => harmonicFill(new Float32Array(64), m, 8, 8)).toThrow(/border/);
  });
});
