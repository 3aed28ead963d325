/**
 * The discrete training noise schedule shared by every scheduler (betas, ᾱ, σ) and the
 * timestep spacings, following diffusers. diffusers builds betas and ᾱ in float32 torch
 * tensors (torch's CPU cumprod accumulates in double and stores float32); we round at the
 * same points with Math.fround so tables agree with diffusers far below the 1e-4 we test.
 */
import type { BetaSchedule, TimestepSpacing } from './types.js';

const f32 = Math.fround;

export interface NoiseScheduleParams {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  trainedBetas?: readonly number[];
}

/** torch.linspace(start, end, steps, dtype=float32), scalar kernel semantics (symmetric halves). */
function linspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1)));
  }
  return out;
}

/** diffusers' betas_for_alpha_bar with the cosine ᾱ(t) of "squaredcos_cap_v2". */
function cosineBetas(steps: number): Float32Array {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const out = new Float32Array(steps);
  for (let i = 0; i < steps; i++) out[i] = Math.min(1 - alphaBar((i + 1) / steps) / alphaBar(i / steps), 0.999);
  return out;
}

export function betas(p: NoiseScheduleParams): Float32Array {
  if (p.trainedBetas) return Float32Array.from(p.trainedBetas);
  switch (p.betaSchedule) {
    case 'linear':
      return linspaceF32(p.betaStart, p.betaEnd, p.numTrainTimesteps);
    case 'scaled_linear':
      return linspaceF32(Math.sqrt(p.betaStart), Math.sqrt(p.betaEnd), p.numTrainTimesteps).map((b) => f32(b * b));
    case 'squaredcos_cap_v2':
      return cosineBetas(p.numTrainTimesteps);
    default:
      throw new Error(`beta_schedule ${String(p.betaSchedule)} is not supported`);
  }
}

/** ᾱ_t = ∏_{s≤t} (1 − β_s), float32 values. */
export function alphasCumprod(p: NoiseScheduleParams): Float32Array {
  const b = betas(p);
  const out = new Float32Array(b.length);
  let acc = 1;
  for (let i = 0; i < b.length; i++) {
    acc *= f32(1 - b[i]);
    out[i] = acc;
  }
  return out;
}

/** σ_t = √((1 − ᾱ_t)/ᾱ_t) for every training timestep, float32 values as diffusers computes them. */
export function trainingSigmas(alphasCumprod: Float32Array): Float32Array {
  return alphasCumprod.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

/** numpy's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.linspace(start, stop, n) in float64, as numpy computes it (step from the ends, exact last value). */
export function linspaceF64(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  out[n - 1] = stop;
  return out;
}

/**
 * Inference timesteps, highest first.
 * - leading:  arange(0, n)·(T // n), reversed, + steps_offset
 * - trailing: round(arange(T, 0, −T/n)) − 1
 * - linspace: linspace(0, T−1, n) reversed (float; `roundLinspace` rounds it, as DDIM does)
 */
export function spacedTimesteps(
  spacing: TimestepSpacing,
  numSteps: number,
  numTrainTimesteps: number,
  stepsOffset: number,
  opts: { roundLinspace?: boolean; float32Linspace?: boolean } = {},
): Float64Array {
  const n = numSteps;
  const out = new Float64Array(n);
  switch (spacing) {
    case 'leading': {
      const ratio = Math.floor(numTrainTimesteps / n);
      for (let i = 0; i < n; i++) out[i] = (n - 1 - i) * ratio + stepsOffset;
      return out;
    }
    case 'trailing': {
      const ratio = numTrainTimesteps / n;
      for (let i = 0; i < n; i++) out[i] = roundHalfEven(numTrainTimesteps - i * ratio) - 1;
      return out;
    }
    case 'linspace': {
      const lin = linspaceF64(0, numTrainTimesteps - 1, n);
      for (let i = 0; i < n; i++) {
        const v = lin[n - 1 - i];
        out[i] = opts.roundLinspace ? roundHalfEven(v) : opts.float32Linspace ? f32(v) : v;
      }
      return out;
    }
    default:
      throw new Error(`timestep_spacing ${String(spacing)} is not supported`);
  }
}

/** np.interp(x, arange(len(table)), table) for x inside [0, len−1]. */
export function interpolateTable(table: ArrayLike<number>, x: number): number {
  if (x <= 0) return table[0];
  const last = table.length - 1;
  if (x >= last) return table[last];
  const i = Math.floor(x);
  const frac = x - i;
  return table[i] + frac * (table[i + 1] - table[i]);
}
