/**
 * The DoP render pipeline: decode and size the stills, choose motions, build the depth layers
 * (one segmentation per request), then stream frames into the encoder.
 */
import sharp from 'sharp';
import type { EffectKind } from '../../domain/motions.js';
import { BACKGROUND_NEARNESS, CameraPath, clipCoverScale, clipMaxScale, MAX_COVER_SCALE } from './camera.js';
import { createEffect, EFFECT_ORDER } from './effects/index.js';
import { abortError, encodeFrames, type VideoSettings } from './encoder.js';
import { loadRgbx, outputSizeFor, probeImage } from './image-input.js';
import { buildLayers } from './layers.js';
import { defaultMatteProvider, type MatteFailure, type MatteProvider } from './matte.js';
import type { ChosenMotions } from './motion-choice.js';
import { FrameRenderer, type ActiveEffect, type FrameMode } from './renderer.js';
import { createTransition } from './transitions.js';

export const DOP_FPS = 24;
export const DOP_DURATION_S = 5;
export const DOP_FRAMES = DOP_FPS * DOP_DURATION_S;
/** Clip lengths the engine renders (Kling-style requests ask for 10 s). */
export const CLIP_DURATIONS_S = [5, 10] as const;
export type ClipDurationS = (typeof CLIP_DURATIONS_S)[number];

/** Nearness used for every pixel when parallax is asked for but no subject was found. */
const FLAT_NEARNESS = 0.65;
/** Oversampling below this is not worth a second decode. */
const MIN_OVERSAMPLE = 1.1;

export interface ClipJob {
  image: Buffer;
  endImage?: Buffer;
  chosen: ChosenMotions;
  shortSide: number;
  seed: number;
  /** Clip length; default DOP_DURATION_S. Motions span the whole clip whatever its length. */
  durationS?: ClipDurationS;
  main: Omit<VideoSettings, 'width' | 'height'>;
  /** Short side of the preview rendition, or none. */
  previewShortSide?: number;
  previewEncoding?: Omit<VideoSettings, 'width' | 'height'>;
  poster: boolean;
  matteProvider?: MatteProvider;
  signal?: AbortSignal;
  onProgress?: (frame: number, total: number) => void;
}

export interface DopTimings {
  /** Decoding, sizing and (for parallax) segmentation plus layer building. */
  prepareS: number;
  /** Of which segmentation and layer building. */
  matteS: number;
  /** Time spent synthesising frames in this process. */
  renderS: number;
  /** ffmpeg's CPU seconds (user + system) for both renditions. */
  encodeCpuS: number;
  /** Wall clock of the whole call. */
  totalS: number;
}

export interface ClipResult {
  video: Buffer;
  preview: Buffer | null;
  poster: Buffer | null;
  width: number;
  height: number;
  /** Which matte the parallax layers came from: a provider name, or null for flat rendering. */
  matte: string | null;
  /** Matte providers that failed and were passed over (their errors do not fail the clip). */
  matteFailures: MatteFailure[];
  timings: DopTimings;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

const seconds = (from: number) => (performance.now() - from) / 1000;

function collectEffects(job: ClipJob, ctx: Parameters<typeof createEffect>[1]): ActiveEffect[] {
  const amounts = new Map<EffectKind, number>();
  for (const { preset, strength } of job.chosen.motions) {
    for (const spec of preset.effects) amounts.set(spec.kind, (amounts.get(spec.kind) ?? 0) + spec.amount * strength);
  }
  return EFFECT_ORDER.filter((k) => (amounts.get(k) ?? 0) > 0).map((kind) => ({
    kind,
    effect: createEffect(kind, ctx),
    amount: Math.min(1, amounts.get(kind)!),
  }));
}

export async function renderClip(job: ClipJob): Promise<ClipResult> {
  const started = performance.now();
  const probe = await probeImage(job.image, 'image');
  if (job.endImage !== undefined) await probeImage(job.endImage, 'end image');
  checkAbort(job.signal);
  const { width, height } = outputSizeFor(probe.width, probe.height, job.shortSide);
  const base = await loadRgbx(job.image, width, height);
  checkAbort(job.signal);

  const seed = job.seed >>> 0;
  const durationS = job.durationS ?? DOP_DURATION_S;
  const frames = DOP_FPS * durationS;
  const transition = job.chosen.transition;
  let camera: CameraPath;
  let mode: FrameMode;
  let envelope: (t: number) => number = () => 1;
  let matteName: string | null = null;
  const matteFailures: MatteFailure[] = [];
  let matteS = 0;

  if (transition) {
    if (!job.endImage) throw new Error('transition without an end image');
    const end = await loadRgbx(job.endImage, width, height);
    // Camera moves and effects fade in and out so the clip rests exactly on both stills.
    envelope = (t) => Math.sin(Math.PI * Math.min(1, Math.max(0, t)));
    const cameraMotions = job.chosen.motions.filter((m) => !m.preset.startEndFrame);
    camera = new CameraPath(cameraMotions, seed, durationS, envelope);
    mode = {
      kind: 'transition',
      renderer: createTransition(transition.preset.transition!, { start: base, end, width, height }, transition.strength),
    };
  } else {
    camera = new CameraPath(job.chosen.motions, seed, durationS);
    if (camera.isStill) {
      mode = { kind: 'flat', source: base, nearness: 1, cover: 1 };
    } else {
      const matteStarted = performance.now();
      const matte = camera.hasParallax ? await (job.matteProvider ?? defaultMatteProvider).matte(base, (f) => matteFailures.push(f)) : null;
      checkAbort(job.signal);
      const nearness = matte ? BACKGROUND_NEARNESS : camera.hasParallax ? FLAT_NEARNESS : 1;
      const cover = clipCoverScale(camera, frames, nearness, width, height);
      const maxScale = clipMaxScale(camera, frames, matte ? 1 : nearness, cover);
      // Keep more source detail when the camera magnifies, up to what the input really has.
      const inputDetail = Math.max(1, Math.min(probe.width / width, probe.height / height));
      const over = Math.min(MAX_COVER_SCALE, maxScale, inputDetail);
      const source = over >= MIN_OVERSAMPLE ? await loadRgbx(job.image, Math.round(width * over), Math.round(height * over)) : base;
      if (matte) {
        mode = { kind: 'parallax', layers: buildLayers(source, matte), cover };
        matteName = matte.source;
      } else {
        mode = { kind: 'flat', source, nearness, cover };
      }
      matteS = seconds(matteStarted);
    }
  }
  checkAbort(job.signal);

  const effects = collectEffects(job, { width, height, frames, fps: DOP_FPS, seed, reference: base });
  const renderer = new FrameRenderer({
    width,
    height,
    frames,
    fps: DOP_FPS,
    camera,
    mode,
    effects,
    effectEnvelope: envelope,
  });
  const prepareS = seconds(started);

  let renderS = 0;
  let firstFrame: Uint8Array | null = null;
  const preview = job.previewShortSide
    ? { ...outputSizeFor(width, height, job.previewShortSide), ...(job.previewEncoding ?? job.main) }
    : undefined;
  const encoded = await encodeFrames(
    { width, height, fps: DOP_FPS, frames, main: job.main, preview, signal: job.signal },
    (i) => {
      const t0 = performance.now();
      const frame = renderer.render(i);
      renderS += seconds(t0);
      if (i === 0) firstFrame = frame;
      return frame;
    },
    job.onProgress,
  );

  let poster: Buffer | null = null;
  if (job.poster && firstFrame) {
    poster = await sharp(firstFrame, { raw: { width, height, channels: 4 } })
      .removeAlpha()
      .jpeg({ quality: 88 })
      .toBuffer();
  }
  return {
    video: encoded.video,
    preview: encoded.preview,
    poster,
    width,
    height,
    matte: matteName,
    matteFailures,
    timings: { prepareS, matteS, renderS, encodeCpuS: encoded.encodeCpuS, totalS: seconds(started) },
  };
}
