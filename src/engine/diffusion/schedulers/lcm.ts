/**
 * diffusers' LCMScheduler (latent consistency models, e.g. LCM_Dreamshaper_v7, LCM-LoRA).
 *
 * Schedule: k = T // original_steps; candidates (1..⌊original_steps·strength⌋)·k − 1, reversed;
 * n of them picked at ⌊linspace(0, len, n, endpoint=False)⌋.
 * Step: x0 from the prediction; denoised = c_out·x0 + c_skip·x with the boundary scalings
 * c_skip = σd²/(s² + σd²), c_out = s/√(s² + σd²), s = t·timestep_scaling, σd = 0.5;
 * then x' = √ᾱ_prev·denoised + √(1 − ᾱ_prev)·z, except on the last step, which returns denoised.
 */
import {
  addDdpmNoise,
  checkSameLength,
  checkStepCount,
  checkStepIndex,
  identityScale,
  mapIndex,
  noiseScheduleParams,
  predictionType,
} from './config.js';
import { alphasCumprod } from './noise-schedule.js';
import type { NoiseSource, PredictionType, Scheduler, SchedulerConfig } from './types.js';

const SIGMA_DATA = 0.5;

export interface LcmOptions {
  /** img2img strength: shortens the candidate schedule, as diffusers' set_timesteps(strength=…) does. */
  strength?: number;
}

export class LcmScheduler implements Scheduler {
  readonly kind = 'lcm' as const;
  readonly className = 'LCMScheduler';
  readonly predictionType: PredictionType;
  readonly numSteps: number;
  readonly timesteps: Float64Array;
  readonly initNoiseSigma = 1;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private readonly timestepScaling: number;
  private readonly clipRange: number | undefined;

  constructor(config: SchedulerConfig, numSteps: number, opts: LcmOptions = {}) {
    if (config.thresholding) throw new Error('LCMScheduler: thresholding is not supported');
    const params = noiseScheduleParams(config, {
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      timestep_spacing: 'leading',
    });
    const T = params.numTrainTimesteps;
    checkStepCount(numSteps, T);
    this.predictionType = predictionType(config);
    this.numSteps = numSteps;
    this.alphasCumprod = alphasCumprod(params);
    this.finalAlphaCumprod = (config.set_alpha_to_one ?? true) ? 1 : this.alphasCumprod[0];
    this.timestepScaling = config.timestep_scaling ?? 10;
    this.clipRange = config.clip_sample ? (config.clip_sample_range ?? 1) : undefined;

    const strength = opts.strength ?? 1;
    if (!(strength > 0 && strength <= 1)) throw new RangeError(`strength must be in (0, 1], got ${strength}`);
    const originalSteps = config.original_inference_steps ?? 50;
    if (originalSteps > T) throw new Error(`original_inference_steps ${originalSteps} exceeds num_train_timesteps ${T}`);
    if (numSteps > originalSteps) throw new Error(`LCM: ${numSteps} steps exceed original_inference_steps ${originalSteps}`);
    const k = Math.floor(T / originalSteps);
    const count = Math.floor(originalSteps * strength);
    if (Math.floor(count / numSteps) < 1) {
      throw new Error(`LCM: original_inference_steps × strength (${originalSteps} × ${strength}) is smaller than ${numSteps} steps`);
    }
    // Candidates highest first: count·k − 1, (count − 1)·k − 1, …, k − 1.
    const spacing = count / numSteps;
    this.timesteps = new Float64Array(numSteps);
    for (let i = 0; i < numSteps; i++) {
      const index = Math.floor(i * spacing);
      this.timesteps[i] = (count - index) * k - 1;
    }
  }

  scaleModelInput(sample: Float32Array, stepIndex: number, out?: Float32Array): Float32Array {
    this.timestepAt(stepIndex);
    return identityScale(sample, out);
  }

  /** (c_skip, c_out) of the consistency boundary condition at timestep t. */
  boundaryScalings(t: number): { cSkip: number; cOut: number } {
    const s = t * this.timestepScaling;
    return { cSkip: SIGMA_DATA ** 2 / (s * s + SIGMA_DATA ** 2), cOut: s / Math.sqrt(s * s + SIGMA_DATA ** 2) };
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng?: NoiseSource, out?: Float32Array): Float32Array {
    checkSameLength(modelOutput, sample, 'step');
    const t = this.timestepAt(stepIndex);
    const last = stepIndex === this.numSteps - 1;
    const prevT = last ? t : this.timesteps[stepIndex + 1];
    const alphaT = this.alphasCumprod[t];
    const alphaPrev = prevT >= 0 ? this.alphasCumprod[prevT] : this.finalAlphaCumprod;
    const sqrtAlpha = Math.sqrt(alphaT);
    const sqrtBeta = Math.sqrt(1 - alphaT);
    const { cSkip, cOut } = this.boundaryScalings(t);
    const clip = this.clipRange;
    const x0 = (i: number): number => {
      let v: number;
      if (this.predictionType === 'epsilon') v = (sample[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
      else if (this.predictionType === 'v_prediction') v = sqrtAlpha * sample[i] - sqrtBeta * modelOutput[i];
      else v = modelOutput[i];
      return clip === undefined ? v : Math.min(clip, Math.max(-clip, v));
    };
    const denoised = mapIndex(sample.length, (i) => cOut * x0(i) + cSkip * sample[i], out);
    if (last) return denoised;
    if (!rng) throw new Error('LCMScheduler.step needs a noise source before the last step');
    const noise = rng.normal(sample.length);
    const a = Math.sqrt(alphaPrev);
    const b = Math.sqrt(1 - alphaPrev);
    return mapIndex(sample.length, (i) => a * denoised[i] + b * noise[i], denoised);
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    return addDdpmNoise(original, noise, this.alphasCumprod[this.timestepAt(stepIndex)]);
  }

  private timestepAt(stepIndex: number): number {
    checkStepIndex(stepIndex, this.numSteps);
    return this.timesteps[stepIndex];
  }
}
