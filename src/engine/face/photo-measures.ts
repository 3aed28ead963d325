import type { RgbImage } from '../human/image-tensor.js';
import { REGIONS, ANALYSIS_SIZE, type Rect } from './analysis-crop.js';
import { luma, rgbToLab } from './colour.js';

/** Pixel measurements of an aligned face (see analysis-crop.ts for the regions). */
export interface FaceMeasures {
  /** Mean luma (0..255) of the central face. */
  brightness: number;
  /** Darker half over brighter half (left/right of the nose line), 0..1; low = one side in shadow. */
  lightBalance: number;
  /** Fraction of central-face pixels at luma >= 250 (blown highlights). */
  clipped: number;
  /** Variance of the Laplacian of the central face at the recogniser's scale, over its grey variance. */
  sharpness: number;
  /** Fraction of skin-coloured pixels around the eyes (low with sunglasses). */
  eyeRegionSkin: number;
  /** Fraction of skin-coloured pixels over mouth and chin (low with a mask or a hand over it). */
  lowerFaceSkin: number;
  /** Same for the forehead (diagnostic: hair or a hat lower it). */
  foreheadSkin: number;
}

function rectPixels(img: RgbImage, r: Rect, scale: number, visit: (i: number) => void): void {
  const x0 = Math.round(r.x0 * scale), x1 = Math.round(r.x1 * scale), y0 = Math.round(r.y0 * scale), y1 = Math.round(r.y1 * scale);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) visit((y * img.width + x) * 3);
}

function meanLuma(img: RgbImage, r: Rect, scale: number): number {
  let s = 0, n = 0;
  const d = img.data;
  rectPixels(img, r, scale, (i) => {
    s += luma(d[i], d[i + 1], d[i + 2]);
    n++;
  });
  return n ? s / n : 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}

/**
 * The face's own skin colour: per-channel median in Lab over the central face. Sunglasses or a
 * mask cover less than half of that region, so the median stays on skin.
 */
function skinReference(img: RgbImage): [number, number, number] {
  const L: number[] = [], A: number[] = [], B: number[] = [];
  const lab = [0, 0, 0];
  const d = img.data;
  rectPixels(img, REGIONS.centre, img.width / ANALYSIS_SIZE, (i) => {
    rgbToLab(d[i], d[i + 1], d[i + 2], lab);
    L.push(lab[0]); A.push(lab[1]); B.push(lab[2]);
  });
  return [median(L), median(A), median(B)];
}

/**
 * Fraction of a region whose colour is close to the face's skin: lightness within a wide band
 * around it (shadows and highlights stay skin) and, unless the photo is near-greyscale, chroma
 * within 14 Lab units.
 */
function skinFraction(img: RgbImage, r: Rect, ref: [number, number, number]): number {
  const [lr, ar, br] = ref;
  const greyscale = Math.hypot(ar, br) < 4;
  const lab = [0, 0, 0];
  const d = img.data;
  let skin = 0, n = 0;
  rectPixels(img, r, img.width / ANALYSIS_SIZE, (i) => {
    rgbToLab(d[i], d[i + 1], d[i + 2], lab);
    n++;
    const lOk = lab[0] >= lr * 0.55 && lab[0] <= lr * 1.6 + 5;
    const cOk = greyscale || Math.hypot(lab[1] - ar, lab[2] - br) <= 14;
    if (lOk && cOk) skin++;
  });
  return n ? skin / n : 0;
}

/** Variance of the 4-neighbour Laplacian over the grey variance, inside a region. */
function laplacianRatio(img: RgbImage, r: Rect, scale: number): number {
  const w = img.width;
  const x0 = Math.max(1, Math.round(r.x0 * scale)), x1 = Math.min(w - 1, Math.round(r.x1 * scale));
  const y0 = Math.max(1, Math.round(r.y0 * scale)), y1 = Math.min(img.height - 1, Math.round(r.y1 * scale));
  const g = (x: number, y: number) => {
    const i = (y * w + x) * 3;
    return luma(img.data[i], img.data[i + 1], img.data[i + 2]);
  };
  let ls = 0, ls2 = 0, gs = 0, gs2 = 0, n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const c = g(x, y);
      const lap = g(x - 1, y) + g(x + 1, y) + g(x, y - 1) + g(x, y + 1) - 4 * c;
      ls += lap; ls2 += lap * lap; gs += c; gs2 += c * c; n++;
    }
  }
  const lapVar = ls2 / n - (ls / n) ** 2;
  const greyVar = gs2 / n - (gs / n) ** 2;
  return greyVar < 1 ? 0 : lapVar / greyVar;
}

/**
 * Measures an analysis crop (ANALYSIS_SIZE px) and a sharpness crop of the same framing at
 * the recogniser's working scale.
 */
export function measureFace(crop: RgbImage, sharpCrop: RgbImage): FaceMeasures {
  const s = crop.width / ANALYSIS_SIZE;
  const left = meanLuma(crop, REGIONS.leftHalf, s), right = meanLuma(crop, REGIONS.rightHalf, s);
  let clippedCount = 0, n = 0;
  rectPixels(crop, REGIONS.centre, s, (i) => {
    n++;
    if (luma(crop.data[i], crop.data[i + 1], crop.data[i + 2]) >= 250) clippedCount++;
  });
  const ref = skinReference(crop);
  return {
    brightness: meanLuma(crop, REGIONS.centre, s),
    lightBalance: Math.min(left, right) / Math.max(1e-6, left, right),
    clipped: n ? clippedCount / n : 0,
    sharpness: laplacianRatio(sharpCrop, REGIONS.centre, sharpCrop.width / ANALYSIS_SIZE),
    eyeRegionSkin: skinFraction(crop, REGIONS.periocular, ref),
    lowerFaceSkin: skinFraction(crop, REGIONS.lowerFace, ref),
    foreheadSkin: skinFraction(crop, REGIONS.forehead, ref),
  };
}
