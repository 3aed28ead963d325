/** Decoding and sizing of the input stills, with size and pixel limits. */
import sharp from 'sharp';
import { DopInputError } from './errors.js';
import type { RgbxImage } from './warp.js';

export type DopTier = 'lite' | 'turbo' | 'standard';

/** Short side of the output video per tier; the long side follows the input's aspect ratio. */
export const TIER_SHORT_SIDE: Record<DopTier, number> = { lite: 480, turbo: 720, standard: 1080 };

export const INPUT_LIMITS = {
  maxBytes: 40 * 1024 * 1024,
  /** Decoded pixels; sharp refuses larger images before allocating them. */
  maxPixels: 50_000_000,
  minSide: 16,
  /** Wider or taller inputs are centre-cropped to this aspect ratio. */
  maxAspect: 2.4,
};

const FORMATS = new Set(['jpeg', 'png', 'webp', 'avif', 'heif', 'gif', 'tiff']);

export interface ProbedImage {
  /** Width and height after EXIF orientation. */
  width: number;
  height: number;
  format: string;
}

export async function probeImage(buf: unknown, label: string): Promise<ProbedImage> {
  if (!Buffer.isBuffer(buf) || buf.length === 0) throw new DopInputError(`${label} is missing or empty`);
  if (buf.length > INPUT_LIMITS.maxBytes) {
    throw new DopInputError(`${label} is ${buf.length} bytes; the limit is ${INPUT_LIMITS.maxBytes}`);
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: INPUT_LIMITS.maxPixels }).metadata();
  } catch {
    throw new DopInputError(`${label} is not a decodable image (JPEG, PNG or WebP expected)`);
  }
  if (!meta.format || !FORMATS.has(meta.format) || !meta.width || !meta.height) {
    throw new DopInputError(`${label} has unsupported format ${meta.format ?? 'unknown'} (JPEG, PNG or WebP expected)`);
  }
  if (meta.width * meta.height > INPUT_LIMITS.maxPixels) {
    throw new DopInputError(`${label} has ${meta.width}x${meta.height} pixels; the limit is ${INPUT_LIMITS.maxPixels}`);
  }
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  if (Math.min(width, height) < INPUT_LIMITS.minSide) {
    throw new DopInputError(`${label} is ${width}x${height}; each side needs at least ${INPUT_LIMITS.minSide} pixels`);
  }
  return { width, height, format: meta.format };
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** Output frame size: the tier's short side, the input's aspect (clamped), even dimensions. */
export function outputSizeFor(srcW: number, srcH: number, shortSide: number): { width: number; height: number } {
  const aspect = Math.min(INPUT_LIMITS.maxAspect, Math.max(1 / INPUT_LIMITS.maxAspect, srcW / srcH));
  return aspect >= 1
    ? { width: even(shortSide * aspect), height: even(shortSide) }
    : { width: even(shortSide), height: even(shortSide / aspect) };
}

/** Decodes, orients, flattens and centre-crops/resizes an image to exactly width x height RGBX words. */
export async function loadRgbx(buf: Buffer, width: number, height: number): Promise<RgbxImage> {
  try {
    const { data, info } = await sharp(buf, { limitInputPixels: INPUT_LIMITS.maxPixels })
      .rotate()
      .flatten({ background: '#000000' })
      .resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      .toColourspace('srgb')
      .removeAlpha()
      .ensureAlpha(1)
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || info.width !== width || info.height !== height) {
      throw new Error(`unexpected decode ${info.width}x${info.height}x${info.channels}`);
    }
    // Copy into an aligned word array (the decoder's buffer may start at any byte offset).
    const words = new Uint32Array(width * height);
    new Uint8Array(words.buffer).set(data);
    return { data: words, width, height };
  } catch (err) {
    throw new DopInputError(`image could not be decoded: ${(err as Error).message}`);
  }
}
