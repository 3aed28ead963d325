/**
 * Sub-pixel resampling of layers under an affine map (bilinear), the per-frame hot loop.
 * Images are packed RGB (3 bytes) or premultiplied RGBA (4 bytes) in Uint8Arrays.
 */
import type { Affine } from './camera.js';

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A premultiplied RGBA layer and the source rectangle where its alpha is non-zero. */
export interface RgbaLayer {
  data: Uint8Array;
  width: number;
  height: number;
  box: { x0: number; y0: number; x1: number; y1: number };
}

/** Fills dst (dw x dh RGB) by sampling src through m; outside the source the edge pixels repeat. */
export function warpRgb(src: RgbImage, dst: Uint8Array, dw: number, dh: number, m: Affine): void {
  const s = src.data;
  const sw = src.width;
  const sh = src.height;
  const maxX = sw - 1;
  const maxY = sh - 1;
  const stride = sw * 3;
  const { a, b, c, d, e, f } = m;
  let o = 0;
  for (let y = 0; y < dh; y++) {
    let sx = b * y + c;
    let sy = e * y + f;
    for (let x = 0; x < dw; x++, sx += a, sy += d) {
      const fx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      const fy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = fx | 0;
      const y0 = fy | 0;
      const wx = fx - x0;
      const wy = fy - y0;
      const i00 = y0 * stride + x0 * 3;
      const i01 = x0 < maxX ? i00 + 3 : i00;
      const i10 = y0 < maxY ? i00 + stride : i00;
      const i11 = x0 < maxX ? i10 + 3 : i10;
      for (let ch = 0; ch < 3; ch++) {
        const p00 = s[i00 + ch];
        const p10 = s[i10 + ch];
        const top = p00 + (s[i01 + ch] - p00) * wx;
        const bot = p10 + (s[i11 + ch] - p10) * wx;
        dst[o + ch] = (top + (bot - top) * wy + 0.5) | 0;
      }
      o += 3;
    }
  }
}

/** Inverse of an affine map (source -> destination). */
export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  const ia = m.e / det;
  const ib = -m.b / det;
  const id = -m.d / det;
  const ie = m.a / det;
  return { a: ia, b: ib, c: -(ia * m.c + ib * m.f), d: id, e: ie, f: -(id * m.c + ie * m.f) };
}

/** Destination rectangle (clamped to the frame) that a source rectangle lands in under m. */
export function destinationBox(box: RgbaLayer['box'], m: Affine, dw: number, dh: number) {
  const inv = invertAffine(m);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [px, py] of [[box.x0 - 1, box.y0 - 1], [box.x1 + 1, box.y0 - 1], [box.x0 - 1, box.y1 + 1], [box.x1 + 1, box.y1 + 1]]) {
    const x = inv.a * px + inv.b * py + inv.c;
    const y = inv.d * px + inv.e * py + inv.f;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return {
    x0: Math.max(0, Math.floor(x0) - 1),
    y0: Math.max(0, Math.floor(y0) - 1),
    x1: Math.min(dw - 1, Math.ceil(x1) + 1),
    y1: Math.min(dh - 1, Math.ceil(y1) + 1),
  };
}

/**
 * Composites a premultiplied RGBA layer sampled through m over dst (RGB). Outside the
 * source the layer is transparent, so the subject never smears at the frame edge.
 */
export function warpRgbaOver(src: RgbaLayer, dst: Uint8Array, dw: number, dh: number, m: Affine): void {
  const s = src.data;
  const sw = src.width;
  const sh = src.height;
  const stride = sw * 4;
  const { a, b, c, d, e, f } = m;
  const box = destinationBox(src.box, m, dw, dh);
  if (box.x1 < box.x0 || box.y1 < box.y0) return;
  for (let y = box.y0; y <= box.y1; y++) {
    let sx = a * box.x0 + b * y + c;
    let sy = d * box.x0 + e * y + f;
    let o = (y * dw + box.x0) * 3;
    for (let x = box.x0; x <= box.x1; x++, sx += a, sy += d, o += 3) {
      // Texels outside the source count as transparent: sample with a one-pixel apron.
      if (sx <= -1 || sy <= -1 || sx >= sw || sy >= sh) continue;
      const fx0 = Math.floor(sx);
      const fy0 = Math.floor(sy);
      const wx = sx - fx0;
      const wy = sy - fy0;
      const inX0 = fx0 >= 0;
      const inX1 = fx0 + 1 < sw;
      const inY0 = fy0 >= 0;
      const inY1 = fy0 + 1 < sh;
      const base = fy0 * stride + fx0 * 4;
      const w00 = inX0 && inY0 ? (1 - wx) * (1 - wy) : 0;
      const w01 = inX1 && inY0 ? wx * (1 - wy) : 0;
      const w10 = inX0 && inY1 ? (1 - wx) * wy : 0;
      const w11 = inX1 && inY1 ? wx * wy : 0;
      const i00 = base;
      const i01 = base + 4;
      const i10 = base + stride;
      const i11 = base + stride + 4;
      const alpha =
        (w00 && s[i00 + 3] * w00) + (w01 && s[i01 + 3] * w01) + (w10 && s[i10 + 3] * w10) + (w11 && s[i11 + 3] * w11);
      if (alpha < 0.5) continue;
      const keep = 1 - alpha / 255;
      for (let ch = 0; ch < 3; ch++) {
        const v =
          (w00 && s[i00 + ch] * w00) + (w01 && s[i01 + ch] * w01) + (w10 && s[i10 + ch] * w10) + (w11 && s[i11 + ch] * w11);
        const out = v + dst[o + ch] * keep;
        dst[o + ch] = out >= 255 ? 255 : (out + 0.5) | 0;
      }
    }
  }
}

/** dst = a * (1 - t) + b * t, per pixel with one weight for the whole frame. */
export function mixFrames(a: Uint8Array, b: Uint8Array, t: number, dst: Uint8Array): void {
  const wt = Math.round(t * 256);
  const wa = 256 - wt;
  for (let i = 0; i < dst.length; i++) dst[i] = (a[i] * wa + b[i] * wt + 128) >> 8;
}
