/** Irregular brightness flicker: slow and fast wobble plus occasional dips, fixed per frame by the seed. */
import { smoothNoise1D, streamFor } from '../prng.js';
import { applyLut } from './tone.js';
import type { EffectContext, FrameEffect } from './types.js';

export function createFlicker(ctx: EffectContext): FrameEffect {
  const rng = streamFor(ctx.seed, 'flicker');
  const slow = smoothNoise1D(rng, 2.5);
  const fast = smoothNoise1D(rng, 9);
  // Deviation from 1 at amount 1, one value per frame.
  const deviation = new Float32Array(ctx.frames);
  let dip = 0;
  for (let f = 0; f < ctx.frames; f++) {
    const ts = f / ctx.fps;
    if (rng() < 0.07) dip = Math.max(dip, 0.15 + 0.25 * rng());
    deviation[f] = 0.1 * slow(ts) + 0.05 * fast(ts) - dip;
    dip *= 0.45;
  }
  const lut = new Uint8Array(256);
  return {
    apply(frame, index, amount) {
      const dev = deviation[Math.min(ctx.frames - 1, index)] * amount;
      if (Math.abs(dev) < 1e-3) return;
      const m = 1 + dev;
      for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.max(0, Math.round(v * m)));
      applyLut(frame, lut);
    },
  };
}
