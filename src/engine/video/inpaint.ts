/**
 * Fills the hole a subject leaves in the background by push-pull diffusion: known pixels are
 * averaged down an image pyramid and the averages flow back up into the unknown pixels, so
 * every hole pixel gets a smooth blend of the colours around the hole's border.
 */
import type { RgbxImage } from './warp.js';

interface Level {
  w: number;
  h: number;
  /** Weighted colour sums (3 per pixel) and weights. */
  c: Float32Array;
  wt: Float32Array;
}

function downsample(l: Level): Level {
  const w = Math.ceil(l.w / 2);
  const h = Math.ceil(l.h / 2);
  const c = new Float32Array(w * h * 3);
  const wt = new Float32Array(w * h);
  for (let y = 0; y < l.h; y++) {
    const ty = y >> 1;
    for (let x = 0; x < l.w; x++) {
      const s = y * l.w + x;
      const weight = l.wt[s];
      if (weight === 0) continue;
      const t = ty * w + (x >> 1);
      wt[t] += weight;
      c[t * 3] += l.c[s * 3] * weight;
      c[t * 3 + 1] += l.c[s * 3 + 1] * weight;
      c[t * 3 + 2] += l.c[s * 3 + 2] * weight;
    }
  }
  for (let t = 0; t < w * h; t++) {
    const weight = wt[t];
    if (weight > 0) {
      c[t * 3] /= weight;
      c[t * 3 + 1] /= weight;
      c[t * 3 + 2] /= weight;
    }
    // Clamp like the classic push-pull: a coarse pixel with any support counts as known.
    wt[t] = Math.min(1, weight);
  }
  return { w, h, c, wt };
}

/** Bilinear sample of a (fully filled) level at fine-level pixel (x, y) of a level twice its size. */
function sampleUp(l: Level, x: number, y: number, out: Float32Array): void {
  const fx = Math.min(l.w - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
  const fy = Math.min(l.h - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(l.w - 1, x0 + 1);
  const y1 = Math.min(l.h - 1, y0 + 1);
  const wx = fx - x0;
  const wy = fy - y0;
  for (let ch = 0; ch < 3; ch++) {
    const a = l.c[(y0 * l.w + x0) * 3 + ch];
    const b = l.c[(y0 * l.w + x1) * 3 + ch];
    const c = l.c[(y1 * l.w + x0) * 3 + ch];
    const d = l.c[(y1 * l.w + x1) * 3 + ch];
    out[ch] = (a + (b - a) * wx) * (1 - wy) + (c + (d - c) * wx) * wy;
  }
}

/** Returns a copy of img with every pixel where hole[i] != 0 replaced by the diffused fill. */
export function fillHole(img: RgbxImage, hole: Uint8Array): RgbxImage {
  const n = img.width * img.height;
  const base: Level = { w: img.width, h: img.height, c: new Float32Array(n * 3), wt: new Float32Array(n) };
  let known = 0;
  for (let i = 0; i < n; i++) {
    if (hole[i]) continue;
    const p = img.data[i];
    base.wt[i] = 1;
    base.c[i * 3] = p & 255;
    base.c[i * 3 + 1] = (p >>> 8) & 255;
    base.c[i * 3 + 2] = (p >>> 16) & 255;
    known++;
  }
  const out = new Uint32Array(img.data);
  if (known === 0 || known === n) return { data: out, width: img.width, height: img.height };
  const levels: Level[] = [base];
  while (levels[levels.length - 1].w > 1 || levels[levels.length - 1].h > 1) levels.push(downsample(levels[levels.length - 1]));
  // Pull: fill each level's unknown part from the filled coarser level, coarse to fine.
  const tmp = new Float32Array(3);
  for (let li = levels.length - 2; li >= 0; li--) {
    const l = levels[li];
    const coarse = levels[li + 1];
    for (let y = 0; y < l.h; y++) {
      for (let x = 0; x < l.w; x++) {
        const i = y * l.w + x;
        const wgt = l.wt[i];
        if (wgt >= 1) continue;
        sampleUp(coarse, x, y, tmp);
        for (let ch = 0; ch < 3; ch++) l.c[i * 3 + ch] = l.c[i * 3 + ch] * wgt + tmp[ch] * (1 - wgt);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (!hole[i]) continue;
    const r = Math.round(base.c[i * 3]);
    const g = Math.round(base.c[i * 3 + 1]);
    const b = Math.round(base.c[i * 3 + 2]);
    out[i] = (r | (g << 8) | (b << 16) | 0xff000000) >>> 0;
  }
  return { data: out, width: img.width, height: img.height };
}

/** Square dilation of a binary mask by radius r (separable running distance). */
export function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  const dist = new Int32Array(Math.max(w, h));
  const pass = (get: (i: number) => number, set: (i: number) => void, len: number) => {
    let last = -1e9;
    for (let i = 0; i < len; i++) {
      if (get(i)) last = i;
      dist[i] = i - last;
    }
    last = 1e9;
    for (let i = len - 1; i >= 0; i--) {
      if (get(i)) last = i;
      if (Math.min(dist[i], last - i) <= r) set(i);
    }
  };
  for (let y = 0; y < h; y++)
    pass(
      (x) => mask[y * w + x],
      (x) => (tmp[y * w + x] = 1),
      w,
    );
  for (let x = 0; x < w; x++)
    pass(
      (y) => tmp[y * w + x],
      (y) => (out[y * w + x] = 1),
      h,
    );
  return out;
}
