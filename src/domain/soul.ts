import { randomInt } from 'node:crypto';
import type { FieldIssue } from './errors.js';
import { ValidationError } from './errors.js';
import { FieldReader } from './fields.js';
import { SOUL_QUALITIES, SOUL_SIZES, type SoulQuality, type SoulSize, sizeForAspectRatio, parseSize } from './sizes.js';
import { findStyle } from './styles.js';

/** One Soul text-to-image / image-to-image request, whatever dialect it came in. */
export interface SoulParams {
  prompt: string;
  negativePrompt: string | null;
  size: SoulSize;
  quality: SoulQuality;
  batchSize: 1 | 4;
  seed: number;
  styleId: string | null;
  styleStrength: number;
  enhancePrompt: boolean;
  imageReferenceUrl: string | null;
  /** img2img denoise strength when an image reference is given. */
  imageStrength: number;
  customReferenceId: string | null;
  customReferenceStrength: number;
}

export const SEED_MIN = 1;
export const SEED_MAX = 1_000_000;
export const DEFAULT_IMAGE_STRENGTH = 0.6;

export function randomSeed(): number {
  return randomInt(SEED_MIN, SEED_MAX + 1);
}

/**
 * The v1 `params` object (also v2 flat bodies, which add `aspect_ratio` and `resolution`
 * spellings). Meaning checks live here once; surfaces only choose the `loc` prefix.
 */
export function readSoulParams(body: unknown, loc: (string | number)[], opts: { v2Aliases?: boolean; extraAllowed?: string[] } = {}): SoulParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, loc, issues);
  if (!r) throw new ValidationError(issues);
  const prompt = r.string('prompt', { required: true, min: 1, max: 4000 });
  let size = r.literal('width_and_height', SOUL_SIZES);
  let quality = r.literal('quality', SOUL_QUALITIES);
  if (opts.v2Aliases) {
    const ratio = r.string('aspect_ratio');
    if (ratio !== undefined && size === undefined) {
      const s = sizeForAspectRatio(ratio);
      if (s) size = s;
      else r.fail('aspect_ratio', "Value error, aspect_ratio should look like '16:9'", ratio);
    }
    const resolution = r.literal('resolution', SOUL_QUALITIES);
    if (resolution && !quality) quality = resolution;
  }
  const batch = r.literal('batch_size', [1, 4] as const);
  const seed = r.number('seed', { int: true, min: SEED_MIN, max: SEED_MAX });
  const styleId = r.uuid('style_id');
  if (styleId && !findStyle(styleId)) r.fail('style_id', `Value error, unknown style_id '${styleId}' (GET /v1/text2image/soul-styles lists them)`, styleId);
  const styleStrength = r.number('style_strength', { min: 0, max: 1 });
  const enhance = r.boolean('enhance_prompt');
  const imageRef = r.imageRef('image_reference');
  const customRef = r.uuid('custom_reference_id');
  const customStrength = r.number('custom_reference_strength', { min: 0, max: 1 });
  const negative = r.string('negative_prompt', { max: 4000 });
  r.ignore(...(opts.extraAllowed ?? []));
  r.forbidExtra();
  r.throwIfInvalid();
  return {
    prompt: prompt!.trim(),
    negativePrompt: negative?.trim() || null,
    size: size ?? '1536x2048',
    quality: quality ?? '1080p',
    batchSize: batch ?? 1,
    seed: seed ?? randomSeed(),
    styleId: styleId ?? null,
    styleStrength: styleStrength ?? 1,
    enhancePrompt: enhance ?? false,
    imageReferenceUrl: imageRef ?? null,
    imageStrength: DEFAULT_IMAGE_STRENGTH,
    customReferenceId: customRef ?? null,
    customReferenceStrength: customStrength ?? 1,
  };
}

/** `input_params` as Higgsfield echoes them: width/height split, custom_reference renamed. */
export function soulInputParams(p: SoulParams, imageReference: Record<string, unknown> | null): Record<string, unknown> {
  const { width, height } = parseSize(p.size);
  return {
    prompt: p.prompt,
    width,
    height,
    quality: p.quality,
    batch_size: p.batchSize,
    enhance_prompt: p.enhancePrompt,
    style_id: p.styleId,
    style_strength: p.styleStrength,
    seed: p.seed,
    custom_reference: p.customReferenceId,
    custom_reference_strength: p.customReferenceStrength,
    image_reference: imageReference,
    ...(p.negativePrompt ? { negative_prompt: p.negativePrompt } : {}),
  };
}

/** What one Soul job (one image of a batch) carries to its runner. */
export type SoulJobInput = Omit<SoulParams, 'size' | 'quality' | 'batchSize'> & {
  /** Exact output size (the 720p sizes are the listed ones scaled by 2/3). */
  width: number;
  height: number;
  /** Results of this dialect expire sooner (Segmind). */
  retentionS?: number;
  /** A set of images kept consistent (Popcorn): part of the start noise shared by the set. */
  sharedNoise?: { seed: number; weight: number };
  /** Reference images whose colours every image of the set is matched to, by `paletteAmount`. */
  paletteUrls?: string[];
  paletteAmount?: number;
  /** Cover-cropped to this exact size after generation (carousel slides at 4:5). */
  finalSize?: { width: number; height: number };
  /** Copy drawn on a second version of the image (carousel slides), stored as `overlay`. */
  overlayText?: string;
};

/** Each image of a batch is its own job; seeds step by one so every image differs yet replays. */
export function seedForImage(base: number, index: number): number {
  return ((base - SEED_MIN + index) % (SEED_MAX - SEED_MIN + 1)) + SEED_MIN;
}
