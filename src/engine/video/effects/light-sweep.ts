/** A soft, warm diagonal band of light that crosses the frame once during the clip. */
import { ease } from '../easing.js';
import type { EffectContext, FrameEffect } from './types.js';

const SLOPE = Math.tan((22 * Math.PI) / 180);
const HALF_WIDTH = 0.08; // of the sweep coordinate range
const LUT_SIZE = 1024;
const REACH = 3; // band profile evaluated out to 3 half-widths

export function createLightSweep(ctx: EffectContext): FrameEffect {
  const { width: w, height: h, frames } = ctx;
  const span = w + h * SLOPE;
  // Gaussian band profile over offsets [-REACH, REACH] half-widths.
  const profile = new Float32Array(LUT_SIZE + 1);
  for (let i = 0; i <= LUT_SIZE; i++) {
    const u = (i / LUT_SIZE) * 2 * REACH - REACH;
    profile[i] = Math.exp(-u * u);
  }
  return {
    apply(frame, index, amount) {
      if (amount <= 1e-3) return;
      const t = frames === 1 ? 0 : index / (frames - 1);
      const centre = (-0.25 + 1.5 * ease('sine', t)) * span;
      const half = HALF_WIDTH * span;
      const gain = 0.55 * amount;
      for (let y = 0; y < h; y++) {
        const shift = y * SLOPE;
        const xa = Math.max(0, Math.floor(centre - REACH * half - shift));
        const xb = Math.min(w - 1, Math.ceil(centre + REACH * half - shift));
        for (let x = xa; x <= xb; x++) {
          const u = (x + shift - centre) / half;
          const li = Math.round(((u + REACH) / (2 * REACH)) * LUT_SIZE);
          if (li < 0 || li > LUT_SIZE) continue;
          const g = profile[li] * gain;
          const o = (y * w + x) * 4;
          frame[o] = frame[o] + (255 - frame[o]) * g + 0.5;
          frame[o + 1] = frame[o + 1] + (246 - frame[o + 1]) * g * 0.97 + 0.5;
          frame[o + 2] = frame[o + 2] + (225 - frame[o + 2]) * g * 0.9 + 0.5;
        }
      }
    },
  };
}
