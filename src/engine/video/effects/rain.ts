/** Rain: slanted streaks in three depth planes, falling at their own speeds, over a dimmed scene. */
import { streamFor } from '../prng.js';
import { streak } from './draw.js';
import { applyLut } from './tone.js';
import { areaUnit, sizeUnit, wrap01, type EffectContext, type FrameEffect } from './types.js';

interface Drop {
  x: number;
  y: number;
  speed: number; // frame heights per second
  length: number; // pixels
  alpha: number;
}

const COLOR = [205, 215, 228] as const;

export function createRain(ctx: EffectContext): FrameEffect {
  const { width: w, height: h, fps } = ctx;
  const rng = streamFor(ctx.seed, 'rain');
  const unit = sizeUnit(ctx);
  const wind = (rng() - 0.5) * 0.5; // horizontal slope of the fall
  const count = Math.round(1100 * areaUnit(ctx));
  const drops: Drop[] = [];
  for (let i = 0; i < count; i++) {
    const depth = rng(); // 0 far .. 1 near
    drops.push({
      x: rng(),
      y: rng(),
      speed: 1.1 + 1.4 * depth,
      length: (14 + 34 * depth) * unit,
      alpha: 0.16 + 0.36 * depth,
    });
  }
  const lut = new Uint8Array(256);
  return {
    apply(frame, index, amount) {
      if (amount <= 1e-3) return;
      const ts = index / fps;
      // Overcast light: the scene dims and loses a little contrast under rain.
      const dim = 1 - 0.18 * amount;
      for (let v = 0; v < 256; v++) lut[v] = Math.round(v * dim + 12 * amount);
      applyLut(frame, lut);
      const visible = Math.round(drops.length * Math.min(1, amount * 1.3));
      const margin = 0.1;
      for (let i = 0; i < visible; i++) {
        const d = drops[i];
        const fall = d.y + d.speed * ts;
        const y = (wrap01(fall / (1 + margin)) * (1 + margin) - margin) * h;
        const x = wrap01(d.x + (wind * fall * h) / w) * w;
        const dx = wind * d.length;
        streak(frame, w, h, x - dx, y - d.length, x, y, COLOR, d.alpha * Math.min(1, amount * 1.3));
      }
    },
  };
}
