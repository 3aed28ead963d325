/** Snow: soft flakes in depth, falling slowly and swaying on their own rhythm. */
import { streamFor } from '../prng.js';
import { softDot } from './draw.js';
import { particleEffect } from './particles.js';
import { wrap01, type EffectContext, type FrameEffect } from './types.js';

interface Flake {
  x: number;
  y: number;
  speed: number; // frame heights per second
  radius: number;
  sway: number; // fraction of width
  swayHz: number;
  phase: number;
  alpha: number;
}

const COLOR = [246, 248, 255] as const;

export function createSnow(ctx: EffectContext): FrameEffect {
  const { width: w, height: h } = ctx;
  const rng = streamFor(ctx.seed, 'snow');
  const wind = (rng() - 0.5) * 0.04; // frame widths per second
  return particleEffect<Flake>(ctx, rng, {
    perFrameArea: 420,
    make(rng, unit) {
      const depth = rng();
      return {
        x: rng(),
        y: rng(),
        speed: 0.06 + 0.16 * depth,
        radius: (0.6 + 3 * depth * depth) * unit,
        sway: 0.004 + 0.012 * rng(),
        swayHz: 0.15 + 0.45 * rng(),
        phase: rng() * Math.PI * 2,
        alpha: 0.45 + 0.5 * depth,
      };
    },
    draw(frame, f, ts, strength) {
      const y = (wrap01(f.y + f.speed * ts) * 1.1 - 0.05) * h;
      const x = wrap01(f.x + wind * ts + f.sway * Math.sin(2 * Math.PI * f.swayHz * ts + f.phase)) * w;
      softDot(frame, w, h, x, y, f.radius, Math.max(0.8, f.radius * 0.8), COLOR, f.alpha * strength, 'blend');
    },
  });
}
