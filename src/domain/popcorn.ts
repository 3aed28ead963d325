/**
 * Popcorn auto: a consistent set of 1..8 images from one prompt and up to 8 reference images.
 * Read here once for both wire forms (v2 `/higgsfield-ai/popcorn/auto`, legacy v1
 * `/v1/text2image/keyframes`); src/services/popcorn-service.ts turns it into one Soul job per image.
 */
import { type FieldIssue, ValidationError } from './errors.js';
import { FieldReader, type FieldSpec, IMAGE_REF_FIELDS } from './fields.js';
import { type SoulQuality, type SoulSize, sizeForAspectRatio } from './sizes.js';
import { randomSeed, SOUL_FIELDS } from './soul.js';

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

function finish(
  r: FieldReader,
  f: { prompt?: string; refs?: string[]; count?: number; ratio?: PopcornAspectRatio; resolution?: string; seed?: number },
): PopcornParams {
  r.forbidExtra();
  r.throwIfInvalid();
  const ratio = f.ratio ?? POPCORN_V2_FIELDS.aspect_ratio.default;
  const resolution = f.resolution === '720p' || f.resolution === undefined ? '720p' : '1600p';
  return {
    prompt: f.prompt!.trim(),
    referenceUrls: f.refs ?? [],
    count: f.count ?? POPCORN_V2_FIELDS.num_images.default,
    aspectRatio: ratio,
    resolution,
    quality: resolution === '720p' ? '720p' : '1080p',
    size: sizeForAspectRatio(ratio)!,
    seed: f.seed ?? randomSeed(),
  };
}

const PROMPT = { kind: 'string', required: true, min: 1, max: 4000, example: 'the same fox in four seasons' } as const satisfies FieldSpec;

/** The v2 body of popcorn/auto, as readPopcornV2 enforces it. */
export const POPCORN_V2_FIELDS = {
  prompt: PROMPT,
  image_urls: { kind: 'list', max: POPCORN_MAX_REFERENCES, items: { kind: 'url' }, description: 'References the set keeps consistent' },
  num_images: { kind: 'number', int: true, min: 1, max: POPCORN_MAX_IMAGES, default: 1 },
  resolution: { kind: 'literal', values: POPCORN_RESOLUTIONS, default: '720p' },
  aspect_ratio: { kind: 'literal', values: POPCORN_ASPECT_RATIOS, default: '4:3' },
  seed: SOUL_FIELDS.seed,
} as const satisfies Record<string, FieldSpec>;

/** v1 `params` of /v1/text2image/keyframes, as readPopcornV1 enforces them. */
export const POPCORN_V1_FIELDS = {
  prompt: PROMPT,
  aspect_ratio: POPCORN_V2_FIELDS.aspect_ratio,
  count: POPCORN_V2_FIELDS.num_images,
  image_references: { kind: 'list', max: POPCORN_MAX_REFERENCES, items: { kind: 'object', fields: IMAGE_REF_FIELDS } },
  quality: { kind: 'literal', values: V1_QUALITIES, default: '720p', description: '1080p and 1600p both render at 1600p' },
  seed: SOUL_FIELDS.seed,
} as const satisfies Record<string, FieldSpec>;

/** `image_urls` items as URLs, each checked where it sits (body.image_urls.N). */
export function readImageUrlList(r: FieldReader, list: readonly unknown[] | undefined): string[] {
  const refs: string[] = [];
  list?.forEach((item, i) => {
    const one = FieldReader.object({ [i]: item }, ['body', 'image_urls'], r.issues);
    const url = one?.url(String(i), { required: true });
    r.issues.push(...(one?.issues ?? []));
    if (url) refs.push(url);
  });
  return refs;
}

/** v2 flat body: prompt, image_urls[], num_images, resolution, aspect_ratio, seed. */
export function readPopcornV2(body: unknown): PopcornParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const F = POPCORN_V2_FIELDS;
  const prompt = r.read('prompt', F.prompt);
  const refs = readImageUrlList(r, r.read('image_urls', F.image_urls));
  const count = r.read('num_images', F.num_images);
  const resolution = r.read('resolution', F.resolution);
  const ratio = r.read('aspect_ratio', F.aspect_ratio);
  const seed = r.read('seed', F.seed);
  return finish(r, { prompt, refs, count, ratio, resolution, seed });
}

/** v1 `params` of /v1/text2image/keyframes: prompt, aspect_ratio, count, image_references[], quality, seed. */
export function readPopcornV1(body: unknown, loc: (string | number)[]): PopcornParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, loc, issues);
  if (!r) throw new ValidationError(issues);
  const F = POPCORN_V1_FIELDS;
  const prompt = r.read('prompt', F.prompt);
  const ratio = r.read('aspect_ratio', F.aspect_ratio);
  const count = r.read('count', F.count);
  const list = r.read('image_references', F.image_references);
  const refs: string[] = [];
  list?.forEach((item, i) => {
    const one = FieldReader.object(item, [...loc, 'image_references', i], r.issues);
    if (!one) return;
    one.read('type', IMAGE_REF_FIELDS.type);
    const url = one.read('image_url', IMAGE_REF_FIELDS.image_url);
    one.forbidExtra();
    r.issues.push(...one.issues);
    if (url) refs.push(url);
  });
  const quality = r.read('quality', F.quality);
  const seed = r.read('seed', F.seed);
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
