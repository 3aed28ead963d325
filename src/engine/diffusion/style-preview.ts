/**
 * Preview images of Soul styles (GET /v1/text2image/soul-styles `preview_url`): the style's
 * template around one fixed neutral subject, drawn by the diffusion engine with a fixed seed at
 * thumbnail size, then kept in memory and (given a cache directory) on disk, so a restart does
 * not render the catalog again.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStyledPrompt, findStyle, type SoulStyle } from '../../domain/styles.js';
import { PreviewCache, sourceDigest } from '../preview-cache.js';
import type { DiffusionEngine, SoulRenderRequest } from './engine.js';

/** A 3:4 portrait card, like Soul's style thumbnails; the model draws at its native area first. */
export const STYLE_PREVIEW_SIZE = { width: 288, height: 384 } as const;
export const STYLE_PREVIEW_CONTENT_TYPE = 'image/jpeg';
/** The same subject for every style, so previews differ only by the style. */
export const STYLE_PREVIEW_SUBJECT = 'a young woman standing outdoors, upper body portrait, looking at the camera';
const PREVIEW_SEED = 20_250_601;
/** Few-step families (LCM 4, Turbo 2) keep their default; 25-30 step families are capped. */
const PREVIEW_MAX_STEPS = 8;

/** The renderer's code: this directory (engine, pipeline, schedulers...) and the ONNX layer. */
const ENGINE_DIR = path.dirname(fileURLToPath(import.meta.url));
const SHARED_DIRS = ['../onnx'];

export class UnknownStyleError extends Error {
  constructor(styleId: string) {
    super(`unknown style id "${styleId}"`);
    this.name = 'UnknownStyleError';
  }
}

export interface StylePreviewOptions {
  /** The Soul engine (production's shared instance: its own queue keeps user jobs in turn). */
  engine: Pick<DiffusionEngine, 'render'>;
  /** Directory for rendered previews (see stylePreviewCacheDir); without one, memory only. */
  cacheDir?: string;
  /**
   * Identity of the model the engine draws with (see modelFolderFingerprint), part of each
   * preview's version; undefined when none is installed, and then nothing is stored on disk.
   */
  model: () => Promise<string | undefined>;
}

export interface StylePreviews {
  /**
   * The style's preview JPEG: from memory, else the cache directory, else rendered (one render
   * at a time). Unknown ids reject with UnknownStyleError; a missing model with the engine's
   * ModelMissingError, and nothing is kept.
   */
  get(styleId: string): Promise<Buffer>;
  /** Forgets what is held in memory (as a restart would); disk copies stay. */
  clearMemory(): void;
}

/** Where a server keeps style previews: `<dataDir>/cache/style-previews`. */
export function stylePreviewCacheDir(dataDir: string): string {
  return path.join(dataDir, 'cache', 'style-previews');
}

/**
 * Identity of a model folder from its files' paths, sizes and modification times: a re-pulled
 * revision or replaced weights give previews a new version without hashing gigabytes.
 */
export async function modelFolderFingerprint(dir: string): Promise<string> {
  const root = path.resolve(dir);
  const files = (await readdir(root, { recursive: true })).sort();
  const hash = createHash('sha256').update(root);
  for (const f of files) {
    const s = await stat(path.join(root, f)).catch(() => null);
    if (s?.isFile()) hash.update(`\0${f}\0${s.size}\0${s.mtimeMs}`);
  }
  return hash.digest('hex');
}

/** The engine request of a style's preview (fixed subject, seed, size and step cap). */
export function stylePreviewRequest(style: SoulStyle): SoulRenderRequest {
  const styled = buildStyledPrompt(STYLE_PREVIEW_SUBJECT, style, 1);
  return {
    prompt: styled.prompt,
    negativePrompt: styled.negativePrompt,
    ...STYLE_PREVIEW_SIZE,
    seed: PREVIEW_SEED,
    maxSteps: PREVIEW_MAX_STEPS,
    format: 'jpeg',
  };
}

let engineDigest: Promise<string> | null = null;

function rendererDigest(): Promise<string> {
  engineDigest ??= sourceDigest(ENGINE_DIR, SHARED_DIRS).catch((err) => {
    engineDigest = null;
    throw err;
  });
  return engineDigest;
}

/** A whole JPEG: SOI marker first, EOI last (a torn write lacks the end). */
function looksLikeJpeg(bytes: Buffer): boolean {
  return bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
}

export function createStylePreviews(opts: StylePreviewOptions): StylePreviews {
  const cache = new PreviewCache(looksLikeJpeg);
  // One preview render at a time: a burst of first requests (a client listing every style)
  // queues here instead of filling the engine's queue ahead of users' jobs.
  let turn: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = turn.then(fn);
    turn = run.catch(() => undefined);
    return run;
  };

  /** `<styleId>-<version>.jpg`, the version hashing everything that decides the bytes. */
  async function cacheFile(style: SoulStyle, req: SoulRenderRequest): Promise<string | null> {
    if (!opts.cacheDir) return null;
    const model = await opts.model();
    if (!model) return null;
    const version = createHash('sha256')
      .update(JSON.stringify({ renderer: await rendererDigest(), model, request: req }))
      .digest('hex')
      .slice(0, 12);
    return path.join(opts.cacheDir, `${style.id}-${version}.jpg`);
  }

  return {
    get(styleId) {
      const style = findStyle(styleId);
      if (!style) return Promise.reject(new UnknownStyleError(styleId));
      const req = stylePreviewRequest(style);
      return cache.get(
        style.id,
        // Without a version (model or code unreadable) the disk cache is skipped, not the preview.
        () => cacheFile(style, req).catch(() => null),
        async () => (await oneAtATime(() => opts.engine.render(req))).images[0],
      );
    },
    clearMemory: () => cache.clear(),
  };
}
