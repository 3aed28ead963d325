/** Rain: slanted streaks in three depth planes, falling at their own speeds, over a dimmed scene. */
import { streamFor } from '../prng.js';
import { streak } from './draw.js';
import { particleEffect } from './particles.js';
import { applyLut } from './tone.js';
import { wrap01, type EffectContext, type FrameEffect } from './types.js';

interface Drop {
  x: number;
  y: number;
  speed: number; // frame heights per second
  length: number; // pixels
  alpha: number;
}

const COLOR = [205, 215, 228] as const;
const MARGIN = 0.1;

export function createRain(ctx: EffectContext): FrameEffect {
  const { width: w, height: h } = ctx;
  const rng = streamFor(ctx.seed, 'rain');
  const wind = (rng() - 0.5) * 0.5; // horizontal slope of the fall
  const lut = new Uint8Array(256);
  return particleEffect<Drop>(ctx, rng, {
    perFrameArea: 1100,
    make(rng, unit) {
      const depth = rng(); // 0 far .. 1 near
      return {
        x: rng(),
        y: rng(),
        speed: 1.1 + 1.4 * depth,
        length: (14 + 34 * depth) * unit,
        alpha: 0.16 + 0.36 * depth,
      };
    },
    beforeParticles(frame, amount) {
      // Overcast light: the scene dims and loses a little contrast under rain.
      const dim = 1 - 0.18 * amount;
      for (let v = 0; v < 256; v++) lut[v] = Math.round(v * dim + 12 * amount);
      applyLut(frame, lut);
    },
    draw(frame, d, ts, strength) {
      const fall = d.y + d.speed * ts;
      const y = (wrap01(fall / (1 + MARGIN)) * (1 + MARGIN) - MARGIN) * h;
      const x = wrap01(d.x + (wind * fall * h) / w) * w;
      const dx = wind * d.length;
      streak(frame, w, h, x - dx, y - d.length, x, y, COLOR, d.alpha * strength);
    },
  });
}
