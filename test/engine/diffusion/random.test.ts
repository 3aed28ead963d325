import { describe, expect, it } from 'vitest';
import { createRng, rngFromXoshiroState } from '../../../src/engine/diffusion/random.js';

describe('createRng', () => {
  it('is deterministic: the same seed gives the same numbers, another seed does not', () => {
    const a = createRng(42).normal(1000);
    const b = createRng(42).normal(1000);
    const c = createRng(43).normal(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('implements xoshiro128** (reference outputs for state 1, 2, 3, 4)', () => {
    const rng = rngFromXoshiroState([1, 2, 3, 4]);
    const out = Array.from({ length: 6 }, () => rng.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('pins its first outputs so a change of algorithm cannot pass unnoticed', () => {
    // Values recorded from this implementation; they define the engine's seed semantics.
    const rng = createRng(1);
    const raw = [rng.nextUint32(), rng.nextUint32(), rng.nextUint32()];
    expect(raw).toEqual([1695105466, 1423115009, 634581793]);
    expect(Array.from(createRng(123456).normal(4)).map((v) => Number(v.toFixed(6)))).toEqual([-2.019328, 1.222618, 0.287782, 0.542296]);
  });

  it('continues one sequence across calls: normal(3) + normal(3) equals normal(6)', () => {
    const whole = createRng(7).normal(6);
    const rng = createRng(7);
    const parts = [...rng.normal(3), ...rng.normal(3)];
    expect(parts).toEqual(Array.from(whole));
    const filled = createRng(7).fillNormal(new Float32Array(6));
    expect(Array.from(filled)).toEqual(Array.from(whole));
  });

  it('draws standard normals: mean ≈ 0, variance ≈ 1, symmetric tails', () => {
    const n = 200_000;
    const x = createRng(2024).normal(n);
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (const v of x) {
      sum += v;
      sq += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    // Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; 5σ bounds.
    expect(Math.abs(mean)).toBeLessThan(0.012);
    expect(Math.abs(variance - 1)).toBeLessThan(0.016);
    // P(|z| > 2) = 0.0455.
    expect(beyond2 / n).toBeGreaterThan(0.042);
    expect(beyond2 / n).toBeLessThan(0.049);
    expect(x.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('reaches the tails at the normal rates (ziggurat tail and wedges)', () => {
    const n = 1_000_000;
    const x = createRng(77).normal(n);
    let fourth = 0;
    let beyondR = 0;
    let beyond4 = 0;
    let negative = 0;
    for (const v of x) {
      fourth += v ** 4;
      if (Math.abs(v) > 3.6541528853610088) beyondR++;
      if (Math.abs(v) > 4) beyond4++;
      if (v < 0) negative++;
    }
    // E[z⁴] = 3 (sd of the estimate √(96/n) ≈ 0.01); P(|z| > r) = 2.58e-4, P(|z| > 4) = 6.33e-5.
    expect(Math.abs(fourth / n - 3)).toBeLessThan(0.05);
    expect(beyondR).toBeGreaterThan(258 - 80);
    expect(beyondR).toBeLessThan(258 + 80);
    expect(beyond4).toBeGreaterThan(63 - 40);
    expect(beyond4).toBeLessThan(63 + 40);
    expect(Math.abs(negative / n - 0.5)).toBeLessThan(0.0025);
  });

  it('gives uniforms in [0, 1) with the expected mean', () => {
    const rng = createRng(5);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = rng.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });

  it('separates streams of one seed and keeps them uncorrelated', () => {
    const a = createRng(99, 0).normal(20_000);
    const b = createRng(99, 1).normal(20_000);
    expect(Array.from(a.slice(0, 10))).not.toEqual(Array.from(b.slice(0, 10)));
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
    // Correlation of independent normals has standard error 1/√n ≈ 0.007.
    expect(Math.abs(dot / a.length)).toBeLessThan(0.035);
  });

  it('accepts 0, large and negative safe integers and rejects the rest', () => {
    expect(createRng(0).normal(2)).toHaveLength(2);
    expect(Array.from(createRng(2 ** 40).normal(4))).not.toEqual(Array.from(createRng(0).normal(4)));
    expect(Array.from(createRng(-1).normal(4))).not.toEqual(Array.from(createRng(1).normal(4)));
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.MAX_SAFE_INTEGER + 2)).toThrow(RangeError);
    expect(() => createRng(1, -1)).toThrow(RangeError);
    expect(() => createRng(1).normal(-1)).toThrow(RangeError);
  });
});
