import sharp from 'sharp';
import type { RgbImage } from '../human/image-tensor.js';
import type { Point } from './align.js';
import { ANALYSIS_SIZE, ANALYSIS_TEMPLATE, analysisCrop } from './analysis-crop.js';

/**
 * Stored face crops (character thumbnail and the crops the swap source embedding is computed
 * from) are upright squares with the analysis framing: the five points sit at fixed places, so
 * a crop can be re-aligned to any template without detecting the face again.
 */
export const FACE_CROP_SIZE = 256;

/** Where the five points lie in a stored face crop of `size` pixels. */
export function faceCropTemplate(size = FACE_CROP_SIZE): Point[] {
  return ANALYSIS_TEMPLATE.map(([x, y]) => [(x * size) / ANALYSIS_SIZE, (y * size) / ANALYSIS_SIZE]);
}

/** The aligned face crop of a face, as RGB. */
export function faceCrop(image: RgbImage, fivePoints: readonly Point[], size = FACE_CROP_SIZE): RgbImage {
  return analysisCrop(image, fivePoints, size).crop;
}

export async function encodeJpeg(img: RgbImage, quality = 92): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .jpeg({ quality })
    .toBuffer();
}
