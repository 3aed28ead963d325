import type { Tensor } from 'onnxruntime-node';
import { disposeAll, fixedDim, floatInput, timestepInput, toFloat32, type RunTiming } from '../onnx/index.js';
import { throwIfAborted } from './abort.js';
import { applyGuidance, concat, repeat, rgbToTensor, sampleLatentParameters, scale, sdxlTimeIds, tensorToRgb } from './latents.js';
import type { LoadedDiffusionModel, VaeChoice } from './model-loader.js';
import { createRng, type Rng } from './random.js';
import { createImg2ImgSchedule, createScheduler, lcmTimestepCond, type Scheduler } from './schedulers/index.js';
import { encodePrompt, zeroEmbedding, type PromptEmbedding } from './text-conditioning.js';

export interface GenerateParams {
  prompt: string;
  negativePrompt?: string;
  /** Generation size in pixels (multiples of 8; see soul-size.ts). */
  width: number;
  height: number;
  seed: number;
  batchSize: number;
  steps: number;
  guidanceScale: number;
  /** img2img: interleaved RGB already fitted to width x height, and the denoise strength. */
  initRgb?: Buffer;
  strength?: number;
  vae: VaeChoice;
  /** Start noise partly shared by a set of images (see mixSharedNoise). */
  sharedNoise?: SharedNoise;
  signal?: AbortSignal;
  onStep?: (step: number, total: number) => void;
  /** ONNX Runtime time of every session.run of this call is added here. */
  timing: RunTiming;
}

export interface GenerateOutput {
  /** One interleaved 8-bit RGB buffer (width x height) per image. */
  images: Buffer[];
  width: number;
  height: number;
  /** Denoising steps actually run (img2img runs fewer than `steps`). */
  steps: number;
  /** ONNX time of each step's UNet run(s), in ms. */
  stepMs: number[];
  schedulerClass: string;
  /** The model's configured scheduler class when `schedulerClass` stands in for it. */
  schedulerSubstitutedFor?: string;
}

const LATENT_CHANNELS = 4;

/**
 * Images of one set (Popcorn) draw `weight` of their start-noise variance from one noise field
 * seeded by the set, the rest from their own seed. The mix sqrt(1-w)·own + sqrt(w)·shared of two
 * independent standard normals is standard normal again, so each image is a valid sample; the
 * shared part is what gives them a common layout and palette while their own part varies them.
 */
export interface SharedNoise {
  seed: number;
  /** 0 (independent images) .. 1 (same start noise). */
  weight: number;
}

/** A stream no per-image rng uses (they use 0..batch-1). */
const SHARED_STREAM = 0x5e7;

export function mixSharedNoise(own: Float32Array, shared: SharedNoise | undefined): Float32Array {
  if (!shared || shared.weight <= 0) return own;
  const w = Math.min(1, shared.weight);
  const field = createRng(shared.seed, SHARED_STREAM).normal(own.length);
  const a = Math.sqrt(1 - w);
  const b = Math.sqrt(w);
  for (let i = 0; i < own.length; i++) own[i] = a * own[i] + b * field[i];
  return own;
}

/**
 * txt2img / img2img on a loaded model. Image k of a batch draws all its noise (initial latent,
 * posterior sample, ancestral/LCM step noise) from createRng(seed, stream k), so it is the same
 * image whatever the batch size, and the same seed always gives the same pixels.
 */
export async function generate(model: LoadedDiffusionModel, p: GenerateParams): Promise<GenerateOutput> {
  const { width, height, batchSize: B } = p;
  if (width % 8 !== 0 || height % 8 !== 0) throw new RangeError(`generation size ${width}x${height} is not a multiple of 8`);
  const h = height / 8;
  const w = width / 8;
  const perImage = LATENT_CHANNELS * h * w;
  const rngs: Rng[] = Array.from({ length: B }, (_, k) => createRng(p.seed, k));
  const { family } = model;
  const cfg = p.guidanceScale > 1 && !family.guidanceViaEmbedding;

  throwIfAborted(p.signal);
  const cond = await encodePrompt(model, p.prompt, p.timing);
  let uncond: PromptEmbedding | undefined;
  if (cfg) {
    const negative = p.negativePrompt ?? '';
    const forceZeros = family.zeroNegativeForEmptyPrompt && negative.trim() === '';
    uncond = forceZeros ? zeroEmbedding(cond) : await encodePrompt(model, negative, p.timing);
  }

  // Schedule and start latents.
  let scheduler: Scheduler;
  let startIndex = 0;
  let latents: Float32Array;
  if (p.initRgb) {
    const schedule = createImg2ImgSchedule(model.schedulerConfig, p.steps, p.strength ?? 0.6);
    scheduler = schedule.scheduler;
    startIndex = schedule.startIndex;
    throwIfAborted(p.signal);
    const clean = await encodeImage(model, p.initRgb, width, height, p.vae, rngs, p.timing);
    latents = concat(rngs.map((rng, k) => scheduler.addNoise(clean[k], mixSharedNoise(rng.normal(perImage), p.sharedNoise), startIndex)));
  } else {
    scheduler = createScheduler(model.schedulerConfig, p.steps);
    latents = new Float32Array(B * perImage);
    rngs.forEach((rng, k) => {
      const image = latents.subarray(k * perImage, (k + 1) * perImage);
      rng.fillNormal(image);
      mixSharedNoise(image, p.sharedNoise);
    });
    const sigma = scheduler.initNoiseSigma;
    for (let i = 0; i < latents.length; i++) latents[i] *= sigma;
  }

  const unet = makeUnetRunner(model, { cond, uncond, batch: B, width, height, guidance: p.guidanceScale, cfg });
  const total = scheduler.numSteps - startIndex;
  const stepMs: number[] = [];
  try {
    for (let i = startIndex; i < scheduler.numSteps; i++) {
      throwIfAborted(p.signal);
      const before = p.timing.ms;
      scheduler.scaleModelInput(latents, i, unet.input);
      const eps = await unet.run(scheduler.timesteps[i], p.timing);
      stepMs.push(p.timing.ms - before);
      // In place: each image's latents become the next step's, with no per-step buffers.
      for (let k = 0; k < B; k++) {
        const image = latents.subarray(k * perImage, (k + 1) * perImage);
        scheduler.step(eps.subarray(k * perImage, (k + 1) * perImage), i, image, rngs[k], image);
      }
      p.onStep?.(i - startIndex + 1, total);
    }
  } finally {
    unet.release();
  }

  const images: Buffer[] = [];
  const vae = model.decoder(p.vae);
  for (let k = 0; k < B; k++) {
    throwIfAborted(p.signal);
    const z = scale(latents.subarray(k * perImage, (k + 1) * perImage), 1 / vae.scalingFactor);
    const info = vae.model.description.inputs[0];
    const feed = floatInput(info, z, [1, LATENT_CHANNELS, h, w]);
    let out: Record<string, Tensor> | undefined;
    try {
      out = await vae.model.run({ [info.name]: feed }, p.timing);
      const sample = out.sample ?? out[vae.model.description.outputs[0].name];
      const [, , oh, ow] = sample.dims;
      if (oh !== height || ow !== width) throw new Error(`VAE decoder returned ${ow}x${oh}, expected ${width}x${height}`);
      images.push(tensorToRgb(toFloat32(sample), width, height, vae.outputRange));
    } finally {
      disposeAll([feed, ...Object.values(out ?? {})]);
    }
  }
  return {
    images,
    width,
    height,
    steps: total,
    stepMs,
    schedulerClass: scheduler.className,
    ...(scheduler.substitutedFor ? { schedulerSubstitutedFor: scheduler.substitutedFor } : {}),
  };
}

/** Encodes the init image once, then draws each image's clean latent (z * scaling factor). */
async function encodeImage(
  model: LoadedDiffusionModel,
  rgb: Buffer,
  width: number,
  height: number,
  choice: VaeChoice,
  rngs: Rng[],
  timing: RunTiming,
): Promise<Float32Array[]> {
  const vae = await model.encoder(choice);
  if (!vae) throw new Error(`${model.name} has no VAE encoder, so it cannot run image-to-image`);
  const info = vae.model.description.inputs[0];
  const feed = floatInput(info, rgbToTensor(rgb, width, height), [1, 3, height, width]);
  let out: Record<string, Tensor> | undefined;
  try {
    out = await vae.model.run({ [info.name]: feed }, timing, [vae.output]);
    const t = out[vae.output];
    const data = Float32Array.from(toFloat32(t));
    const [, channels, lh, lw] = t.dims;
    if (lh !== height / 8 || lw !== width / 8) throw new Error(`VAE encoder returned a ${lw}x${lh} latent for ${width}x${height}`);
    if (vae.output === 'latent_parameters' || channels === 2 * LATENT_CHANNELS) {
      // Mean ++ logvar: each image samples its own posterior draw, as retrieve_latents(sample) does.
      return rngs.map((rng) => scale(sampleLatentParameters(data, t.dims, rng.normal(LATENT_CHANNELS * lh * lw)), vae.scalingFactor));
    }
    if (channels !== LATENT_CHANNELS) throw new Error(`VAE encoder output has ${channels} channels`);
    // latent_sample exports already sampled inside the graph; TAESD is deterministic.
    const z = scale(data, vae.scalingFactor);
    return rngs.map(() => z);
  } finally {
    disposeAll([feed, ...Object.values(out ?? {})]);
  }
}

interface UnetContext {
  cond: PromptEmbedding;
  uncond?: PromptEmbedding;
  batch: number;
  width: number;
  height: number;
  guidance: number;
  cfg: boolean;
}

/**
 * Builds the step-invariant UNet feeds once (text conditioning, SDXL added conditioning, LCM
 * w-embedding), split into chunks when the export fixes its batch dimension. Each run feeds the
 * scaled latents (doubled for CFG: unconditional half first) and returns the guided ε.
 */
function makeUnetRunner(model: LoadedDiffusionModel, c: UnetContext) {
  const ui = model.unetInputs;
  const n = c.cfg ? 2 * c.batch : c.batch;
  const chunk = Math.min(fixedDim(ui.sample, 0) ?? n, n);
  if (n % chunk !== 0) throw new Error(`the UNet's fixed batch ${chunk} does not divide ${n}`);
  const isUncond = (row: number) => c.cfg && row < c.batch;
  const embedOf = (row: number) => (isUncond(row) ? c.uncond! : c.cond);

  const constant: Record<string, Tensor>[] = [];
  for (let start = 0; start < n; start += chunk) {
    const idx = Array.from({ length: chunk }, (_, j) => start + j);
    const feeds: Record<string, Tensor> = {};
    feeds[ui.encoderHiddenStates.name] = floatInput(ui.encoderHiddenStates, concat(idx.map((r) => embedOf(r).hidden)), [
      chunk,
      c.cond.sequence,
      c.cond.dim,
    ]);
    if (ui.textEmbeds) {
      const pooled = idx.map((r) => embedOf(r).pooled);
      if (pooled.some((x) => !x)) throw new Error('the UNet takes text_embeds but the text encoders gave none');
      feeds[ui.textEmbeds.name] = floatInput(ui.textEmbeds, concat(pooled as Float32Array[]), [chunk, pooled[0]!.length]);
    }
    if (ui.timeIds) feeds[ui.timeIds.name] = floatInput(ui.timeIds, repeat(sdxlTimeIds(c.height, c.width), chunk), [chunk, 6]);
    if (ui.timestepCond) {
      const dim = model.timeCondDim ?? 256;
      feeds[ui.timestepCond.name] = floatInput(ui.timestepCond, lcmTimestepCond(c.guidance, chunk, dim), [chunk, dim]);
    }
    constant.push(feeds);
  }
  const latentSize = (LATENT_CHANNELS * c.height * c.width) / 64;
  const outName = model.unet.description.outputs.some((o) => o.name === 'out_sample')
    ? 'out_sample'
    : model.unet.description.outputs[0].name;
  // Buffers reused by every step: the UNet input (both CFG halves), the chunked ε and the guided ε.
  const half = c.batch * latentSize;
  const samples = new Float32Array(n * latentSize);
  const chunked = constant.length > 1 ? new Float32Array(n * latentSize) : undefined;
  const guided = c.cfg ? new Float32Array(half) : undefined;

  return {
    /** Where the step's scaled latents go before run() (the unconditional half under CFG). */
    input: samples.subarray(0, half),
    /** Runs the UNet on `input` at timestep t and returns the (guided) ε, valid until the next run. */
    async run(t: number, timing: RunTiming): Promise<Float32Array> {
      if (c.cfg) samples.copyWithin(half, 0, half);
      let eps: Float32Array | undefined;
      for (let ci = 0; ci < constant.length; ci++) {
        const start = ci * chunk * latentSize;
        const sample = floatInput(ui.sample, samples.subarray(start, start + chunk * latentSize), [
          chunk,
          LATENT_CHANNELS,
          c.height / 8,
          c.width / 8,
        ]);
        const timestep = timestepInput(ui.timestep, t, chunk);
        let out: Record<string, Tensor> | undefined;
        try {
          out = await model.unet.run({ ...constant[ci], [ui.sample.name]: sample, [ui.timestep.name]: timestep }, timing, [outName]);
          const data = toFloat32(out[outName]);
          if (data.length !== chunk * latentSize)
            throw new Error(`the UNet returned ${data.length} values, expected ${chunk * latentSize}`);
          // One chunk: ORT's output array is ours to keep (disposing a CPU tensor only drops its reference).
          if (chunked) chunked.set(data, start);
          else eps = data;
        } finally {
          disposeAll([sample, timestep, ...Object.values(out ?? {})]);
        }
      }
      eps = chunked ?? eps!;
      if (!guided) return eps;
      return applyGuidance(eps.subarray(0, half), eps.subarray(half), c.guidance, guided);
    },
    release() {
      for (const feeds of constant) disposeAll(Object.values(feeds));
    },
  };
}
