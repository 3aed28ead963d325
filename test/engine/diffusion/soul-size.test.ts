import { describe, expect, it } from 'vitest';
import { SOUL_SIZES, outputSize, parseSize } from '../../../src/domain/sizes.js';
import { generationSize, soul720p } from '../../../src/engine/diffusion/soul-size.js';

describe('Soul size mapping', () => {
  it('maps 1152x2048 to a 64-multiple near 512^2 with the same aspect', () => {
    expect(generationSize({ width: 1152, height: 2048 }, { width: 512, height: 512 })).toEqual({ width: 384, height: 704 });
    expect(generationSize({ width: 1536, height: 1536 }, { width: 1024, height: 1024 })).toEqual({ width: 1024, height: 1024 });
    expect(generationSize({ width: 2048, height: 1152 }, { width: 1024, height: 1024 })).toEqual({ width: 1344, height: 768 });
  });

  it('720p is the 1080p size scaled by 2/3 (even pixels) and maps to the same generation size', () => {
    expect(soul720p({ width: 1152, height: 2048 })).toEqual({ width: 768, height: 1366 });
    for (const s of SOUL_SIZES) {
      const full = parseSize(s);
      expect(soul720p(full)).toEqual(outputSize(s, '720p'));
      for (const native of [512, 768, 1024]) {
        const n = { width: native, height: native };
        expect(generationSize(soul720p(full), n)).toEqual(generationSize(full, n));
      }
    }
  });

  it('keeps every Soul size near the native area, aspect within 6%, sides multiples of 64', () => {
    for (const s of SOUL_SIZES) {
      const out = parseSize(s);
      for (const native of [512, 768, 1024]) {
        const g = generationSize(out, { width: native, height: native });
        expect(g.width % 64).toBe(0);
        expect(g.height % 64).toBe(0);
        expect(Math.abs(Math.log((g.width * g.height) / native ** 2))).toBeLessThan(0.2);
        expect(Math.abs(Math.log(g.width / g.height / (out.width / out.height)))).toBeLessThan(0.06);
      }
    }
  });

  it('rejects sizes outside [8, 4096]', () => {
    expect(() => generationSize({ width: 5000, height: 512 }, { width: 512, height: 512 })).toThrow(RangeError);
    expect(() => generationSize({ width: 512.5, height: 512 }, { width: 512, height: 512 })).toThrow(RangeError);
  });
});
