/**
 * Per-family constants the ONNX files do not carry (engine-facts.md §1.3, §1.4, §2, §9.2).
 * Values read from a model folder (scheduler_config.json, vae config scaling_factor, tokenizer
 * special_tokens_map.json, unet config sample_size) override these defaults at load.
 */

export type FamilyId = 'sd' | 'sd-turbo' | 'sdxl' | 'sdxl-turbo' | 'lcm';
export type PadToken = '<|endoftext|>' | '!';
export type PredictionType = 'epsilon' | 'v_prediction';

export interface FamilyManifest {
  id: FamilyId;
  /** Latent scale of the full KL VAE: encode z = f * latent, decode latent = z / f. */
  vaeScalingFactor: number;
  /** Pad token of tokenizer/ (and tokenizer_2/ for SDXL) when the folder does not say. */
  padToken: PadToken;
  padToken2?: PadToken;
  predictionType: PredictionType;
  /** Scheduler used when the folder has no scheduler config or one of an unsupported class. */
  schedulerDefaults: Record<string, unknown>;
  defaultSteps: number;
  /** <= 1 disables classifier-free guidance. LCM feeds it through timestep_cond instead. */
  defaultGuidance: number;
  /** Trained image size in pixels (square), when unet/config.json has no sample_size. */
  nativeSize: number;
  /** Generation sizes are multiples of this many latent pixels (x8 image pixels). */
  latentMultiple: number;
  /** SDXL: empty negative prompt means zero embeddings, not the encoded "" (force_zeros_for_empty_prompt). */
  zeroNegativeForEmptyPrompt: boolean;
  /** LCM: guidance enters as a w-embedding (timestep_cond), never as a doubled CFG batch. */
  guidanceViaEmbedding: boolean;
}

/** TAESD takes UNet-space latents directly (madebyollin/taesd, diffusers AutoencoderTiny). */
export const TINY_VAE_SCALING_FACTOR = 1.0;

const scaledLinear = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  steps_offset: 1,
};

const sd: FamilyManifest = {
  id: 'sd',
  vaeScalingFactor: 0.18215,
  padToken: '<|endoftext|>',
  predictionType: 'epsilon',
  schedulerDefaults: { _class_name: 'EulerDiscreteScheduler', ...scaledLinear, timestep_spacing: 'leading', prediction_type: 'epsilon' },
  defaultSteps: 25,
  defaultGuidance: 7.5,
  nativeSize: 512,
  latentMultiple: 8,
  zeroNegativeForEmptyPrompt: false,
  guidanceViaEmbedding: false,
};

export const FAMILIES: Record<FamilyId, FamilyManifest> = {
  sd,
  // SD-Turbo (SD 2.1 base): pads with "!", trailing Euler, no CFG, 1-4 steps at 512.
  'sd-turbo': {
    ...sd,
    id: 'sd-turbo',
    padToken: '!',
    schedulerDefaults: { _class_name: 'EulerDiscreteScheduler', ...scaledLinear, timestep_spacing: 'trailing', prediction_type: 'epsilon' },
    defaultSteps: 2,
    defaultGuidance: 0,
  },
  sdxl: {
    id: 'sdxl',
    vaeScalingFactor: 0.13025,
    padToken: '<|endoftext|>',
    padToken2: '!',
    predictionType: 'epsilon',
    schedulerDefaults: { _class_name: 'EulerDiscreteScheduler', ...scaledLinear, timestep_spacing: 'leading', prediction_type: 'epsilon' },
    defaultSteps: 30,
    defaultGuidance: 5,
    nativeSize: 1024,
    latentMultiple: 8,
    zeroNegativeForEmptyPrompt: true,
    guidanceViaEmbedding: false,
  },
  // SDXL-Turbo: Euler Ancestral trailing, no CFG, trained at 512.
  'sdxl-turbo': {
    id: 'sdxl-turbo',
    vaeScalingFactor: 0.13025,
    padToken: '<|endoftext|>',
    padToken2: '!',
    predictionType: 'epsilon',
    schedulerDefaults: {
      _class_name: 'EulerAncestralDiscreteScheduler',
      ...scaledLinear,
      timestep_spacing: 'trailing',
      prediction_type: 'epsilon',
    },
    defaultSteps: 2,
    defaultGuidance: 0,
    nativeSize: 512,
    latentMultiple: 8,
    zeroNegativeForEmptyPrompt: true,
    guidanceViaEmbedding: false,
  },
  // LCM (Dreamshaper v7, SD 1.5 based): guidance 8 via w-embedding, 4 steps.
  lcm: {
    ...sd,
    id: 'lcm',
    schedulerDefaults: {
      _class_name: 'LCMScheduler',
      ...scaledLinear,
      original_inference_steps: 50,
      set_alpha_to_one: true,
      timestep_scaling: 10,
      prediction_type: 'epsilon',
    },
    defaultSteps: 4,
    defaultGuidance: 8,
    guidanceViaEmbedding: true,
  },
};

export interface FamilyEvidence {
  modelIndex: Record<string, unknown>;
  schedulerConfig?: Record<string, unknown>;
  unetInputs: readonly string[];
  hasTextEncoder2: boolean;
}

/**
 * The family from what the folder shows: LCM by timestep_cond (or an LCM pipeline/scheduler),
 * SDXL by a second text encoder or text_embeds/time_ids, turbo variants by name or by a
 * trailing-spacing Euler scheduler (what the turbo repos ship; base SD ships leading/PNDM).
 */
export function detectFamily(e: FamilyEvidence): FamilyManifest {
  const className = String(e.modelIndex._class_name ?? '');
  const name = String(e.modelIndex._name_or_path ?? '').toLowerCase();
  const sched = String(e.schedulerConfig?._class_name ?? '');
  if (e.unetInputs.includes('timestep_cond') || /LatentConsistency/i.test(className) || sched === 'LCMScheduler') return FAMILIES.lcm;
  const xl = e.hasTextEncoder2 || e.unetInputs.includes('text_embeds') || /XL/.test(className);
  const trailingEuler = /^Euler/.test(sched) && e.schedulerConfig?.timestep_spacing === 'trailing';
  const turbo = name.includes('turbo') || trailingEuler;
  if (xl) return turbo ? FAMILIES['sdxl-turbo'] : FAMILIES.sdxl;
  return turbo ? FAMILIES['sd-turbo'] : FAMILIES.sd;
}
