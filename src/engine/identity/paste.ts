/**
 * Putting a swapped face back: a feathered mask over the aligned crop, colour matching of the
 * swapped face to the original one inside that mask, and the inverse warp blended by strength.
 */
import type { RgbImage } from '../human/image-tensor.js';
import { applyAffine, invertAffine, type Affine, type Point } from '../face/align.js';
import { labToRgb, rgbToLab } from '../face/colour.js';

/** Mask border as fractions of the crop side: fully transparent band, then the feathered ramp. */
const MASK_INSET = 0.04;
const MASK_FEATHER = 0.16;
/** Colour matching never scales a channel's spread by more than this (or less than its inverse). */
const MAX_STD_RATIO = 2;

/**
 * Weight of each crop pixel (0..1): 0 near the crop border, rising with a smoothstep to 1 inside,
 * so the pasted square has no visible edge.
 */
export function featherMask(size: number): Float32Array {
  const m = new Float32Array(size * size);
  const inset = MASK_INSET * size;
  const feather = MASK_FEATHER * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.min(x, y, size - 1 - x, size - 1 - y);
      const t = Math.min(1, Math.max(0, (d - inset) / feather));
      m[y * size + x] = t * t * (3 - 2 * t);
    }
  }
  return m;
}

/**
 * Moves the swapped crop's colours onto the original's: per CIELAB channel, the mask-weighted
 * mean and standard deviation of `swapped` become those of `original` (Reinhard transfer).
 */
export function matchColours(swapped: RgbImage, original: RgbImage, mask: Float32Array): RgbImage {
  const n = swapped.width * swapped.height;
  if (original.width !== swapped.width || original.height !== swapped.height || mask.length !== n)
    throw new Error('matchColours: crop sizes differ');
  const labS = new Float32Array(n * 3);
  const labO = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgbToLab(swapped.data[i * 3], swapped.data[i * 3 + 1], swapped.data[i * 3 + 2], labS, i * 3);
    rgbToLab(original.data[i * 3], original.data[i * 3 + 1], original.data[i * 3 + 2], labO, i * 3);
  }
  const stats = (lab: Float32Array) => {
    const mean = [0, 0, 0],
      sq = [0, 0, 0];
    let w = 0;
    for (let i = 0; i < n; i++) {
      const k = mask[i];
      if (k <= 0) continue;
      w += k;
      for (let c = 0; c < 3; c++) {
        mean[c] += k * lab[i * 3 + c];
        sq[c] += k * lab[i * 3 + c] * lab[i * 3 + c];
      }
    }
    if (w <= 0) return null;
    return mean.map((m, c) => {
      const mu = m / w;
      return { mu, sd: Math.sqrt(Math.max(0, sq[c] / w - mu * mu)) };
    });
  };
  const s = stats(labS),
    o = stats(labO);
  if (!s || !o) return swapped;
  const gain = s.map((sc, c) => (sc.sd < 1e-3 ? 1 : Math.min(MAX_STD_RATIO, Math.max(1 / MAX_STD_RATIO, o[c].sd / sc.sd))));
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const l = (labS[i * 3] - s[0].mu) * gain[0] + o[0].mu;
    const a = (labS[i * 3 + 1] - s[1].mu) * gain[1] + o[1].mu;
    const b = (labS[i * 3 + 2] - s[2].mu) * gain[2] + o[2].mu;
    labToRgb(Math.min(100, Math.max(0, l)), a, b, data, i * 3);
  }
  return { data, width: swapped.width, height: swapped.height };
}

/** The aligned crop's corners in image coordinates (the only pixels a paste can touch lie inside). */
export function cropQuad(toCrop: Affine, size: number): Point[] {
  const inv = invertAffine(toCrop);
  return (
    [
      [0, 0],
      [size - 1, 0],
      [size - 1, size - 1],
      [0, size - 1],
    ] as Point[]
  ).map((p) => applyAffine(inv, p));
}

function sample(img: RgbImage, u: number, v: number, c: number): number {
  const x0 = Math.floor(u),
    y0 = Math.floor(v);
  const x1 = Math.min(x0 + 1, img.width - 1),
    y1 = Math.min(y0 + 1, img.height - 1);
  const ax = u - x0,
    ay = v - y0;
  const d = img.data,
    w = img.width;
  const top = d[(y0 * w + x0) * 3 + c] + (d[(y0 * w + x1) * 3 + c] - d[(y0 * w + x0) * 3 + c]) * ax;
  const bottom = d[(y1 * w + x0) * 3 + c] + (d[(y1 * w + x1) * 3 + c] - d[(y1 * w + x0) * 3 + c]) * ax;
  return top + (bottom - top) * ay;
}

function sampleMask(mask: Float32Array, size: number, u: number, v: number): number {
  const x0 = Math.floor(u),
    y0 = Math.floor(v);
  const x1 = Math.min(x0 + 1, size - 1),
    y1 = Math.min(y0 + 1, size - 1);
  const ax = u - x0,
    ay = v - y0;
  const top = mask[y0 * size + x0] + (mask[y0 * size + x1] - mask[y0 * size + x0]) * ax;
  const bottom = mask[y1 * size + x0] + (mask[y1 * size + x1] - mask[y1 * size + x0]) * ax;
  return top + (bottom - top) * ay;
}

/**
 * Blends `face` (an aligned crop; `toCrop` maps image pixels into it) into `image` in place:
 * pixel = original + strength * mask * (face - original). Pixels the mask does not reach are not
 * written, so they stay byte-identical.
 */
export function pasteFace(image: RgbImage, face: RgbImage, mask: Float32Array, toCrop: Affine, strength: number): void {
  const size = face.width;
  if (face.height !== size || mask.length !== size * size) throw new Error('pasteFace: the face crop must be square with a matching mask');
  if (!(strength > 0)) return;
  const quad = cropQuad(toCrop, size);
  const x0 = Math.max(0, Math.floor(Math.min(...quad.map((p) => p[0]))));
  const x1 = Math.min(image.width - 1, Math.ceil(Math.max(...quad.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...quad.map((p) => p[1]))));
  const y1 = Math.min(image.height - 1, Math.ceil(Math.max(...quad.map((p) => p[1]))));
  const [a, b, c, d, e, f] = toCrop;
  const s = Math.min(1, strength);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const u = a * x + b * y + c;
      const v = d * x + e * y + f;
      if (u < 0 || v < 0 || u > size - 1 || v > size - 1) continue;
      const k = s * sampleMask(mask, size, u, v);
      if (k <= 0) continue;
      const o = (y * image.width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const orig = image.data[o + ch];
        image.data[o + ch] = Math.round(orig + k * (sample(face, u, v, ch) - orig));
      }
    }
  }
}
