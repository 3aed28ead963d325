import { randomInt } from 'node:crypto';
import type { FieldIssue } from './errors.js';
import { ValidationError } from './errors.js';
import { FieldReader, type FieldSpec } from './fields.js';
import { SOUL_QUALITIES, SOUL_SIZES, type SoulQuality, type SoulSize, sizeForAspectRatio, parseSize } from './sizes.js';
import { SOUL_STYLES, findStyle } from './styles.js';

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

/** The Soul request fields: what readSoulParams enforces and what the API reference states. */
export const SOUL_FIELDS = {
  prompt: { kind: 'string', required: true, min: 1, max: 4000, example: 'a portrait in soft window light' },
  width_and_height: {
    kind: 'literal',
    values: SOUL_SIZES,
    default: '1536x2048',
    description: 'Output size at 1080p; 720p is it scaled by 2/3',
  },
  quality: { kind: 'literal', values: SOUL_QUALITIES, default: '1080p' },
  batch_size: { kind: 'literal', values: [1, 4] as const, default: 1 },
  seed: {
    kind: 'number',
    int: true,
    min: SEED_MIN,
    max: SEED_MAX,
    description: 'Random when absent; the same seed replays the same image',
  },
  style_id: { kind: 'uuid', description: 'A style of GET /v1/text2image/soul-styles', schema: { enum: SOUL_STYLES.map((st) => st.id) } },
  style_strength: { kind: 'number', min: 0, max: 1, default: 1 },
  enhance_prompt: { kind: 'boolean', default: false },
  image_reference: { kind: 'imageRef', description: 'Image-to-image source' },
  custom_reference_id: { kind: 'uuid', description: 'A character (Soul ID) of POST /v1/custom-references' },
  custom_reference_strength: { kind: 'number', min: 0, max: 1, default: 1 },
  negative_prompt: { kind: 'string', max: 4000 },
} as const satisfies Record<string, FieldSpec>;

/** The v2 spellings of size and quality (flat v2 bodies and reseller bodies). */
export const SOUL_V2_ALIAS_FIELDS = {
  aspect_ratio: {
    kind: 'string',
    description: "Such as '16:9': the closest listed size (width_and_height wins when both are sent)",
    example: '3:4',
  },
  resolution: { kind: 'literal', values: SOUL_QUALITIES, description: 'Same as quality (quality wins when both are sent)' },
} as const satisfies Record<string, FieldSpec>;

/**
 * The v1 `params` object (also v2 flat bodies, which add `aspect_ratio` and `resolution`
 * spellings). Meaning checks live here once; surfaces only choose the `loc` prefix.
 */
export function readSoulParams(
  body: unknown,
  loc: (string | number)[],
  opts: { v2Aliases?: boolean; extraAllowed?: string[] } = {},
): SoulParams {
  const F = SOUL_FIELDS;
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, loc, issues);
  if (!r) throw new ValidationError(issues);
  const prompt = r.read('prompt', F.prompt);
  let size = r.read('width_and_height', F.width_and_height);
  let quality = r.read('quality', F.quality);
  if (opts.v2Aliases) {
    const ratio = r.read('aspect_ratio', SOUL_V2_ALIAS_FIELDS.aspect_ratio);
    if (ratio !== undefined && size === undefined) {
      const s = sizeForAspectRatio(ratio);
      if (s) size = s;
      else r.fail('aspect_ratio', "Value error, aspect_ratio should look like '16:9'", ratio);
    }
    const resolution = r.read('resolution', SOUL_V2_ALIAS_FIELDS.resolution);
    if (resolution && !quality) quality = resolution;
  }
  const batch = r.read('batch_size', F.batch_size);
  const seed = r.read('seed', F.seed);
  const styleId = r.read('style_id', F.style_id);
  if (styleId && !findStyle(styleId))
    r.fail('style_id', `Value error, unknown style_id '${styleId}' (GET /v1/text2image/soul-styles lists them)`, styleId);
  const styleStrength = r.read('style_strength', F.style_strength);
  const enhance = r.read('enhance_prompt', F.enhance_prompt);
  const imageRef = r.read('image_reference', F.image_reference);
  const customRef = r.read('custom_reference_id', F.custom_reference_id);
  const customStrength = r.read('custom_reference_strength', F.custom_reference_strength);
  const negative = r.read('negative_prompt', F.negative_prompt);
  r.ignore(...(opts.extraAllowed ?? []));
  r.forbidExtra();
  r.throwIfInvalid();
  return {
    prompt: prompt!.trim(),
    negativePrompt: negative?.trim() || null,
    size: size ?? F.width_and_height.default,
    quality: quality ?? F.quality.default,
    batchSize: batch ?? F.batch_size.default,
    seed: seed ?? randomSeed(),
    styleId: styleId ?? null,
    styleStrength: styleStrength ?? F.style_strength.default,
    enhancePrompt: enhance ?? F.enhance_prompt.default,
    imageReferenceUrl: imageRef ?? null,
    imageStrength: DEFAULT_IMAGE_STRENGTH,
    customReferenceId: customRef ?? null,
    customReferenceStrength: customStrength ?? F.custom_reference_strength.default,
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
