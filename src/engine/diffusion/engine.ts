import { performance } from 'node:perf_hooks';
import { MAX_STEPS } from './limits.js';
import { newRunTiming, type ExecutionProviderName } from '../onnx/index.js';
import { findInstalledModel } from '../hub/cache.js';
import { pullCommand } from './default-models.js';
import { encodeOutput, loadInitImage, type OutputFormat } from './image-io.js';
import { loadDiffusionModel, type LoadedDiffusionModel, type VaeChoice } from './model-loader.js';
import { missingModelFiles } from './model-files.js';
import { generate, type SharedNoise } from './pipeline.js';
import { minStepsForStrength } from './schedulers/index.js';
import { assertSize, generationSize } from './soul-size.js';

export interface SoulRenderRequest {
  prompt: string;
  negativePrompt?: string;
  /** Exact output size. */
  width: number;
  height: number;
  seed: number;
  batchSize?: 1 | 4;
  /** Any image sharp reads; runs image-to-image. */
  initImage?: Buffer;
  /** img2img denoise strength in (0, 1]; default 0.6. */
  strength?: number;
  steps?: number;
  /** Without `steps`: at most this many of the family's default steps (previews stay cheap on 25-step families). */
  maxSteps?: number;
  guidanceScale?: number;
  /** Part of the start noise shared with the other images of a set (Popcorn). */
  sharedNoise?: SharedNoise;
  format?: OutputFormat;
  signal?: AbortSignal;
  onStep?: (step: number, total: number) => void;
}

export interface SoulRenderResult {
  images: Buffer[];
  width: number;
  height: number;
  seed: number;
  model: string;
  /** The sampler that ran; `substitutedFor` names the model's own class when that one is not implemented. */
  scheduler: { className: string; substitutedFor?: string };
  timings: {
    /** Render wall time after the model was loaded (excludes waiting for another job). */
    totalMs: number;
    /** Sum of every ONNX Runtime session.run of the render. */
    onnxMs: number;
    /** Denoising steps run. */
    steps: number;
    /** Session loading paid by this render (first job only). */
    loadMs: number;
    /** Of totalMs: tokenizing, denoising and VAE decoding (no output resize/encode). */
    pipelineMs: number;
    /** ONNX time of each denoising step. */
    stepMs: number[];
    /** The size the model drew at before the Lanczos resize. */
    generationWidth: number;
    generationHeight: number;
  };
}

export interface DiffusionEngine {
  /** Installed (and, once loaded, loadable)? `fix` is the command that installs a missing model. */
  readiness(): Promise<{ ready: boolean; model?: string; reason?: string; fix?: string; provider?: ExecutionProviderName }>;
  /** Loads the model's sessions now (start-up) so the first job does not pay for it. */
  warm(): Promise<{ model: string; provider: ExecutionProviderName }>;
  render(req: SoulRenderRequest): Promise<SoulRenderResult>;
  close(): Promise<void>;
}

export interface DiffusionEngineOptions {
  /** A diffusers ONNX folder to use instead of the hub cache. */
  modelPath?: string;
  /** Hub cache directory. */
  modelsDir: string;
  /** Hub repo id looked up in modelsDir when modelPath is not set. */
  defaultModel: string;
  provider: ExecutionProviderName;
  /** Intra-op threads per session; default: ORT's choice. */
  threads?: number;
  /** Spin-wait in ORT's thread pools (see OnnxSessionOptions.spinning); default off. */
  spinning?: boolean;
  /** VAE to decode with: 'auto' = TAESD when the folder has one and the provider is CPU. */
  vae?: 'auto' | VaeChoice;
  /** Where a hub repo ("owner/name[@revision]") lives inside modelsDir; default: the hub cache layout. */
  locateModel?: (modelsDir: string, repo: string) => string | undefined | Promise<string | undefined>;
  log?: (message: string) => void;
}

/** A model pulled with `opensoul models pull owner/name[@revision]`, or undefined. */
export function locateInHubCache(modelsDir: string, model: string): Promise<string | undefined> {
  const at = model.lastIndexOf('@');
  return at > 0 ? findInstalledModel(modelsDir, model.slice(0, at), model.slice(at + 1)) : findInstalledModel(modelsDir, model);
}

/** The model is not installed; the message names the exact command that installs it. */
export class ModelMissingError extends Error {
  readonly model: string;
  readonly command: string;
  constructor(model: string, detail?: string) {
    const command = pullCommand(model);
    super(`diffusion model ${model} is not installed${detail ? ` (${detail})` : ''}; install it with: ${command}`);
    this.name = 'ModelMissingError';
    this.model = model;
    this.command = command;
  }
}

const MAX_PROMPT_CHARS = 8000;
const MAX_GUIDANCE = 30;
const MAX_SEED = Number.MAX_SAFE_INTEGER;

function validate(req: SoulRenderRequest): void {
  if (typeof req.prompt !== 'string' || req.prompt.length > MAX_PROMPT_CHARS)
    throw new RangeError(`prompt must be a string of at most ${MAX_PROMPT_CHARS} characters`);
  if (req.negativePrompt !== undefined && (typeof req.negativePrompt !== 'string' || req.negativePrompt.length > MAX_PROMPT_CHARS)) {
    throw new RangeError(`negativePrompt must be a string of at most ${MAX_PROMPT_CHARS} characters`);
  }
  assertSize(req);
  if (!Number.isSafeInteger(req.seed) || req.seed < 0 || req.seed > MAX_SEED)
    throw new RangeError('seed must be a non-negative safe integer');
  if (req.batchSize !== undefined && req.batchSize !== 1 && req.batchSize !== 4) throw new RangeError('batchSize must be 1 or 4');
  if (req.steps !== undefined && (!Number.isInteger(req.steps) || req.steps < 1 || req.steps > MAX_STEPS))
    throw new RangeError(`steps must be an integer in [1, ${MAX_STEPS}]`);
  if (req.maxSteps !== undefined && (!Number.isInteger(req.maxSteps) || req.maxSteps < 1 || req.maxSteps > MAX_STEPS))
    throw new RangeError(`maxSteps must be an integer in [1, ${MAX_STEPS}]`);
  if (req.guidanceScale !== undefined && !(req.guidanceScale >= 0 && req.guidanceScale <= MAX_GUIDANCE))
    throw new RangeError(`guidanceScale must be in [0, ${MAX_GUIDANCE}]`);
  if (req.strength !== undefined && !(req.strength > 0 && req.strength <= 1)) throw new RangeError('strength must be in (0, 1]');
  if (req.format !== undefined && !['png', 'jpeg', 'webp'].includes(req.format)) throw new RangeError('format must be png, jpeg or webp');
}

function parametersText(
  req: SoulRenderRequest,
  m: LoadedDiffusionModel,
  o: { steps: number; guidance: number; sampler: string; width: number; height: number; seed: number; index: number },
): string {
  const lines = [req.prompt];
  if (req.negativePrompt) lines.push(`Negative prompt: ${req.negativePrompt}`);
  const fields = [
    `Steps: ${o.steps}`,
    `Sampler: ${o.sampler}`,
    `CFG scale: ${o.guidance}`,
    `Seed: ${o.seed}`,
    `Batch index: ${o.index}`,
    `Size: ${o.width}x${o.height}`,
    `Output size: ${req.width}x${req.height}`,
    `Model: ${m.name}`,
    `Family: ${m.family.id}`,
  ];
  if (req.initImage) fields.push(`Denoising strength: ${req.strength ?? 0.6}`);
  fields.push('Engine: opensoul onnxruntime-node');
  lines.push(fields.join(', '));
  return lines.join('\n');
}

/**
 * The built-in Soul engine: one model, its sessions loaded on first use and kept for every later
 * job, jobs run one at a time (one model's sessions already use every core).
 */
export function createDiffusionEngine(opts: DiffusionEngineOptions): DiffusionEngine {
  const log = opts.log ?? ((m: string) => console.warn(m));
  let loading: Promise<LoadedDiffusionModel> | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  async function modelDir(): Promise<string | undefined> {
    if (opts.modelPath) return opts.modelPath;
    return (await (opts.locateModel ?? locateInHubCache)(opts.modelsDir, opts.defaultModel)) ?? undefined;
  }

  async function requireModelDir(): Promise<string> {
    const dir = await modelDir();
    if (!dir) throw new ModelMissingError(opts.defaultModel);
    const missing = missingModelFiles(dir);
    if (missing.length > 0) {
      if (opts.modelPath) throw new ModelMissingError(opts.modelPath, `${dir} lacks ${missing.join(', ')}`);
      throw new ModelMissingError(opts.defaultModel, `missing ${missing.join(', ')}`);
    }
    return dir;
  }

  function load(): { model: Promise<LoadedDiffusionModel>; fresh: boolean } {
    if (loading) return { model: loading, fresh: false };
    loading = (async () => {
      const dir = await requireModelDir();
      return loadDiffusionModel(dir, { provider: opts.provider, intraOpThreads: opts.threads, spinning: opts.spinning, log });
    })();
    // A failed load (not installed yet, broken files) is retried by the next job.
    loading.catch(() => {
      loading = null;
    });
    return { model: loading, fresh: true };
  }

  async function renderNow(req: SoulRenderRequest): Promise<SoulRenderResult> {
    const t0 = performance.now();
    const handle = load();
    const model = await handle.model;
    const loadMs = handle.fresh ? performance.now() - t0 : 0;
    const start = performance.now();
    const family = model.family;
    const gen = generationSize(req, { width: model.nativeWidth, height: model.nativeHeight }, family.latentMultiple);
    const strength = req.strength ?? 0.6;
    let steps = req.steps ?? (req.maxSteps ? Math.min(family.defaultSteps, req.maxSteps) : family.defaultSteps);
    // Non-LCM img2img runs floor(steps*strength) steps: keep at least one.
    if (req.initImage && !family.guidanceViaEmbedding) steps = Math.max(steps, minStepsForStrength(steps, strength));
    const guidance = req.guidanceScale ?? family.defaultGuidance;
    const vae: VaeChoice =
      opts.vae === 'full' || opts.vae === 'tiny' ? opts.vae : model.hasTinyVae && model.provider === 'cpu' ? 'tiny' : 'full';
    const initRgb = req.initImage ? await loadInitImage(req.initImage, gen) : undefined;
    const timing = newRunTiming();
    const out = await generate(model, {
      prompt: req.prompt,
      negativePrompt: req.negativePrompt,
      width: gen.width,
      height: gen.height,
      seed: req.seed,
      batchSize: req.batchSize ?? 1,
      steps,
      guidanceScale: guidance,
      initRgb,
      strength: req.initImage ? strength : undefined,
      vae,
      sharedNoise: req.sharedNoise,
      signal: req.signal,
      onStep: req.onStep,
      timing,
    });
    const pipelineMs = performance.now() - start;
    const format = req.format ?? 'png';
    const images: Buffer[] = [];
    for (let k = 0; k < out.images.length; k++) {
      const text = parametersText(req, model, {
        steps: out.steps,
        guidance,
        sampler: out.schedulerClass,
        width: gen.width,
        height: gen.height,
        seed: req.seed,
        index: k,
      });
      images.push(await encodeOutput(out.images[k], gen, req, format, text));
    }
    return {
      images,
      width: req.width,
      height: req.height,
      seed: req.seed,
      model: model.name,
      scheduler: { className: out.schedulerClass, ...(out.schedulerSubstitutedFor ? { substitutedFor: out.schedulerSubstitutedFor } : {}) },
      timings: {
        totalMs: performance.now() - start,
        onnxMs: timing.ms,
        steps: out.steps,
        loadMs,
        pipelineMs,
        stepMs: out.stepMs,
        generationWidth: gen.width,
        generationHeight: gen.height,
      },
    };
  }

  return {
    async readiness() {
      if (closed) return { ready: false, reason: 'engine closed' };
      const name = opts.modelPath ?? opts.defaultModel;
      try {
        await requireModelDir();
      } catch (err) {
        return {
          ready: false,
          model: name,
          reason: (err as Error).message,
          fix: err instanceof ModelMissingError ? err.command : undefined,
        };
      }
      if (loading) {
        try {
          const m = await loading;
          return { ready: true, model: m.name, provider: m.provider };
        } catch (err) {
          return { ready: false, model: name, reason: (err as Error).message };
        }
      }
      return { ready: true, model: name };
    },
    async warm() {
      if (closed) throw new Error('diffusion engine is closed');
      const m = await load().model;
      // One 1-step render at a Soul output size runs every session once, plus the resize and PNG
      // encode: ORT's first run (allocator arenas, kernel selection) is paid here, not by a job.
      const run = queue.then(() => renderNow({ prompt: 'warm-up', width: 1024, height: 1024, seed: 0, steps: 1 }));
      queue = run.catch(() => undefined);
      await run;
      return { model: m.name, provider: m.provider };
    },
    render(req) {
      if (closed) return Promise.reject(new Error('diffusion engine is closed'));
      try {
        validate(req);
      } catch (err) {
        return Promise.reject(err);
      }
      const job = queue.then(() => renderNow(req));
      queue = job.catch(() => undefined);
      return job;
    },
    async close() {
      closed = true;
      await queue;
      const l = loading;
      loading = null;
      if (l) await (await l.catch(() => null))?.release();
    },
  };
}
