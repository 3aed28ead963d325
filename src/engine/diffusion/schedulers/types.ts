/** Shared scheduler types. Field names follow diffusers' scheduler_config.json. */

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type SchedulerKind = 'euler' | 'euler-ancestral' | 'lcm' | 'ddim';

/** The contents of a diffusers `scheduler/scheduler_config.json` (unknown fields are ignored). */
export interface SchedulerConfig {
  _class_name?: string;
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: BetaSchedule | string;
  trained_betas?: number[] | null;
  prediction_type?: PredictionType | string;
  timestep_spacing?: TimestepSpacing | string;
  steps_offset?: number;
  interpolation_type?: 'linear' | string;
  final_sigmas_type?: 'zero' | 'sigma_min' | string;
  use_karras_sigmas?: boolean | null;
  use_exponential_sigmas?: boolean | null;
  use_beta_sigmas?: boolean | null;
  timestep_type?: 'discrete' | string;
  rescale_betas_zero_snr?: boolean;
  set_alpha_to_one?: boolean;
  clip_sample?: boolean;
  clip_sample_range?: number;
  thresholding?: boolean;
  original_inference_steps?: number;
  timestep_scaling?: number;
  [key: string]: unknown;
}

/** The source of Gaussian noise that stochastic steps draw from (see ../random.ts). */
export interface NoiseSource {
  normal(n: number): Float32Array;
}

/**
 * One configured sampling schedule. `stepIndex` always indexes the full `timesteps` table:
 * txt2img runs 0..n−1, img2img runs startIndex..n−1 (see img2img.ts). Schedulers keep no
 * hidden step counter, so a step can be retried or a run cancelled without state to reset.
 */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** diffusers class this schedule reproduces, e.g. "EulerDiscreteScheduler". */
  readonly className: string;
  /** Set when the model's configured class is not implemented and a compatible one stands in. */
  readonly substitutedFor?: string;
  readonly predictionType: PredictionType;
  readonly numSteps: number;
  /** Timestep fed to the UNet at each step, highest first (Euler linspace gives fractional values). */
  readonly timesteps: Float64Array;
  /** Euler family: σ per step plus a final 0 (length numSteps + 1). Other kinds: undefined. */
  readonly sigmas?: Float64Array;
  /** Initial txt2img latents are N(0, 1) · initNoiseSigma. */
  readonly initNoiseSigma: number;
  /**
   * Input scaling before the UNet (Euler: x / √(σ² + 1); identity for LCM and DDIM). With `out`
   * the result is written there (a copy for identity schedulers) and `out` is returned.
   */
  scaleModelInput(sample: Float32Array, stepIndex: number, out?: Float32Array): Float32Array;
  /**
   * One denoising step: the sample for stepIndex + 1. `rng` is required by stochastic steps.
   * Every element depends only on the same element of the inputs, so `out` may be `sample`
   * itself: the pipeline steps its latents in place instead of allocating per step.
   */
  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng?: NoiseSource, out?: Float32Array): Float32Array;
  /** Noise a clean latent to the level of timesteps[stepIndex] (img2img start). */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array;
}
