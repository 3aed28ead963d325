/**
 * DoP image-to-video engine: one still (and optionally an end still) plus library motions in,
 * a 5 s, 24 fps H.264 MP4 with a preview rendition and a poster JPEG out.
 */
import { chooseMotions } from './motion-choice.js';
import { CLIP_DURATIONS_S, type ClipDurationS, DOP_DURATION_S, DOP_FPS, renderClip, type DopTimings } from './dop-pipeline.js';
import { DopInputError } from './errors.js';
import { TIER_SHORT_SIDE, type DopTier } from './image-input.js';
import type { MatteFailure, MatteProvider } from './matte.js';
import type { VideoSettings } from './encoder.js';

export { DopInputError } from './errors.js';
export { renderMotionPreview, motionPreviewCacheDir, MOTION_PREVIEW_SHORT_SIDE, type MotionPreviewOptions } from './motion-preview.js';
export { TIER_SHORT_SIDE, INPUT_LIMITS, type DopTier } from './image-input.js';
export { DOP_FPS, DOP_DURATION_S, DOP_FRAMES, CLIP_DURATIONS_S, type ClipDurationS, type DopTimings } from './dop-pipeline.js';
export { MAX_MOTIONS } from './motion-choice.js';
export {
  defaultMatteProvider,
  personMatteProvider,
  saliencyMatteProvider,
  chainMatteProviders,
  type Matte,
  type MatteFailure,
  type MatteProvider,
} from './matte.js';

export interface DopRequest {
  /** The start still: JPEG, PNG, WebP (also AVIF, GIF, TIFF), at most 40 MiB and 50 MP. */
  image: Buffer;
  /** The end still, only with a start_end_frame motion. */
  endImage?: Buffer;
  /** Library motions with strength 0..1 (default 1). Empty: camera words in the prompt pick them. */
  motions: { id: string; strength?: number }[];
  prompt: string;
  tier: DopTier;
  /** Any integer; taken modulo 2^32. The same request and seed give byte-identical output. */
  seed: number;
  /** 5 (default) or 10 seconds; the motions span the whole clip. */
  durationS?: ClipDurationS;
  signal?: AbortSignal;
  /** Called after each encoded frame: (frames done, 24 x duration). */
  onProgress?: (frame: number, total: number) => void;
  /** Overrides the subject matte source (default: person segmentation, then saliency). */
  matteProvider?: MatteProvider;
}

export interface DopResult {
  /** The MP4: H.264 High, yuv420p, 24 fps, 120 frames (5.0 s), faststart. */
  video: Buffer;
  /** The `min` rendition: the same clip at a 240 px short side. */
  preview: Buffer;
  /** JPEG of the first frame at full size. */
  poster: Buffer;
  width: number;
  height: number;
  durationS: number;
  fps: number;
  /** The motions actually rendered (from the request, the prompt, or the default). */
  motions: { id: string; strength: number }[];
  motionsOrigin: 'request' | 'prompt' | 'default';
  /** Provider of the parallax matte ("person-selfie", "saliency"), or null for flat layers. */
  matte: string | null;
  /** Matte providers that failed and were passed over. */
  matteFailures: MatteFailure[];
  timings: DopTimings;
}

/** x264 settings per tier: one fast preset (encoding is single-threaded for repeatable output); quality by CRF. */
export const TIER_ENCODING: Record<DopTier, Omit<VideoSettings, 'width' | 'height'>> = {
  lite: { preset: 'veryfast', crf: 23 },
  turbo: { preset: 'veryfast', crf: 21 },
  standard: { preset: 'veryfast', crf: 18 },
};
export const PREVIEW_SHORT_SIDE = 240;
const PREVIEW_ENCODING = { preset: 'veryfast', crf: 27 };

export async function renderDop(req: DopRequest): Promise<DopResult> {
  if (!req || typeof req !== 'object') throw new DopInputError('request missing');
  if (!Object.prototype.hasOwnProperty.call(TIER_SHORT_SIDE, req.tier)) {
    throw new DopInputError(`tier must be lite, turbo or standard; got ${JSON.stringify(req.tier)}`);
  }
  if (typeof req.seed !== 'number' || !Number.isFinite(req.seed)) throw new DopInputError('seed must be a finite number');
  if (req.prompt !== undefined && typeof req.prompt !== 'string') throw new DopInputError('prompt must be a string');
  if (!Buffer.isBuffer(req.image) || req.image.length === 0) throw new DopInputError('image is missing (input_images needs one image)');
  const hasEnd = req.endImage !== undefined && req.endImage !== null;
  if (hasEnd && (!Buffer.isBuffer(req.endImage) || req.endImage.length === 0)) throw new DopInputError('end image is empty');
  const durationS = req.durationS ?? DOP_DURATION_S;
  if (!(CLIP_DURATIONS_S as readonly number[]).includes(durationS))
    throw new DopInputError(`duration must be 5 or 10 seconds; got ${JSON.stringify(req.durationS)}`);
  const chosen = chooseMotions(req.motions, req.prompt ?? '', hasEnd);
  const clip = await renderClip({
    image: req.image,
    endImage: hasEnd ? req.endImage : undefined,
    chosen,
    shortSide: TIER_SHORT_SIDE[req.tier],
    seed: Math.floor(req.seed),
    durationS,
    main: TIER_ENCODING[req.tier],
    previewShortSide: PREVIEW_SHORT_SIDE,
    previewEncoding: PREVIEW_ENCODING,
    poster: true,
    matteProvider: req.matteProvider,
    signal: req.signal,
    onProgress: req.onProgress,
  });
  return {
    video: clip.video,
    preview: clip.preview!,
    poster: clip.poster!,
    width: clip.width,
    height: clip.height,
    durationS,
    fps: DOP_FPS,
    motions: chosen.motions.map((m) => ({ id: m.preset.id, strength: m.strength })),
    motionsOrigin: chosen.origin,
    matte: clip.matte,
    matteFailures: clip.matteFailures,
    timings: clip.timings,
  };
}
