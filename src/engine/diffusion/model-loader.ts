import { basename, join } from 'node:path';
import {
  findInput,
  fixedDim,
  loadOnnxModel,
  type ExecutionProviderName,
  type OnnxModel,
  type OnnxSessionOptions,
  type TensorInfo,
} from '../onnx/index.js';
import { detectFamily, TINY_VAE_SCALING_FACTOR, type FamilyManifest, type PadToken } from './families.js';
import { componentPath, missingModelFiles, readJsonObject } from './model-files.js';
import { ClipTokenizer } from './tokenizer/clip-tokenizer.js';

export type VaeChoice = 'full' | 'tiny';

/** A VAE half with what the pipeline needs to use it. */
export interface VaePart {
  model: OnnxModel;
  /** Multiply encoder latents by it; divide latents by it before decoding. */
  scalingFactor: number;
  /** Decoder output range: KL VAEs and diffusers' AutoencoderTiny give [-1,1], raw TAESD [0,1]. */
  outputRange: 'signed' | 'unit';
}

export interface LoadedDiffusionModel {
  dir: string;
  /** _name_or_path from model_index.json, else the folder name. */
  name: string;
  family: FamilyManifest;
  provider: ExecutionProviderName;
  schedulerConfig: Record<string, unknown>;
  nativeWidth: number;
  nativeHeight: number;
  tokenizer: ClipTokenizer;
  tokenizer2?: ClipTokenizer;
  textEncoder: OnnxModel;
  textEncoder2?: OnnxModel;
  unet: OnnxModel;
  unetInputs: {
    sample: TensorInfo;
    timestep: TensorInfo;
    encoderHiddenStates: TensorInfo;
    textEmbeds?: TensorInfo;
    timeIds?: TensorInfo;
    timestepCond?: TensorInfo;
  };
  /** Size of the LCM guidance embedding (timestep_cond), when the UNet takes one. */
  timeCondDim?: number;
  /** SDXL conditioning takes hidden_states[-2]; the output name per encoder ('' = last_hidden_state). */
  hiddenStateOutput: string;
  hiddenStateOutput2?: string;
  /** Decoder for a VAE choice ('tiny' only when taesd_decoder/ exists). */
  decoder(vae: VaeChoice): VaePart;
  /** Encoder for img2img, loaded on first use and kept. Undefined when the folder has none. */
  encoder(vae: VaeChoice): Promise<(VaePart & { output: string }) | undefined>;
  hasTinyVae: boolean;
  release(): Promise<void>;
}

export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

/**
 * Opens every session of a diffusers/Optimum ONNX folder once, reads each one's input/output
 * metadata, and works out the family and its constants. The VAE encoders load lazily (txt2img
 * never needs them).
 */
export async function loadDiffusionModel(dir: string, sessionOpts: OnnxSessionOptions = {}): Promise<LoadedDiffusionModel> {
  const missing = missingModelFiles(dir);
  if (missing.length > 0) throw new ModelFolderError(`${dir} is not a complete diffusers ONNX model (missing ${missing.join(', ')})`);
  const modelIndex = (await readJsonObject(join(dir, 'model_index.json'))) ?? {};
  const schedulerFile = await readJsonObject(join(dir, 'scheduler', 'scheduler_config.json'));
  const unetConfig = (await readJsonObject(join(dir, 'unet', 'config.json'))) ?? {};
  const vaeConfig = (await readJsonObject(join(dir, 'vae_decoder', 'config.json'))) ?? {};
  const opened: OnnxModel[] = [];
  const open = async (component: string) => {
    const m = await loadOnnxModel(join(dir, component, 'model.onnx'), sessionOpts);
    opened.push(m);
    return m;
  };
  try {
    const unet = await open('unet');
    const textEncoder = await open('text_encoder');
    const textEncoder2 = componentPath(dir, 'text_encoder_2') ? await open('text_encoder_2') : undefined;
    const vaeDecoder = await open('vae_decoder');
    const tinyDecoderPath = componentPath(dir, 'taesd_decoder');
    const tinyDecoder = tinyDecoderPath ? await open('taesd_decoder') : undefined;

    const unetNames = unet.description.inputs.map((i) => i.name);
    const family = detectFamily({ modelIndex, schedulerConfig: schedulerFile, unetInputs: unetNames, hasTextEncoder2: !!textEncoder2 });
    const need = (name: string) => {
      const info = findInput(unet.description, name);
      if (!info) throw new ModelFolderError(`${dir}/unet/model.onnx has no input "${name}" (inputs: ${unetNames.join(', ')})`);
      return info;
    };
    const unetInputs = {
      sample: need('sample'),
      timestep: need('timestep'),
      encoderHiddenStates: need('encoder_hidden_states'),
      textEmbeds: findInput(unet.description, 'text_embeds'),
      timeIds: findInput(unet.description, 'time_ids'),
      timestepCond: findInput(unet.description, 'timestep_cond'),
    };
    if (unetInputs.timeIds && fixedDim(unetInputs.timeIds, 1) !== null && fixedDim(unetInputs.timeIds, 1) !== 6) {
      throw new ModelFolderError(
        `${dir}: time_ids of width ${fixedDim(unetInputs.timeIds, 1)} (aesthetic-score refiners) is not supported`,
      );
    }
    if ((unetInputs.textEmbeds || unetInputs.timeIds) && !textEncoder2) {
      throw new ModelFolderError(`${dir}: the UNet takes SDXL conditioning but there is no text_encoder_2`);
    }
    const timeCondDim = unetInputs.timestepCond
      ? (fixedDim(unetInputs.timestepCond, 1) ?? numberOr(unetConfig.time_cond_proj_dim, 256))
      : undefined;

    const tokenizer = await loadTokenizer(join(dir, 'tokenizer'), family.padToken);
    const tokenizer2 = textEncoder2 ? await loadTokenizer(join(dir, 'tokenizer_2'), family.padToken2 ?? '!') : undefined;

    const sampleSize = numberOr(unetConfig.sample_size, family.nativeSize / 8);
    const vaeFactor = numberOr(vaeConfig.scaling_factor, family.vaeScalingFactor);
    const tinyConfig = tinyDecoder ? ((await readJsonObject(join(dir, 'taesd_decoder', 'config.json'))) ?? {}) : {};

    // The folder's own scheduler config wins as a whole (diffusers' defaults fill its gaps);
    // the family's scheduler only stands in when the folder has none.
    const schedulerConfig = schedulerFile ?? { ...family.schedulerDefaults };

    const full: VaePart = { model: vaeDecoder, scalingFactor: vaeFactor, outputRange: 'signed' };
    const tiny: VaePart | undefined = tinyDecoder
      ? {
          model: tinyDecoder,
          scalingFactor: numberOr(tinyConfig.scaling_factor, TINY_VAE_SCALING_FACTOR),
          outputRange: tinyConfig._class_name === 'AutoencoderTiny' ? 'signed' : 'unit',
        }
      : undefined;

    const encoders = new Map<VaeChoice, Promise<(VaePart & { output: string }) | undefined>>();
    const loadEncoder = async (vae: VaeChoice): Promise<(VaePart & { output: string }) | undefined> => {
      const component = vae === 'tiny' && componentPath(dir, 'taesd_encoder') ? 'taesd_encoder' : 'vae_encoder';
      if (!componentPath(dir, component)) return undefined;
      const model = await open(component);
      const output =
        model.description.outputs.find((o) => o.name === 'latent_sample' || o.name === 'latent_parameters')?.name ??
        model.description.outputs[0].name;
      const scalingFactor = component === 'taesd_encoder' ? (tiny?.scalingFactor ?? TINY_VAE_SCALING_FACTOR) : vaeFactor;
      return { model, scalingFactor, outputRange: 'signed', output };
    };

    return {
      dir,
      name: typeof modelIndex._name_or_path === 'string' && modelIndex._name_or_path ? modelIndex._name_or_path : basename(dir),
      family,
      provider: unet.provider,
      schedulerConfig,
      nativeWidth: sampleSize * 8,
      nativeHeight: sampleSize * 8,
      tokenizer,
      tokenizer2,
      textEncoder,
      textEncoder2,
      unet,
      unetInputs,
      timeCondDim,
      hiddenStateOutput: penultimateHiddenState(textEncoder),
      hiddenStateOutput2: textEncoder2 ? penultimateHiddenState(textEncoder2) : undefined,
      hasTinyVae: !!tiny,
      decoder: (vae) => (vae === 'tiny' && tiny ? tiny : full),
      encoder(vae) {
        const key: VaeChoice = vae === 'tiny' && tiny ? 'tiny' : 'full';
        let p = encoders.get(key);
        if (!p) {
          p = loadEncoder(key);
          encoders.set(key, p);
        }
        return p;
      },
      async release() {
        await Promise.all(opened.map((m) => m.release()));
      },
    };
  } catch (err) {
    await Promise.all(opened.map((m) => m.release().catch(() => undefined)));
    throw err;
  }
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

/**
 * hidden_states.<N-1> when the export lists hidden states (Optimum's SDXL encoders; CLIP-L has
 * .0-.12, bigG .0-.32), else '' meaning last_hidden_state.
 */
function penultimateHiddenState(m: OnnxModel): string {
  const indices = m.description.outputs
    .map((o) => /^hidden_states\.(\d+)$/.exec(o.name))
    .filter((x): x is RegExpExecArray => x !== null)
    .map((x) => Number(x[1]));
  if (indices.length < 2) return '';
  return `hidden_states.${Math.max(...indices) - 1}`;
}

async function loadTokenizer(dir: string, familyPad: PadToken): Promise<ClipTokenizer> {
  const special = await readJsonObject(join(dir, 'special_tokens_map.json'));
  const config = await readJsonObject(join(dir, 'tokenizer_config.json'));
  const declared = (special?.pad_token ?? config?.pad_token) !== undefined;
  if (declared) return ClipTokenizer.fromDirectory(dir);
  const probe = await ClipTokenizer.fromDirectory(dir);
  return ClipTokenizer.fromDirectory(dir, { padTokenId: probe.tokenId(familyPad) });
}
