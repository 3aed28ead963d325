import type { RgbImage } from '../human/image-tensor.js';
import { ARCFACE_TEMPLATE_112, similarityTransform, warpAffine, type Affine, type Point } from './align.js';

/**
 * The photo checks sample fixed regions of one canonical crop, so that they do not depend on
 * the photo's size, the face's position or its roll: the face is aligned on the ArcFace
 * template (eye distance 35 px) inside a 160 px square, leaving 24 px for forehead and chin.
 */
export const ANALYSIS_SIZE = 160;
const OFFSET = 24;

export const ANALYSIS_TEMPLATE: Point[] = ARCFACE_TEMPLATE_112.map(([x, y]) => [x + OFFSET, y + OFFSET]);

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Regions in analysis-crop pixels (eyes at y~76, nose tip y~96, mouth y~116):
 * - forehead: between the brows and the hairline;
 * - noseBridge: between the eyes;
 * - periocular: both eyes with their lids — what sunglasses cover;
 * - underEye: the band under the eyes; cheekLeft / cheekRight: beside the nose;
 * - lowerFace: upper lip, mouth and chin — what a mask or a hand over the mouth covers;
 * - centre: eyes to chin between the cheekbones, for light and sharpness (no background);
 * - leftHalf / rightHalf: the centre split along the nose line, for side shadows.
 */
export const REGIONS = {
  forehead: { x0: 62, y0: 34, x1: 98, y1: 54 },
  noseBridge: { x0: 70, y0: 64, x1: 90, y1: 82 },
  periocular: { x0: 50, y0: 66, x1: 110, y1: 86 },
  underEye: { x0: 50, y0: 84, x1: 110, y1: 94 },
  cheekLeft: { x0: 42, y0: 86, x1: 60, y1: 108 },
  cheekRight: { x0: 100, y0: 86, x1: 118, y1: 108 },
  lowerFace: { x0: 62, y0: 104, x1: 98, y1: 138 },
  centre: { x0: 52, y0: 58, x1: 108, y1: 136 },
  leftHalf: { x0: 52, y0: 58, x1: 80, y1: 136 },
  rightHalf: { x0: 80, y0: 58, x1: 108, y1: 136 },
} as const satisfies Record<string, Rect>;

export function analysisCrop(image: RgbImage, fivePoints: readonly Point[], size = ANALYSIS_SIZE): { crop: RgbImage; matrix: Affine } {
  const scale = size / ANALYSIS_SIZE;
  const matrix = similarityTransform(
    fivePoints,
    ANALYSIS_TEMPLATE.map(([x, y]) => [x * scale, y * scale] as Point),
  );
  return { crop: warpAffine(image, matrix, size, size, 'replicate'), matrix };
}
