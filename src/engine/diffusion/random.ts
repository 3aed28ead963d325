/**
 * The engine's seeded Gaussian noise. Same seed (and stream) → same numbers on every machine
 * and Node version, because only integer arithmetic and Math.exp/log/sqrt on doubles are
 * involved. The numbers are NOT torch's: torch uses Philox/MT19937 with its own transforms, so
 * a seed reproduces images of this engine, not of diffusers.
 *
 * Algorithm (so it can be reimplemented elsewhere):
 * 1. key = seed as a 64-bit two's-complement integer, XOR (stream · 0xD1B54A32D192ED03 mod 2^64).
 * 2. Two splitmix64 outputs from that key; their 32-bit halves (low half first) form the
 *    xoshiro128** state s0..s3 (an all-zero state is replaced by a fixed constant).
 * 3. uniform53 = ((x1 >>> 5)·2^26 + (x2 >>> 6)) / 2^53 from two xoshiro128** outputs.
 * 4. Normals by the Marsaglia–Tsang ziggurat (ziggurat.ts has the tables): one output a gives
 *    layer i = a & 255, sign = bit 8, u = (a >>> 9) / 2^23; x = u·X[i]; accepted when
 *    u < X[i+1]/X[i]. Otherwise layer 0 draws from the tail beyond r (repeat a = −ln(1 − U1)/r,
 *    b = −ln(1 − U2) until 2b > a², giving r + a) and other layers test the wedge
 *    (y = f(X[i]) + U·(f(X[i+1]) − f(X[i])) < f(x), else start over with a new output); U are
 *    uniform53 draws in that order.
 * normal(n) continues the same sequence across calls: normal(3) then normal(3) equals normal(6).
 *
 * The ziggurat replaced Box–Muller (a log, a cos and a sin per pair) because noise is drawn on
 * every ancestral/LCM step of every image: 16,384 normals took 0.68 ms and take 0.24 ms on a
 * 2-core machine, which on a GPU is real per-step time.
 */

import { ZIGGURAT } from './ziggurat.js';

const U23 = 1 / 8388608;
const MASK64 = (1n << 64n) - 1n;
const GOLDEN64 = 0x9e3779b97f4a7c15n;
const STREAM_MULTIPLIER = 0xd1b54a32d192ed03n;

function splitmix64(state: bigint): { value: bigint; next: bigint } {
  const next = (state + GOLDEN64) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return { value: z ^ (z >> 31n), next };
}

export interface Rng {
  readonly seed: number;
  readonly stream: number;
  /** Next raw 32-bit output (unsigned). */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** n standard normal samples. */
  normal(n: number): Float32Array;
  /** Fills `out` with standard normal samples and returns it. */
  fillNormal(out: Float32Array): Float32Array;
}

class Xoshiro128StarStar implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(
    readonly seed: number,
    readonly stream: number,
    state?: readonly [number, number, number, number],
  ) {
    if (state) {
      [this.s0, this.s1, this.s2, this.s3] = state;
      return;
    }
    let key = BigInt.asUintN(64, BigInt(seed)) ^ ((BigInt(stream) * STREAM_MULTIPLIER) & MASK64);
    const words: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { value, next } = splitmix64(key);
      key = next;
      words.push(Number(value & 0xffffffffn), Number(value >> 32n));
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  fillNormal(out: Float32Array): Float32Array {
    const { ratio, width } = ZIGGURAT;
    for (let i = 0; i < out.length;) {
      const a = this.nextUint32();
      const layer = a & 255;
      const u = (a >>> 9) * U23;
      // ~99% of draws end here: the point lies left of the layer above's edge.
      const x = u < ratio[layer] ? u * width[layer] : this.outsideCore(layer, u * width[layer]);
      if (x !== x) continue; // rejected in a wedge: start over with a new output
      out[i++] = a & 256 ? -x : x;
    }
    return out;
  }

  /** Layer 0: a tail draw. Other layers: x if it lies under the curve in the wedge, else NaN. */
  private outsideCore(layer: number, x: number): number {
    if (layer === 0) return this.tail();
    const { edge } = ZIGGURAT;
    return edge[layer] + this.uniform() * (edge[layer + 1] - edge[layer]) < Math.exp(-0.5 * x * x) ? x : NaN;
  }

  /** A draw from the normal's tail beyond r (Marsaglia's exponential rejection). */
  private tail(): number {
    for (;;) {
      const a = -Math.log(1 - this.uniform()) / ZIGGURAT.r;
      const b = -Math.log(1 - this.uniform());
      if (b + b > a * a) return ZIGGURAT.r + a;
    }
  }

  normal(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`normal(n) needs a non-negative integer, got ${n}`);
    return this.fillNormal(new Float32Array(n));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A seeded generator. `seed` is any safe integer (negative values wrap as 64-bit two's
 * complement); `stream` selects an independent sequence for the same seed (e.g. per image of a batch).
 */
export function createRng(seed: number, stream = 0): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(stream) || stream < 0) throw new RangeError(`stream must be a non-negative safe integer, got ${stream}`);
  return new Xoshiro128StarStar(seed, stream);
}

/** A generator started from a raw xoshiro128** state (for checking against published test vectors). */
export function rngFromXoshiroState(state: readonly [number, number, number, number]): Rng {
  return new Xoshiro128StarStar(0, 0, state);
}
