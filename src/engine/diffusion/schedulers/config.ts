/** Reading scheduler_config.json values with each diffusers class's own defaults. */
import type { NoiseScheduleParams } from './noise-schedule.js';
import type { BetaSchedule, PredictionType, SchedulerConfig, TimestepSpacing } from './types.js';

export interface ClassDefaults {
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  timestep_spacing: TimestepSpacing;
}

/** Euler, Euler Ancestral and DDIM default to DDPM's linear 1e-4..2e-2; LCM to SD's scaled_linear. */
export const DDPM_DEFAULTS: ClassDefaults = {
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  timestep_spacing: 'linspace',
};

const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction', 'sample'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];

export function noiseScheduleParams(config: SchedulerConfig, defaults: ClassDefaults): NoiseScheduleParams {
  const betaSchedule = (config.beta_schedule ?? defaults.beta_schedule) as BetaSchedule;
  if (!BETA_SCHEDULES.includes(betaSchedule)) throw new Error(`beta_schedule "${betaSchedule}" is not supported`);
  if (config.rescale_betas_zero_snr) throw new Error('rescale_betas_zero_snr is not supported');
  const numTrainTimesteps = config.num_train_timesteps ?? 1000;
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 2) throw new Error('num_train_timesteps must be an integer ≥ 2');
  return {
    numTrainTimesteps,
    betaStart: config.beta_start ?? defaults.beta_start,
    betaEnd: config.beta_end ?? defaults.beta_end,
    betaSchedule,
    trainedBetas: config.trained_betas ?? undefined,
  };
}

export function predictionType(config: SchedulerConfig): PredictionType {
  const p = (config.prediction_type ?? 'epsilon') as PredictionType;
  if (!PREDICTION_TYPES.includes(p)) throw new Error(`prediction_type "${p}" is not supported`);
  return p;
}

export function timestepSpacing(config: SchedulerConfig, defaults: ClassDefaults): TimestepSpacing {
  const s = (config.timestep_spacing ?? defaults.timestep_spacing) as TimestepSpacing;
  if (!SPACINGS.includes(s)) throw new Error(`timestep_spacing "${s}" is not supported`);
  return s;
}

export function checkStepCount(numSteps: number, numTrainTimesteps: number): void {
  if (!Number.isInteger(numSteps) || numSteps < 1 || numSteps > numTrainTimesteps) {
    throw new Error(`number of inference steps must be an integer in 1..${numTrainTimesteps}, got ${numSteps}`);
  }
}

/** A step index must name one of the schedule's steps (schedulers keep no step counter to fall back on). */
export function checkStepIndex(stepIndex: number, numSteps: number): void {
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex >= numSteps) {
    throw new RangeError(`step index ${stepIndex} is outside 0..${numSteps - 1}`);
  }
}

/** The DDPM forward process at a timestep with cumulative ᾱ: √ᾱ·x + √(1 − ᾱ)·ε (DDIM and LCM img2img). */
export function addDdpmNoise(original: Float32Array, noise: Float32Array, alphaCumprod: number): Float32Array {
  checkSameLength(original, noise, 'addNoise');
  const a = Math.sqrt(alphaCumprod);
  const b = Math.sqrt(1 - alphaCumprod);
  return mapIndex(original.length, (i) => a * original[i] + b * noise[i]);
}

/** Element-wise helper: out[i] = fn(i). */
export function mapIndex(length: number, fn: (i: number) => number, out: Float32Array = new Float32Array(length)): Float32Array {
  checkOutput(out, length);
  for (let i = 0; i < length; i++) out[i] = fn(i);
  return out;
}

export function checkSameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: length ${a.length} ≠ ${b.length}`);
}

/** A caller-supplied output buffer must be exactly the step's size. */
export function checkOutput(out: Float32Array, length: number): void {
  if (out.length !== length) throw new Error(`output buffer: length ${out.length} ≠ ${length}`);
}

/** Identity input scaling (LCM, DDIM): the sample itself, or a copy into `out`. */
export function identityScale(sample: Float32Array, out?: Float32Array): Float32Array {
  if (!out) return sample;
  checkOutput(out, sample.length);
  out.set(sample);
  return out;
}
