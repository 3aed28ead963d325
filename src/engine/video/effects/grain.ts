/** Animated monochrome film grain: a seeded noise tile read at a new random offset every frame. */
import { createRng, gaussian, hash32, streamFor } from '../prng.js';
import { sizeUnit, type EffectContext, type FrameEffect } from './types.js';

const TILE = 256;

export function createGrain(ctx: EffectContext): FrameEffect {
  const rng = streamFor(ctx.seed, 'grain:tile');
  const raw = new Float32Array(TILE * TILE);
  for (let i = 0; i < raw.length; i++) raw[i] = gaussian(rng);
  // Larger frames get slightly coarser grain (a soft 3x3 blur), as film grain scales with the frame.
  const coarse = sizeUnit(ctx) >= 1.2;
  const tile = new Float32Array(TILE * TILE);
  for (let y = 0; y < TILE; y++) {
    for (let x = 0; x < TILE; x++) {
      if (!coarse) {
        tile[y * TILE + x] = raw[y * TILE + x];
        continue;
      }
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += raw[((y + dy) & 255) * TILE + ((x + dx) & 255)];
      tile[y * TILE + x] = s / 3; // std of the mean of 9 is 1/3; times 3 restores unit variance
    }
  }
  return {
    apply(frame, index, amount) {
      if (amount <= 1e-3) return;
      const r = createRng(hash32(`grain:${ctx.seed}:${index}`));
      const ox = Math.floor(r() * TILE);
      const oy = Math.floor(r() * TILE);
      const sigma = 16 * amount;
      const { width: w, height: h } = ctx;
      let o = 0;
      for (let y = 0; y < h; y++) {
        const row = ((y + oy) & 255) * TILE;
        for (let x = 0; x < w; x++, o += 4) {
          const n = tile[row + ((x + ox) & 255)] * sigma;
          // Grain shows most in the mid-tones, least in deep shadows and highlights.
          const luma = (frame[o] * 77 + frame[o + 1] * 150 + frame[o + 2] * 29) >> 8;
          const d = n * (0.35 + (0.65 * (255 - Math.abs(2 * luma - 255))) / 255);
          for (let ch = 0; ch < 3; ch++) {
            const v = frame[o + ch] + d;
            frame[o + ch] = v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5;
          }
        }
      }
    },
  };
}
