import type { RgbImage } from '../human/image-tensor.js';
import { REGIONS, ANALYSIS_SIZE, type Rect } from './analysis-crop.js';
import { luma, rgbToLab } from './colour.js';

/** What the occlusion check reads (src/engine/face/photo-checks.ts). */
export interface OcclusionSignals {
  /** Eye-region lightness over the rest of the face (median of region medians). */
  eyeLightness: number;
  /** Generic skin-tone fraction over mouth and chin, and over the upper face (forehead, brow, nose bridge). */
  lowerSkin: number;
  upperSkin: number;
  /** Lower-face lightness over the rest of the face. */
  lowerLightness: number;
}

/** Pixel measurements of an aligned face (regions in analysis-crop.ts). */
export interface FaceMeasures extends OcclusionSignals {
  /** Mean luma (0..255) of the central face. */
  brightness: number;
  /** 95th-percentile luma of the central face: where its highlights sit. */
  highlightLuma: number;
  /** Darker half over brighter half (either side of the nose line), 0..1. */
  lightBalance: number;
  /** Fraction of central-face pixels at luma >= 250. */
  clipped: number;
  /** Variance of the Laplacian over grey variance, central face, at the recogniser's scale. */
  sharpness: number;
}

function forEachPixel(img: RgbImage, r: Rect, visit: (i: number) => void): void {
  const s = img.width / ANALYSIS_SIZE;
  const x0 = Math.round(r.x0 * s),
    x1 = Math.round(r.x1 * s),
    y0 = Math.round(r.y0 * s),
    y1 = Math.round(r.y1 * s);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) visit((y * img.width + x) * 3);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

function lumas(img: RgbImage, r: Rect): number[] {
  const out: number[] = [];
  const d = img.data;
  forEachPixel(img, r, (i) => out.push(luma(d[i], d[i + 1], d[i + 2])));
  return out.sort((a, b) => a - b);
}

interface RegionColour {
  /** Median CIELAB lightness. */
  lightness: number;
  /** Fraction of pixels in the generic skin-tone range. */
  skin: number;
}

/**
 * Generic skin tone in CIELAB: warm hue (10..90 degrees from +a towards +b), some chroma and
 * not black. Holds for light and dark skin under neutral light; masks (white, blue, black),
 * lenses and hair fall outside.
 */
function isSkinTone(l: number, a: number, b: number): boolean {
  const hue = (Math.atan2(b, a) * 180) / Math.PI;
  return Math.hypot(a, b) >= 6 && hue >= 10 && hue <= 90 && l >= 20;
}

function regionColour(img: RgbImage, r: Rect): RegionColour {
  const lab = [0, 0, 0];
  const ls: number[] = [];
  let skin = 0;
  const d = img.data;
  forEachPixel(img, r, (i) => {
    rgbToLab(d[i], d[i + 1], d[i + 2], lab);
    ls.push(lab[0]);
    if (isSkinTone(lab[0], lab[1], lab[2])) skin++;
  });
  ls.sort((a, b) => a - b);
  return { lightness: quantile(ls, 0.5), skin: ls.length ? skin / ls.length : 0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Variance of the 4-neighbour Laplacian over the grey variance, inside a region. */
function laplacianRatio(img: RgbImage, r: Rect): number {
  const w = img.width;
  const s = w / ANALYSIS_SIZE;
  const x0 = Math.max(1, Math.round(r.x0 * s)),
    x1 = Math.min(w - 1, Math.round(r.x1 * s));
  const y0 = Math.max(1, Math.round(r.y0 * s)),
    y1 = Math.min(img.height - 1, Math.round(r.y1 * s));
  const g = (x: number, y: number) => {
    const i = (y * w + x) * 3;
    return luma(img.data[i], img.data[i + 1], img.data[i + 2]);
  };
  let ls = 0,
    ls2 = 0,
    gs = 0,
    gs2 = 0,
    n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const c = g(x, y);
      const lap = g(x - 1, y) + g(x + 1, y) + g(x, y - 1) + g(x, y + 1) - 4 * c;
      ls += lap;
      ls2 += lap * lap;
      gs += c;
      gs2 += c * c;
      n++;
    }
  }
  const greyVar = gs2 / n - (gs / n) ** 2;
  return greyVar < 1 ? 0 : (ls2 / n - (ls / n) ** 2) / greyVar;
}

/**
 * Measures an analysis crop (ANALYSIS_SIZE px) and a sharpness crop with the same framing at the
 * recogniser's working scale (so blur is judged on the detail identity actually uses).
 */
export function measureFace(crop: RgbImage, sharpCrop: RgbImage): FaceMeasures {
  const centre = lumas(crop, REGIONS.centre);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const left = mean(lumas(crop, REGIONS.leftHalf)),
    right = mean(lumas(crop, REGIONS.rightHalf));
  const c = {
    forehead: regionColour(crop, REGIONS.forehead),
    noseBridge: regionColour(crop, REGIONS.noseBridge),
    periocular: regionColour(crop, REGIONS.periocular),
    underEye: regionColour(crop, REGIONS.underEye),
    cheekLeft: regionColour(crop, REGIONS.cheekLeft),
    cheekRight: regionColour(crop, REGIONS.cheekRight),
    lowerFace: regionColour(crop, REGIONS.lowerFace),
  };
  // The face's typical lightness: the median over six regions, so one or two covered regions
  // (sunglasses, a mask) do not move it.
  const others = [c.forehead, c.noseBridge, c.underEye, c.cheekLeft, c.cheekRight, c.lowerFace].map((r) => r.lightness);
  const faceLightness = Math.max(1e-3, median(others));
  const aroundMouth = Math.max(
    1e-3,
    median([c.forehead, c.noseBridge, c.periocular, c.underEye, c.cheekLeft, c.cheekRight].map((r) => r.lightness)),
  );
  return {
    brightness: mean(centre),
    highlightLuma: quantile(centre, 0.95),
    lightBalance: Math.min(left, right) / Math.max(1e-6, left, right),
    clipped: centre.filter((v) => v >= 250).length / Math.max(1, centre.length),
    sharpness: laplacianRatio(sharpCrop, REGIONS.centre),
    eyeLightness: c.periocular.lightness / faceLightness,
    lowerSkin: c.lowerFace.skin,
    upperSkin: (c.forehead.skin + c.noseBridge.skin) / 2,
    lowerLightness: c.lowerFace.lightness / aroundMouth,
  };
}
