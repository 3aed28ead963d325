/**
 * diffusers' DDIMScheduler.
 *
 *   prev_t = t − T // n;  ᾱ_prev = ᾱ[prev_t], or final_alpha_cumprod when prev_t < 0
 *   x0 and ε̂ from the prediction; σ_t = η·√((1 − ᾱ_prev)/(1 − ᾱ_t) · (1 − ᾱ_t/ᾱ_prev))
 *   x' = √ᾱ_prev·x0 + √(1 − ᾱ_prev − σ_t²)·ε̂ (+ σ_t·z when η > 0)
 */
import {
  DDPM_DEFAULTS,
  addDdpmNoise,
  checkSameLength,
  checkStepCount,
  checkStepIndex,
  identityScale,
  mapIndex,
  noiseScheduleParams,
  predictionType,
  timestepSpacing,
} from './config.js';
import { alphasCumprod, spacedTimesteps } from './noise-schedule.js';
import type { NoiseSource, PredictionType, Scheduler, SchedulerConfig } from './types.js';

export interface DdimOptions {
  /** η: 0 is deterministic DDIM, 1 is DDPM-like ancestral sampling. */
  eta?: number;
}

export class DdimScheduler implements Scheduler {
  readonly kind = 'ddim' as const;
  readonly className = 'DDIMScheduler';
  readonly predictionType: PredictionType;
  readonly numSteps: number;
  readonly timesteps: Float64Array;
  readonly initNoiseSigma = 1;
  readonly eta: number;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private readonly stepRatio: number;
  private readonly clipRange: number | undefined;

  constructor(config: SchedulerConfig, numSteps: number, opts: DdimOptions = {}) {
    if (config.thresholding) throw new Error('DDIMScheduler: thresholding is not supported');
    const defaults = { ...DDPM_DEFAULTS, timestep_spacing: 'leading' as const };
    const params = noiseScheduleParams(config, defaults);
    checkStepCount(numSteps, params.numTrainTimesteps);
    this.predictionType = predictionType(config);
    this.numSteps = numSteps;
    this.eta = opts.eta ?? 0;
    if (!(this.eta >= 0)) throw new RangeError(`eta must be ≥ 0, got ${this.eta}`);
    this.alphasCumprod = alphasCumprod(params);
    this.finalAlphaCumprod = (config.set_alpha_to_one ?? true) ? 1 : this.alphasCumprod[0];
    this.stepRatio = Math.floor(params.numTrainTimesteps / numSteps);
    // diffusers' DDIM clips x0 to [-1, 1] unless the config says otherwise.
    this.clipRange = (config.clip_sample ?? true) ? (config.clip_sample_range ?? 1) : undefined;
    const spacing = timestepSpacing(config, defaults);
    this.timesteps = spacedTimesteps(spacing, numSteps, params.numTrainTimesteps, config.steps_offset ?? 0, { roundLinspace: true });
  }

  scaleModelInput(sample: Float32Array, stepIndex: number, out?: Float32Array): Float32Array {
    this.timestepAt(stepIndex);
    return identityScale(sample, out);
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng?: NoiseSource, out?: Float32Array): Float32Array {
    checkSameLength(modelOutput, sample, 'step');
    const t = this.timestepAt(stepIndex);
    const prevT = t - this.stepRatio;
    const alphaT = this.alphasCumprod[t];
    const alphaPrev = prevT >= 0 ? this.alphasCumprod[prevT] : this.finalAlphaCumprod;
    const betaT = 1 - alphaT;
    const sqrtAlpha = Math.sqrt(alphaT);
    const sqrtBeta = Math.sqrt(betaT);
    const variance = ((1 - alphaPrev) / betaT) * (1 - alphaT / alphaPrev);
    const std = this.eta * Math.sqrt(variance);
    const dirScale = Math.sqrt(1 - alphaPrev - std * std);
    const sqrtAlphaPrev = Math.sqrt(alphaPrev);
    const clip = this.clipRange;
    let noise: Float32Array | undefined;
    if (this.eta > 0) {
      if (!rng) throw new Error('DDIMScheduler.step with eta > 0 needs a noise source');
      noise = rng.normal(sample.length);
    }
    return mapIndex(
      sample.length,
      (i) => {
        let x0: number;
        let eps: number;
        if (this.predictionType === 'epsilon') {
          x0 = (sample[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
          eps = modelOutput[i];
        } else if (this.predictionType === 'v_prediction') {
          x0 = sqrtAlpha * sample[i] - sqrtBeta * modelOutput[i];
          eps = sqrtAlpha * modelOutput[i] + sqrtBeta * sample[i];
        } else {
          x0 = modelOutput[i];
          eps = (sample[i] - sqrtAlpha * x0) / sqrtBeta;
        }
        // diffusers clips x0 but keeps ε̂ from the raw prediction (use_clipped_model_output=False).
        if (clip !== undefined) x0 = Math.min(clip, Math.max(-clip, x0));
        return sqrtAlphaPrev * x0 + dirScale * eps + (noise ? std * noise[i] : 0);
      },
      out,
    );
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    return addDdpmNoise(original, noise, this.alphasCumprod[this.timestepAt(stepIndex)]);
  }

  private timestepAt(stepIndex: number): number {
    checkStepIndex(stepIndex, this.numSteps);
    return this.timesteps[stepIndex];
  }
}
