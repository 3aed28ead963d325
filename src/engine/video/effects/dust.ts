/** Dust motes: tiny warm specks drifting on slow noise currents and twinkling as they catch light. */
import { smoothNoise1D, streamFor } from '../prng.js';
import { softDot } from './draw.js';
import { particleEffect } from './particles.js';
import { wrap01, type EffectContext, type FrameEffect } from './types.js';

interface Mote {
  x: number;
  y: number;
  radius: number;
  driftX: (t: number) => number;
  driftY: (t: number) => number;
  rise: number;
  twinkleHz: number;
  phase: number;
  alpha: number;
}

const COLOR = [255, 232, 190] as const;

export function createDust(ctx: EffectContext): FrameEffect {
  const { width: w, height: h } = ctx;
  return particleEffect<Mote>(ctx, streamFor(ctx.seed, 'dust'), {
    perFrameArea: 200,
    make: (rng, unit) => ({
      x: rng(),
      y: rng(),
      radius: (0.5 + 1.6 * rng() ** 2) * unit,
      driftX: smoothNoise1D(rng, 0.15),
      driftY: smoothNoise1D(rng, 0.15),
      rise: -0.004 - 0.01 * rng(),
      twinkleHz: 0.3 + 0.9 * rng(),
      phase: rng() * Math.PI * 2,
      alpha: 0.25 + 0.6 * rng(),
    }),
    draw(frame, m, ts, strength) {
      const x = wrap01(m.x + 0.03 * m.driftX(ts)) * w;
      const y = wrap01(m.y + m.rise * ts + 0.03 * m.driftY(ts)) * h;
      const twinkle = 0.35 + 0.65 * (0.5 + 0.5 * Math.sin(2 * Math.PI * m.twinkleHz * ts + m.phase));
      softDot(frame, w, h, x, y, m.radius, 1.5 * m.radius + 1, COLOR, m.alpha * twinkle * strength, 'add');
    },
  });
}
