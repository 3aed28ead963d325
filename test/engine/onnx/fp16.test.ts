import { describe, expect, it } from 'vitest';
import { float32ToHalfBits, fromFloat16Array, halfBitsToFloat32, toFloat16Array } from '../../../src/engine/onnx/fp16.js';

describe('fp16 conversion', () => {
  it('encodes known values exactly', () => {
    expect(float32ToHalfBits(0)).toBe(0x0000);
    expect(float32ToHalfBits(-0)).toBe(0x8000);
    expect(float32ToHalfBits(1)).toBe(0x3c00);
    expect(float32ToHalfBits(-2)).toBe(0xc000);
    expect(float32ToHalfBits(0.5)).toBe(0x3800);
    expect(float32ToHalfBits(65504)).toBe(0x7bff); // largest finite half
    expect(float32ToHalfBits(6.103515625e-5)).toBe(0x0400); // smallest normal
    expect(float32ToHalfBits(5.960464477539063e-8)).toBe(0x0001); // smallest subnormal
    expect(float32ToHalfBits(999)).toBe(0x63ce);
  });

  it('rounds to nearest, ties to even, and overflows to infinity', () => {
    // 1 + 2^-11 is exactly halfway between 1 and the next half (1 + 2^-10): tie -> even (1).
    expect(float32ToHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even): rounds up.
    expect(float32ToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToHalfBits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float32ToHalfBits(65520)).toBe(0x7c00);
    expect(float32ToHalfBits(1e6)).toBe(0x7c00);
    expect(float32ToHalfBits(-Infinity)).toBe(0xfc00);
    expect(float32ToHalfBits(2 ** -26)).toBe(0); // below half the smallest subnormal
    expect(halfBitsToFloat32(float32ToHalfBits(NaN))).toBeNaN();
  });

  it('round-trips every finite half bit pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const e = (bits >>> 10) & 0x1f;
      if (e === 0x1f) continue;
      expect(float32ToHalfBits(halfBitsToFloat32(bits))).toBe(bits);
    }
  });

  it('converts arrays both ways within half precision', () => {
    const src = Float32Array.from([0.1, -3.75, 1234.5, 1e-3, 14.6146]);
    const back = fromFloat16Array(toFloat16Array(src));
    src.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11));
  });
});
