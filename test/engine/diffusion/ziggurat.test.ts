import { describe, expect, it } from 'vitest';
import { ZIGGURAT } from '../../../src/engine/diffusion/ziggurat.js';

const f = (x: number) => Math.exp(-0.5 * x * x);

describe('ziggurat tables', () => {
  it('has 256 layers of equal area v whose edges fall from r to 0', () => {
    const { width, edge, r } = ZIGGURAT;
    const v = width[0] * f(r);
    expect(width[1]).toBe(r);
    expect(width[256]).toBe(0);
    for (let i = 1; i < 256; i++) {
      expect(width[i + 1]).toBeLessThan(width[i]);
      // The published r and v close the recursion at f = 1 to ~1e-9 relative (the top layer).
      expect(width[i] * (edge[i + 1] - edge[i])).toBeCloseTo(v, 10);
    }
  });

  it('gives the base layer the area of the rectangle plus the tail beyond r', () => {
    // ∫_r^∞ exp(−x²/2) dx = √(π/2)·erfc(r/√2), by Simpson's rule on [r, r + 12].
    const steps = 20_000;
    const h = 12 / steps;
    let tail = f(ZIGGURAT.r) + f(ZIGGURAT.r + 12);
    for (let k = 1; k < steps; k++) tail += (k % 2 ? 4 : 2) * f(ZIGGURAT.r + k * h);
    tail *= h / 3;
    expect(ZIGGURAT.r * f(ZIGGURAT.r) + tail).toBeCloseTo(ZIGGURAT.width[0] * f(ZIGGURAT.r), 10);
  });
});
