/**
 * Colour and light matching of a warped reference face to the generated face it replaces, on
 * planar CIELAB floats: each channel's mean and spread inside the face become the target's
 * (Reinhard transfer), then the lightness keeps the source's detail but takes the target's
 * low-frequency shading, so the light of the generated scene stays on the new face.
 */
import type { RgbImage } from '../human/image-tensor.js';
import { labToRgb, rgbToLab } from '../face/colour.js';

/** Planar L, a, b (each width*height). */
export interface LabPlanes {
  width: number;
  height: number;
  c: [Float32Array, Float32Array, Float32Array];
}

/** Spread is never scaled by more than this (or less than its inverse): a flat source stays plausible. */
const MAX_SPREAD_RATIO = 2;

export function toLab(img: RgbImage): LabPlanes {
  const n = img.width * img.height;
  const c: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const px = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    rgbToLab(img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2], px);
    c[0][i] = px[0];
    c[1][i] = px[1];
    c[2][i] = px[2];
  }
  return { width: img.width, height: img.height, c };
}

export function fromLab(lab: LabPlanes): RgbImage {
  const n = lab.width * lab.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) labToRgb(Math.min(100, Math.max(0, lab.c[0][i])), lab.c[1][i], lab.c[2][i], data, i * 3);
  return { data, width: lab.width, height: lab.height };
}

function stats(plane: Float32Array, weight: Float32Array): { mean: number; sd: number } | null {
  let w = 0,
    s = 0,
    sq = 0;
  for (let i = 0; i < plane.length; i++) {
    const k = weight[i];
    if (k <= 0) continue;
    w += k;
    s += k * plane[i];
    sq += k * plane[i] * plane[i];
  }
  if (w <= 1e-6) return null;
  const mean = s / w;
  return { mean, sd: Math.sqrt(Math.max(0, sq / w - mean * mean)) };
}

/** Reinhard transfer in place: the source's weighted mean/std per channel become the target's. */
export function matchLabStats(source: LabPlanes, target: LabPlanes, weight: Float32Array): void {
  for (let ch = 0; ch < 3; ch++) {
    const s = stats(source.c[ch], weight),
      t = stats(target.c[ch], weight);
    if (!s || !t) continue;
    const gain = s.sd < 1e-3 ? 1 : Math.min(MAX_SPREAD_RATIO, Math.max(1 / MAX_SPREAD_RATIO, t.sd / s.sd));
    const plane = source.c[ch];
    for (let i = 0; i < plane.length; i++) plane[i] = (plane[i] - s.mean) * gain + t.mean;
  }
}

/** One box-blur pass of radius r along rows then columns, on weighted values (running sums). */
function boxPass(v: Float32Array, width: number, height: number, r: number): Float32Array {
  const tmp = new Float32Array(v.length);
  const out = new Float32Array(v.length);
  for (let y = 0; y < height; y++) {
    let acc = 0;
    const row = y * width;
    for (let x = -r; x <= r; x++) acc += v[row + Math.min(width - 1, Math.max(0, x))];
    for (let x = 0; x < width; x++) {
      tmp[row + x] = acc / (2 * r + 1);
      acc += v[row + Math.min(width - 1, x + r + 1)] - v[row + Math.max(0, x - r)];
    }
  }
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let y = -r; y <= r; y++) acc += tmp[Math.min(height - 1, Math.max(0, y)) * width + x];
    for (let y = 0; y < height; y++) {
      out[y * width + x] = acc / (2 * r + 1);
      acc += tmp[Math.min(height - 1, y + r + 1) * width + x] - tmp[Math.max(0, y - r) * width + x];
    }
  }
  return out;
}

/** Box blur of radius r, repeated three times (close to a Gaussian of sigma ~ r). */
export function boxBlur(v: Float32Array, width: number, height: number, r: number): Float32Array {
  if (r < 1) return Float32Array.from(v);
  return boxPass(boxPass(boxPass(v, width, height, r), width, height, r), width, height, r);
}

/** Blur of `plane` that only averages where `weight` > 0 (normalised convolution). */
export function maskedBlur(plane: Float32Array, weight: Float32Array, width: number, height: number, r: number): Float32Array {
  const wv = new Float32Array(plane.length);
  for (let i = 0; i < plane.length; i++) wv[i] = plane[i] * weight[i];
  const num = boxBlur(wv, width, height, r);
  const den = boxBlur(weight, width, height, r);
  for (let i = 0; i < num.length; i++) num[i] = den[i] > 1e-4 ? num[i] / den[i] : plane[i];
  return num;
}

/**
 * The source's detail with the target's low frequencies: per channel c, S += k_c (blur(T) -
 * blur(S)), both blurs restricted to `weight` (the face), applied where weight > 0. `k` gives
 * the share for lightness and for the two chroma channels.
 */
export function shadeLikeTarget(
  source: LabPlanes,
  target: LabPlanes,
  weight: Float32Array,
  radius: number,
  k: { lightness: number; chroma: number },
): void {
  for (let ch = 0; ch < 3; ch++) {
    const share = ch === 0 ? k.lightness : k.chroma;
    if (share <= 0) continue;
    const s = source.c[ch];
    const bs = maskedBlur(s, weight, source.width, source.height, radius);
    const bt = maskedBlur(target.c[ch], weight, source.width, source.height, radius);
    for (let i = 0; i < s.length; i++) if (weight[i] > 0) s[i] += share * (bt[i] - bs[i]);
  }
}
