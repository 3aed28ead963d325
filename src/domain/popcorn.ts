/**
 * Popcorn auto: a consistent set of 1..8 images from one prompt and up to 8 reference images.
 * Read here once for both wire forms (v2 `/higgsfield-ai/popcorn/auto`, legacy v1
 * `/v1/text2image/keyframes`); src/services/popcorn.ts turns it into one Soul job per image.
 */
import { type FieldIssue, ValidationError } from './errors.js';
import { FieldReader } from './fields.js';
import { type SoulQuality, type SoulSize, sizeForAspectRatio } from './sizes.js';
import { randomSeed, SEED_MAX, SEED_MIN } from './soul.js';

export const POPCORN_ASPECT_RATIOS = ['1:1', '4:3', '3:4', '3:2', '2:3', '16:9', '9:16'] as const;
export type PopcornAspectRatio = (typeof POPCORN_ASPECT_RATIOS)[number];
/** v2 resolutions; 1600p is the full-size Soul output (long side 2048 px), 720p two thirds of it. */
export const POPCORN_RESOLUTIONS = ['720p', '1600p'] as const;
/** v1 `quality` also takes Soul's own name for the full size. */
const V1_QUALITIES = ['720p', '1080p', '1600p'] as const;
export const POPCORN_MAX_IMAGES = 8;
export const POPCORN_MAX_REFERENCES = 8;

/**
 * How the set is kept consistent (docs/dialects.md, "Popcorn"): every image shares this much of
 * its start noise (seeded by the request's seed), the first reference is every image's
 * image-to-image start at this denoise, and all references' colour statistics are matched on
 * every image by this amount.
 */
export const POPCORN_SHARED_NOISE = 0.6;
export const POPCORN_REFERENCE_DENOISE = 0.75;
export const POPCORN_PALETTE_AMOUNT = 0.5;

export interface PopcornParams {
  prompt: string;
  referenceUrls: string[];
  count: number;
  aspectRatio: PopcornAspectRatio;
  /** The wire name (720p / 1600p); `quality` is the Soul size rule it means. */
  resolution: (typeof POPCORN_RESOLUTIONS)[number];
  quality: SoulQuality;
  size: SoulSize;
  seed: number;
}

function finish(r: FieldReader, f: { prompt?: string; refs?: string[]; count?: number; ratio?: PopcornAspectRatio; resolution?: string; seed?: number }): PopcornParams {
  r.forbidExtra();
  r.throwIfInvalid();
  const ratio = f.ratio ?? '4:3';
  const resolution = f.resolution === '720p' || f.resolution === undefined ? '720p' : '1600p';
  return {
    prompt: f.prompt!.trim(),
    referenceUrls: f.refs ?? [],
    count: f.count ?? 1,
    aspectRatio: ratio,
    resolution,
    quality: resolution === '720p' ? '720p' : '1080p',
    size: sizeForAspectRatio(ratio)!,
    seed: f.seed ?? randomSeed(),
  };
}

/** v2 flat body: prompt, image_urls[], num_images, resolution, aspect_ratio, seed. */
export function readPopcornV2(body: unknown): PopcornParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const prompt = r.string('prompt', { required: true, min: 1, max: 4000 });
  const list = r.list('image_urls', { max: POPCORN_MAX_REFERENCES });
  const refs: string[] = [];
  list?.forEach((item, i) => {
    const one = FieldReader.object({ [i]: item }, ['body', 'image_urls'], r.issues);
    const url = one?.url(String(i), { required: true });
    r.issues.push(...(one?.issues ?? []));
    if (url) refs.push(url);
  });
  const count = r.number('num_images', { int: true, min: 1, max: POPCORN_MAX_IMAGES });
  const resolution = r.literal('resolution', POPCORN_RESOLUTIONS);
  const ratio = r.literal('aspect_ratio', POPCORN_ASPECT_RATIOS);
  const seed = r.number('seed', { int: true, min: SEED_MIN, max: SEED_MAX });
  return finish(r, { prompt, refs, count, ratio, resolution, seed });
}

/** v1 `params` of /v1/text2image/keyframes: prompt, aspect_ratio, count, image_references[], quality, seed. */
export function readPopcornV1(body: unknown, loc: (string | number)[]): PopcornParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, loc, issues);
  if (!r) throw new ValidationError(issues);
  const prompt = r.string('prompt', { required: true, min: 1, max: 4000 });
  const ratio = r.literal('aspect_ratio', POPCORN_ASPECT_RATIOS);
  const count = r.number('count', { int: true, min: 1, max: POPCORN_MAX_IMAGES });
  const list = r.list('image_references', { max: POPCORN_MAX_REFERENCES });
  const refs: string[] = [];
  list?.forEach((item, i) => {
    const one = FieldReader.object(item, [...loc, 'image_references', i], r.issues);
    if (!one) return;
    one.literal('type', ['image_url'] as const);
    const url = one.url('image_url', { required: true });
    one.forbidExtra();
    r.issues.push(...one.issues);
    if (url) refs.push(url);
  });
  const quality = r.literal('quality', V1_QUALITIES);
  const seed = r.number('seed', { int: true, min: SEED_MIN, max: SEED_MAX });
  return finish(r, { prompt, refs, count, ratio, resolution: quality, seed });
}

/** The request as it is echoed in `input_params` (v2 names). */
export function popcornInputParams(p: PopcornParams, width: number, height: number): Record<string, unknown> {
  return {
    prompt: p.prompt,
    image_urls: p.referenceUrls,
    num_images: p.count,
    resolution: p.resolution,
    aspect_ratio: p.aspectRatio,
    width,
    height,
    seed: p.seed,
  };
}
