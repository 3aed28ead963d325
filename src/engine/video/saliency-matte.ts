/**
 * A subject matte from image statistics alone: pixels whose colour is far from every colour
 * on the image border (the likely background), weighted towards the centre, thresholded
 * (Otsu), reduced to the strongest connected region with its holes filled, and feathered.
 */
import type { Matte } from './matte-types.js';
import { shrinkToRgb, type RgbImage } from './shrink.js';
import type { RgbxImage } from './warp.js';

const WORK_SIDE = 96;

function srgbToLinear(v: number): number {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** CIE L*a*b* (D65) per pixel, 3 floats each. */
function toLab(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  for (let i = 0; i < n; i++) {
    const r = srgbToLinear(img.data[i * 3]);
    const g = srgbToLinear(img.data[i * 3 + 1]);
    const b = srgbToLinear(img.data[i * 3 + 2]);
    const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    const fx = f(x);
    const fy = f(y);
    const fz = f(z);
    out[i * 3] = 116 * fy - 16;
    out[i * 3 + 1] = 500 * (fx - fy);
    out[i * 3 + 2] = 200 * (fy - fz);
  }
  return out;
}

/** k-means on a few colours, deterministic start (evenly spaced samples). */
function kmeans(samples: Float32Array, k: number, iterations: number): Float32Array {
  const n = samples.length / 3;
  const centres = new Float32Array(k * 3);
  for (let c = 0; c < k; c++) {
    const s = Math.floor(((c + 0.5) * n) / k);
    centres.set(samples.subarray(s * 3, s * 3 + 3), c * 3);
  }
  const sums = new Float64Array(k * 4);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const c = nearest(samples, i, centres, k).index;
      sums[c * 4] += samples[i * 3];
      sums[c * 4 + 1] += samples[i * 3 + 1];
      sums[c * 4 + 2] += samples[i * 3 + 2];
      sums[c * 4 + 3] += 1;
    }
    for (let c = 0; c < k; c++) {
      const m = sums[c * 4 + 3];
      if (m === 0) continue;
      centres[c * 3] = sums[c * 4] / m;
      centres[c * 3 + 1] = sums[c * 4 + 1] / m;
      centres[c * 3 + 2] = sums[c * 4 + 2] / m;
    }
  }
  return centres;
}

function nearest(px: Float32Array, i: number, centres: Float32Array, k: number): { index: number; dist: number } {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < k; c++) {
    const dl = px[i * 3] - centres[c * 3];
    const da = px[i * 3 + 1] - centres[c * 3 + 1];
    const db = px[i * 3 + 2] - centres[c * 3 + 2];
    const d = dl * dl + da * da + db * db;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return { index: best, dist: Math.sqrt(bestD) };
}

/** 3x3 box blur, edges clamped. */
function blur3(src: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = Math.min(h - 1, Math.max(0, y + dy));
        for (let dx = -1; dx <= 1; dx++) s += src[yy * w + Math.min(w - 1, Math.max(0, x + dx))];
      }
      out[y * w + x] = s / 9;
    }
  }
  return out;
}

/** Otsu's threshold of values in [0, 1]. */
export function otsuThreshold(values: Float32Array): number {
  const bins = 64;
  const hist = new Float64Array(bins);
  for (const v of values) hist[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < bins; i++) sumAll += i * hist[i];
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let bestT = 0.5;
  for (let i = 0; i < bins; i++) {
    wB += hist[i];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += i * hist[i];
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      bestT = (i + 1) / bins;
    }
  }
  return bestT;
}

/** Labels 4-connected regions of mask; returns the label image and the region count. */
function labelRegions(mask: Uint8Array, w: number, h: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(w * h).fill(-1);
  const stack: number[] = [];
  let count = 0;
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || labels[s] >= 0) continue;
    labels[s] = count;
    stack.push(s);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w;
      const y = (p - x) / w;
      const next = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1];
      for (const q of next) {
        if (q >= 0 && mask[q] && labels[q] < 0) {
          labels[q] = count;
          stack.push(q);
        }
      }
    }
    count++;
  }
  return { labels, count };
}

/** Marks background pixels not reachable from the border as subject (fills holes). */
function fillHoles(mask: Uint8Array, w: number, h: number): void {
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < w; x++) {
    seed(x);
    seed((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    seed(y * w);
    seed(y * w + w - 1);
  }
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % w;
    const y = (p - x) / w;
    if (x > 0) seed(p - 1);
    if (x < w - 1) seed(p + 1);
    if (y > 0) seed(p - w);
    if (y < h - 1) seed(p + w);
  }
  for (let i = 0; i < mask.length; i++) if (!outside[i]) mask[i] = 1;
}

/** Pixel-level saliency map in [0, 1] at a small working size. */
export function saliencyMap(image: RgbxImage): { map: Float32Array; width: number; height: number } {
  const small = shrinkToRgb(image, WORK_SIDE);
  const { width: w, height: h } = small;
  const lab = toLab(small);
  const band = Math.max(2, Math.round(0.06 * Math.min(w, h)));
  const border: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < band || y < band || x >= w - band || y >= h - band) border.push(y * w + x);
    }
  }
  const samples = new Float32Array(border.length * 3);
  border.forEach((p, i) => samples.set(lab.subarray(p * 3, p * 3 + 3), i * 3));
  const k = 6;
  const centres = kmeans(samples, k, 8);
  const dist = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) dist[i] = nearest(lab, i, centres, k).dist;
  // Normalise by a high percentile so one outlier pixel does not flatten the map.
  const sorted = Float32Array.from(dist).sort();
  const scale = Math.max(8, sorted[Math.floor(sorted.length * 0.95)]);
  const map = new Float32Array(w * h);
  const sx = 0.3 * w;
  const sy = 0.34 * h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = (x + 0.5 - 0.5 * w) / sx;
      const dy = (y + 0.5 - 0.55 * h) / sy;
      const prior = Math.exp(-0.5 * (dx * dx + dy * dy));
      map[y * w + x] = Math.min(1, dist[y * w + x] / scale) * (0.3 + 0.7 * prior);
    }
  }
  return { map: blur3(blur3(map, w, h), w, h), width: w, height: h };
}

/** The matte, or null when no region stands out clearly from the background. */
export function saliencyMatte(image: RgbxImage): Matte | null {
  const { map, width: w, height: h } = saliencyMap(image);
  const t = otsuThreshold(map);
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = map[i] > t ? 1 : 0;
  const { labels, count } = labelRegions(mask, w, h);
  if (count === 0) return null;
  const mass = new Float64Array(count);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) mass[labels[i]] += map[i];
  let best = 0;
  for (let c = 1; c < count; c++) if (mass[c] > mass[best]) best = c;
  for (let i = 0; i < mask.length; i++) mask[i] = labels[i] === best ? 1 : 0;
  fillHoles(mask, w, h);
  // A subject must stand out: its mean saliency well above the rest of the frame.
  let inS = 0;
  let inN = 0;
  let outS = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      inS += map[i];
      inN++;
    } else outS += map[i];
  }
  const outN = mask.length - inN;
  if (inN === 0 || outN === 0 || inS / inN < 2 * (outS / outN) + 0.05) return null;
  const soft = blur3(new Float32Array(mask), w, h);
  const alpha = new Uint8Array(w * h);
  for (let i = 0; i < alpha.length; i++) alpha[i] = Math.round(soft[i] * 255);
  return { alpha, width: w, height: h, source: 'saliency' };
}
