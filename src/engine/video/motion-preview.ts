/**
 * Preview clips of library motions (GET /v1/motions `preview_url`): rendered from a built-in
 * sample still, kept in memory, and (given a cache directory) on disk, so a restart does not
 * render the whole library again.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { findMotion, type MotionPreset } from '../../domain/motions.js';
import { PreviewCache, sourceDigest } from '../preview-cache.js';
import { DOP_DURATION_S, DOP_FPS, renderClip, type ClipJob, type ClipResult } from './dop-pipeline.js';
import { DopInputError } from './errors.js';

export const MOTION_PREVIEW_SHORT_SIDE = 256;
const PREVIEW_SEED = 20_240_601;
const PREVIEW_ENCODING = { preset: 'veryfast', crf: 26 } as const;

const SAMPLE_PATH = fileURLToPath(new URL('../../../assets/motions/sample.jpg', import.meta.url));
/** The renderer's code: this module's directory (src/engine/video and below)... */
const ENGINE_DIR = path.dirname(fileURLToPath(import.meta.url));
/** ...and the one module outside it that frames depend on (the seeded generator, src/domain). */
const SHARED_MODULES = ['../domain/mulberry32'];

let engineDigest: Promise<string> | null = null;

/** Hash of the renderer's source files (see sourceDigest), part of every preview's version. */
function rendererDigest(): Promise<string> {
  engineDigest ??= sourceDigest(
    ENGINE_DIR,
    SHARED_MODULES.map((m) => path.join('..', m)),
  ).catch((err) => {
    engineDigest = null;
    throw err;
  });
  return engineDigest;
}

interface Samples {
  start: Buffer;
  end: Buffer;
  /** Hash of the sample still, part of every preview's version. */
  digest: string;
}

let samples: Promise<Samples> | null = null;

function loadSamples(): Promise<Samples> {
  samples ??= (async () => {
    const start = await readFile(SAMPLE_PATH);
    // The end frame of transition previews: the same still mirrored with its colours turned.
    const end = await sharp(start).flop().modulate({ hue: 150, saturation: 1.1 }).jpeg({ quality: 90 }).toBuffer();
    return { start, end, digest: createHash('sha256').update(start).digest('hex') };
  })().catch((err) => {
    samples = null;
    throw err;
  });
  return samples;
}

export interface MotionPreviewOptions {
  /** Directory for rendered clips (see motionPreviewCacheDir); without one, memory only. */
  cacheDir?: string;
  /** The clip renderer; tests pass a counting wrapper. */
  render?: (job: ClipJob) => Promise<ClipResult>;
}

/** Where a server keeps preview clips: `<dataDir>/cache/motion-previews`. */
export function motionPreviewCacheDir(dataDir: string): string {
  return path.join(dataDir, 'cache', 'motion-previews');
}

/**
 * Short hash of everything that decides a preview's bytes: renderer code, sample still, the
 * motion's definition and the render settings.
 */
function previewVersion(preset: MotionPreset, sampleDigest: string, engine: string): string {
  const params = {
    renderer: engine,
    sample: sampleDigest,
    // What the renderer reads of the motion (the id seeds its shakes); not names or keywords.
    motion: {
      id: preset.id,
      camera: preset.camera,
      effects: preset.effects,
      transition: preset.transition ?? null,
      startEndFrame: preset.startEndFrame,
    },
    shortSide: MOTION_PREVIEW_SHORT_SIDE,
    seed: PREVIEW_SEED,
    encoding: PREVIEW_ENCODING,
    fps: DOP_FPS,
    durationS: DOP_DURATION_S,
  };
  return createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 12);
}

/** The file a motion's preview is cached in (`<motionId>-<version>.mp4`); unknown ids throw DopInputError. */
export async function motionPreviewFile(cacheDir: string, motionId: string): Promise<string> {
  const preset = findMotion(motionId);
  if (!preset) throw new DopInputError(`unknown motion id "${motionId}"`);
  const [{ digest }, engine] = await Promise.all([loadSamples(), rendererDigest()]);
  return path.join(cacheDir, `${preset.id}-${previewVersion(preset, digest, engine)}.mp4`);
}

/** An MP4 starts with its `ftyp` box; anything else (a torn or foreign file) is not served. */
function looksLikeMp4(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.toString('latin1', 4, 8) === 'ftyp';
}

/** Clips per (cache dir, motion), in memory and on disk. */
const cache = new PreviewCache(looksLikeMp4);

/** Forgets the clips held in memory (as a restart would); disk copies stay. */
export function clearMotionPreviewMemory(): void {
  cache.clear();
}

/**
 * A small MP4 (256 px short side, 5 s, 24 fps) showing the motion, from memory, else from the
 * cache directory, else rendered (and stored there). Unknown ids throw DopInputError.
 */
export function renderMotionPreview(motionId: string, opts: MotionPreviewOptions = {}): Promise<Buffer> {
  const preset = findMotion(motionId);
  if (!preset) return Promise.reject(new DopInputError(`unknown motion id "${motionId}"`));
  return cache.get(
    `${opts.cacheDir ?? ''}\n${preset.id}`,
    // Without a version (engine code unreadable) the disk cache is skipped, not the preview.
    async () => (opts.cacheDir ? await motionPreviewFile(opts.cacheDir, preset.id).catch(() => null) : null),
    async () => {
      const { start, end } = await loadSamples();
      const motion = { preset, strength: 1 };
      const result = await (opts.render ?? renderClip)({
        image: start,
        endImage: preset.startEndFrame ? end : undefined,
        chosen: { motions: [motion], transition: preset.startEndFrame ? motion : null, origin: 'request' },
        shortSide: MOTION_PREVIEW_SHORT_SIDE,
        seed: PREVIEW_SEED,
        main: { ...PREVIEW_ENCODING },
        poster: false,
      });
      return result.video;
    },
  );
}
