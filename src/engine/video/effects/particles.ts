/** The frame dust, snow and rain share: a seeded field of particles, more of it shown as the amount rises. */
import { areaUnit, sizeUnit, type EffectContext, type FrameEffect } from './types.js';

export interface ParticleField<P> {
  /** Particles at a 1280x720 frame; the count scales with the frame's area. */
  perFrameArea: number;
  /** One particle from the effect's seeded stream; sizes are in units of `unit` (see sizeUnit). */
  make(rng: () => number, unit: number): P;
  /** Draws one particle at `ts` seconds; `strength` (0..1) is the field's opacity at this amount. */
  draw(frame: Uint8Array, particle: P, ts: number, strength: number): void;
  /** Runs before the particles on every frame with a visible amount (rain dims the scene). */
  beforeParticles?(frame: Uint8Array, amount: number): void;
}

/**
 * `rng` is the effect's own stream, already advanced by whatever the effect drew for itself
 * (the wind), so every particle keeps the values it had when each effect built its own field.
 */
export function particleEffect<P>(ctx: EffectContext, rng: () => number, field: ParticleField<P>): FrameEffect {
  const unit = sizeUnit(ctx);
  const count = Math.round(field.perFrameArea * areaUnit(ctx));
  const particles: P[] = [];
  for (let i = 0; i < count; i++) particles.push(field.make(rng, unit));
  return {
    apply(frame, index, amount) {
      if (amount <= 1e-3) return;
      field.beforeParticles?.(frame, amount);
      const ts = index / ctx.fps;
      // The same share both shows more particles and makes them more opaque, full from amount ≈ 0.77.
      const strength = Math.min(1, amount * 1.3);
      const visible = Math.round(particles.length * strength);
      for (let i = 0; i < visible; i++) field.draw(frame, particles[i], ts, strength);
    },
  };
}
