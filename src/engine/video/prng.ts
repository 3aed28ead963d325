import { mulberry32 } from '../../domain/mulberry32.js';

/**
 * Seeded randomness: every random choice of a render comes from here, so one request
 * (image, motions, seed) always gives the same frames.
 */

/** 32-bit string hash (FNV-1a), to derive independent streams from one seed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Seeded [0, 1) generator (mulberry32). */
export const createRng = mulberry32;

/** A stream for one named purpose ("rain", "shake:2", ...) of one request seed. */
export function streamFor(seed: number, purpose: string): () => number {
  return createRng((Math.imul(seed >>> 0, 0x9e3779b1) ^ hash32(purpose)) >>> 0);
}

/** Standard normal sample from a uniform stream (Box-Muller). */
export function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Smooth 1-D noise in [-1, 1]: a sum of a few sines with seeded frequencies and phases
 * around `frequency` (cycles per unit of x). Deterministic and continuous in x.
 */
export function smoothNoise1D(rng: () => number, frequency: number): (x: number) => number {
  const parts = [1, 0.55, 0.3].map((weight, i) => ({
    weight,
    freq: frequency * (0.7 + 0.6 * rng()) * (1 + i * 1.7),
    phase: rng() * Math.PI * 2,
  }));
  const norm = parts.reduce((s, p) => s + p.weight, 0);
  return (x: number) => {
    let v = 0;
    for (const p of parts) v += p.weight * Math.sin(2 * Math.PI * p.freq * x + p.phase);
    return v / norm;
  };
}
