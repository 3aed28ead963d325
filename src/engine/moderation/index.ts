import sharp from 'sharp';
import type { ClassScores } from '../../domain/moderation.js';
import { DEFAULT_NSFW_MODEL, type NsfwModelName } from './models.js';
import { loadNsfwModel, type NsfwModel } from './nsfw-model.js';
import { sampleVideoFrames } from './video-frames.js';

export { DEFAULT_NSFW_MODEL, NSFW_MODEL_NAMES, type NsfwModelName } from './models.js';
export { sampleIndexes, sampleVideoFrames } from './video-frames.js';

/** Scores images and videos; knows nothing of policy, jobs or HTTP. */
export interface ContentClassifier {
  /** Model name as reported in job extras and /readyz. */
  readonly model: string;
  classifyImage(bytes: Buffer): Promise<ClassScores>;
  /** One score set per sampled frame (first, middle, last at least). */
  classifyVideo(bytes: Buffer): Promise<ClassScores[]>;
  /** Loads the model; reports what /readyz shows. */
  readiness(): Promise<{ ready: boolean; model?: string; reason?: string }>;
}

export interface ClassifierOptions {
  model?: NsfwModelName;
  /** Frames sampled per video, evenly spaced, first and last included (default 3). */
  videoFrames?: number;
  /** Largest image accepted for classification, in pixels. */
  maxPixels?: number;
}

/**
 * nsfwjs on the shared wasm tf engine. The model loads on first use (about 1.5 s for
 * MobileNetV2Mid) and is kept; calls are run one at a time, as the engine is single-threaded.
 */
export function nsfwClassifier(opts: ClassifierOptions = {}): ContentClassifier {
  const name = opts.model ?? DEFAULT_NSFW_MODEL;
  const videoFrames = opts.videoFrames ?? 3;
  const maxPixels = opts.maxPixels ?? 40_000_000;
  let loading: Promise<NsfwModel> | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const model = () => {
    loading ??= loadNsfwModel(name).catch((err) => {
      loading = null;
      throw err;
    });
    return loading;
  };
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    model: name,
    async classifyImage(bytes) {
      const m = await model();
      // The model squashes any image to its square input; resizing here costs less than in tf.
      const data = await sharp(bytes, { limitInputPixels: maxPixels })
        .rotate()
        .flatten({ background: '#000000' })
        .resize(m.size, m.size, { fit: 'fill' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer();
      return serial(() => m.classify({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), size: m.size }));
    },
    async classifyVideo(bytes) {
      const m = await model();
      const frames = await sampleVideoFrames(bytes, m.size, videoFrames);
      return serial(async () => {
        const out: ClassScores[] = [];
        for (const data of frames) out.push(await m.classify({ data, size: m.size }));
        return out;
      });
    },
    async readiness() {
      try {
        await model();
        return { ready: true, model: `nsfwjs ${name}` };
      } catch (e) {
        return { ready: false, reason: `nsfwjs ${name} failed to load: ${(e as Error).message}` };
      }
    },
  };
}
