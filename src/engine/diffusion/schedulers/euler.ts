/**
 * diffusers' EulerDiscreteScheduler and EulerAncestralDiscreteScheduler (s_churn = 0).
 *
 *   x0 = x − σ·ε̂ (epsilon) | ε̂·(−σ/√(σ²+1)) + x/(σ²+1) (v_prediction) | ε̂ (sample)
 *   Euler:      x' = x + (x − x0)/σ · (σ_next − σ)
 *   Ancestral:  σ_up = √(σ_next²(σ² − σ_next²)/σ²), σ_down = √(σ_next² − σ_up²)
 *               x' = x + (x − x0)/σ · (σ_down − σ) + z·σ_up
 */
import {
  DDPM_DEFAULTS,
  checkOutput,
  checkSameLength,
  checkStepCount,
  checkStepIndex,
  mapIndex,
  noiseScheduleParams,
  predictionType,
  timestepSpacing,
} from './config.js';
import { alphasCumprod, interpolateTable, spacedTimesteps, trainingSigmas } from './noise-schedule.js';
import type { NoiseSource, PredictionType, Scheduler, SchedulerConfig } from './types.js';

const f32 = Math.fround;

export interface EulerOptions {
  ancestral: boolean;
  substitutedFor?: string;
}

export class EulerScheduler implements Scheduler {
  readonly kind: 'euler' | 'euler-ancestral';
  readonly className: string;
  readonly substitutedFor?: string;
  readonly predictionType: PredictionType;
  readonly numSteps: number;
  readonly timesteps: Float64Array;
  readonly sigmas: Float64Array;
  readonly initNoiseSigma: number;

  constructor(config: SchedulerConfig, numSteps: number, opts: EulerOptions) {
    this.kind = opts.ancestral ? 'euler-ancestral' : 'euler';
    this.className = opts.ancestral ? 'EulerAncestralDiscreteScheduler' : 'EulerDiscreteScheduler';
    this.substitutedFor = opts.substitutedFor;
    for (const flag of ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas'] as const) {
      if (config[flag]) throw new Error(`${this.className}: ${flag} is not supported`);
    }
    if ((config.interpolation_type ?? 'linear') !== 'linear')
      throw new Error(`${this.className}: only interpolation_type "linear" is supported`);
    if ((config.timestep_type ?? 'discrete') !== 'discrete')
      throw new Error(`${this.className}: only timestep_type "discrete" is supported`);

    const params = noiseScheduleParams(config, DDPM_DEFAULTS);
    checkStepCount(numSteps, params.numTrainTimesteps);
    const spacing = timestepSpacing(config, DDPM_DEFAULTS);
    this.predictionType = predictionType(config);
    this.numSteps = numSteps;
    this.timesteps = spacedTimesteps(spacing, numSteps, params.numTrainTimesteps, config.steps_offset ?? 0, { float32Linspace: true });

    const table = trainingSigmas(alphasCumprod(params));
    const finalType = opts.ancestral ? 'zero' : (config.final_sigmas_type ?? 'zero');
    if (finalType !== 'zero' && finalType !== 'sigma_min') throw new Error(`final_sigmas_type "${finalType}" is not supported`);
    this.sigmas = new Float64Array(numSteps + 1);
    for (let i = 0; i < numSteps; i++) this.sigmas[i] = f32(interpolateTable(table, this.timesteps[i]));
    this.sigmas[numSteps] = finalType === 'sigma_min' ? table[0] : 0;

    const maxSigma = Math.max(...this.sigmas);
    this.initNoiseSigma = spacing === 'leading' ? f32(Math.sqrt(f32(maxSigma * maxSigma) + 1)) : maxSigma;
  }

  scaleModelInput(sample: Float32Array, stepIndex: number, out: Float32Array = new Float32Array(sample.length)): Float32Array {
    checkOutput(out, sample.length);
    const sigma = this.sigmaAt(stepIndex);
    const denom = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
    for (let i = 0; i < sample.length; i++) out[i] = sample[i] / denom;
    return out;
  }

  step(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    rng?: NoiseSource,
    out: Float32Array = new Float32Array(sample.length),
  ): Float32Array {
    checkSameLength(modelOutput, sample, 'step');
    checkOutput(out, sample.length);
    const sigma = this.sigmaAt(stepIndex);
    const sigmaNext = this.sigmas[stepIndex + 1];
    const [p, q] = this.originalSampleCoefficients(sigma);
    const n = sample.length;
    // Plain loops with x0 = p·ε̂ + q·x inline (float64, as before): this runs on every latent
    // element of every step, so it allocates nothing and may write over `sample`.
    if (this.kind === 'euler') {
      const dt = sigmaNext - sigma;
      for (let i = 0; i < n; i++) {
        const x = sample[i];
        out[i] = x + ((x - (p * modelOutput[i] + q * x)) / sigma) * dt;
      }
      return out;
    }
    const sigmaUp = Math.sqrt((sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma));
    const sigmaDown = Math.sqrt(sigmaNext * sigmaNext - sigmaUp * sigmaUp);
    const dt = sigmaDown - sigma;
    // σ_up is 0 on the last step: skip the draw rather than waste a buffer of noise.
    let noise: Float32Array | undefined;
    if (sigmaUp > 0) {
      if (!rng) throw new Error('EulerAncestralDiscreteScheduler.step needs a noise source');
      noise = rng.normal(sample.length);
    }
    for (let i = 0; i < n; i++) {
      const x = sample[i];
      out[i] = x + ((x - (p * modelOutput[i] + q * x)) / sigma) * dt + (noise ? noise[i] * sigmaUp : 0);
    }
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    checkSameLength(original, noise, 'addNoise');
    const sigma = this.sigmaAt(stepIndex);
    return mapIndex(original.length, (i) => original[i] + noise[i] * sigma);
  }

  private sigmaAt(stepIndex: number): number {
    checkStepIndex(stepIndex, this.numSteps);
    return this.sigmas[stepIndex];
  }

  /**
   * x0 = p·ε̂ + q·x for the prediction type: epsilon (−σ, 1), v_prediction (−σ/√(σ²+1), 1/(σ²+1)),
   * sample (1, 0). Each product is exact where the coefficient is ±1 or 0, so this is the same
   * float64 value as the textbook forms.
   */
  private originalSampleCoefficients(sigma: number): [number, number] {
    switch (this.predictionType) {
      case 'epsilon':
        return [-sigma, 1];
      case 'v_prediction':
        return [-sigma / Math.sqrt(sigma * sigma + 1), 1 / (sigma * sigma + 1)];
      case 'sample':
        return [1, 0];
    }
  }
}
