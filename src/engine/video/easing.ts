import type { Easing } from '../../domain/motions.js';

/** Easing curves on [0, 1] -> [0, 1], each with f(0) = 0 and f(1) = 1 exactly. */
export function ease(kind: Easing, x: number): number {
  const t = x <= 0 ? 0 : x >= 1 ? 1 : x;
  switch (kind) {
    case 'linear':
      return t;
    case 'sine':
      return 0.5 - 0.5 * Math.cos(Math.PI * t);
    case 'quadIn':
      return t * t;
    case 'quadOut':
      return t * (2 - t);
    case 'quadInOut':
      return t < 0.5 ? 2 * t * t : 1 - 2 * (1 - t) * (1 - t);
    case 'cubicIn':
      return t * t * t;
    case 'cubicOut':
      return 1 - (1 - t) ** 3;
    case 'cubicInOut':
      return t < 0.5 ? 4 * t * t * t : 1 - 4 * (1 - t) ** 3;
    case 'expoIn':
      // Normalised so both ends are exact (plain 2^(10t-10) leaves 1/1024 at t = 0).
      return (2 ** (10 * t) - 1) / 1023;
    case 'expoOut':
      return 1 - (2 ** (10 * (1 - t)) - 1) / 1023;
  }
}

/** Hermite smoothstep of x between edges a and b. */
export function smoothstep(a: number, b: number, x: number): number {
  const t = b === a ? (x >= b ? 1 : 0) : Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
}
