/**
 * Sub-pixel resampling of layers under an affine map (bilinear), the per-frame hot loop.
 * Pixels are packed little-endian 32-bit words, bytes R, G, B, X/A in memory (ffmpeg "rgb0"),
 * so one load fetches a texel and two "SIMD within a register" lerps blend four channels.
 */
import type { Affine } from './camera.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('the DoP renderer packs pixels little-endian; this platform is big-endian');
}

/** Opaque picture: word = R | G << 8 | B << 16 | 255 << 24. */
export interface RgbxImage {
  data: Uint32Array;
  width: number;
  height: number;
}

/**
 * Premultiplied RGBA layer of width x height, stored with a one-pixel transparent border
 * ((width + 2) x (height + 2) words, pixel (x, y) at index (y + 1) * (width + 2) + x + 1), so
 * sampling past its edge fades to transparent without per-texel bounds checks.
 * `box` is the rectangle (unpadded coordinates) where alpha is non-zero.
 */
export interface PremulLayer {
  data: Uint32Array;
  width: number;
  height: number;
  box: { x0: number; y0: number; x1: number; y1: number };
}

/** Lanes 0 and 2 (R, B) of a word; (w >>> 8) & LANES gives lanes 1 and 3 (G, A). */
const LANES = 0x00ff00ff;
/** Half a level in each 16-bit lane, so lerps round instead of truncating. */
const HALF = 0x00800080;
/** 16.16 fixed point for source coordinates; the identity map stays exact. */
const ONE = 65536;

/** Lerp of two words with weights (256 - w, w), w in 0..256, all four channels at once. */
/**
 * Bilinear blend of four neighbouring words with 8-bit weights (wx, wy in 0..255 toward p01/p10),
 * two 16-bit lanes per multiply. Small enough for V8 to inline into every sampling loop.
 */
export function bilerp(p00: number, p01: number, p10: number, p11: number, wx: number, wy: number): number {
  const ax = 256 - wx;
  const ay = 256 - wy;
  const trb = (((p00 & LANES) * ax + (p01 & LANES) * wx + HALF) >>> 8) & LANES;
  const tga = ((((p00 >>> 8) & LANES) * ax + ((p01 >>> 8) & LANES) * wx + HALF) >>> 8) & LANES;
  const brb = (((p10 & LANES) * ax + (p11 & LANES) * wx + HALF) >>> 8) & LANES;
  const bga = ((((p10 >>> 8) & LANES) * ax + ((p11 >>> 8) & LANES) * wx + HALF) >>> 8) & LANES;
  const rb = ((trb * ay + brb * wy + HALF) >>> 8) & LANES;
  const ga = ((tga * ay + bga * wy + HALF) >>> 8) & LANES;
  return rb | (ga << 8);
}

export function lerpWord(p: number, q: number, w: number): number {
  const iw = 256 - w;
  const rb = ((((p & LANES) * iw + (q & LANES) * w + HALF) >>> 8) & LANES) >>> 0;
  const ga = (((((p >>> 8) & LANES) * iw + ((q >>> 8) & LANES) * w + HALF) >>> 8) & LANES) >>> 0;
  return (rb | (ga << 8)) >>> 0;
}

/** Packs RGB bytes into opaque words. */
export function rgbToRgbx(rgb: Uint8Array, width: number, height: number): RgbxImage {
  const data = new Uint32Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += 3) data[i] = (rgb[j] | (rgb[j + 1] << 8) | (rgb[j + 2] << 16) | 0xff000000) >>> 0;
  return { data, width, height };
}

/** Unpacks words into RGB bytes. */
export function rgbxToRgb(img: RgbxImage): Uint8Array {
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < img.data.length; i++, j += 3) {
    const p = img.data[i];
    out[j] = p & 255;
    out[j + 1] = (p >>> 8) & 255;
    out[j + 2] = (p >>> 16) & 255;
  }
  return out;
}

/** Fills dst (dw x dh words) by sampling src through m; outside the source the edge pixels repeat. */
export function warpRgbx(src: RgbxImage, dst: Uint32Array, dw: number, dh: number, m: Affine): void {
  const s = src.data;
  const sw = src.width;
  const sh = src.height;
  const maxX = (sw - 1) * ONE;
  const maxY = (sh - 1) * ONE;
  const lastX = sw - 1;
  const lastY = sh - 1;
  const stepX = Math.round(m.a * ONE);
  const stepY = Math.round(m.d * ONE);
  if (stepY === 0 && m.b === 0) return warpRgbxRows(src, dst, dw, dh, m, stepX);
  let o = 0;
  for (let y = 0; y < dh; y++) {
    let sx = Math.round((m.b * y + m.c) * ONE);
    let sy = Math.round((m.e * y + m.f) * ONE);
    for (let x = 0; x < dw; x++, sx += stepX, sy += stepY, o++) {
      const fx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      const fy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = fx >> 16;
      const y0 = fy >> 16;
      const wx = (fx >> 8) & 255;
      const wy = (fy >> 8) & 255;
      const i00 = y0 * sw + x0;
      const dx = x0 < lastX ? 1 : 0;
      const i10 = y0 < lastY ? i00 + sw : i00;
      const p00 = s[i00];
      const p01 = s[i00 + dx];
      const p10 = s[i10];
      const p11 = s[i10 + dx];
      dst[o] = bilerp(p00, p01, p10, p11, wx, wy);
    }
  }
}

/** warpRgbx without rotation: the source rows and vertical weight are fixed along each output row. */
function warpRgbxRows(src: RgbxImage, dst: Uint32Array, dw: number, dh: number, m: Affine, stepX: number): void {
  const s = src.data;
  const sw = src.width;
  const maxX = (sw - 1) * ONE;
  const maxY = (src.height - 1) * ONE;
  const lastX = sw - 1;
  const lastY = src.height - 1;
  let o = 0;
  for (let y = 0; y < dh; y++) {
    const syRaw = Math.round((m.e * y + m.f) * ONE);
    const fy = syRaw < 0 ? 0 : syRaw > maxY ? maxY : syRaw;
    const y0 = fy >> 16;
    const wy = (fy >> 8) & 255;
    const row0 = y0 * sw;
    const row1 = y0 < lastY ? row0 + sw : row0;
    let sx = Math.round(m.c * ONE);
    for (let x = 0; x < dw; x++, sx += stepX, o++) {
      const fx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      const x0 = fx >> 16;
      const wx = (fx >> 8) & 255;
      const dx = x0 < lastX ? 1 : 0;
      const p00 = s[row0 + x0];
      const p01 = s[row0 + x0 + dx];
      const p10 = s[row1 + x0];
      const p11 = s[row1 + x0 + dx];
      dst[o] = bilerp(p00, p01, p10, p11, wx, wy);
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
export function destinationBox(box: PremulLayer['box'], m: Affine, dw: number, dh: number) {
  const inv = invertAffine(m);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [px, py] of [
    [box.x0 - 1, box.y0 - 1],
    [box.x1 + 1, box.y0 - 1],
    [box.x0 - 1, box.y1 + 1],
    [box.x1 + 1, box.y1 + 1],
  ]) {
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
 * Composites a premultiplied layer sampled through m over dst. Outside the source the layer
 * is transparent (its border), so the subject never smears at the frame edge.
 */
export function warpPremulOver(src: PremulLayer, dst: Uint32Array, dw: number, dh: number, m: Affine): void {
  const s = src.data;
  const pw = src.width + 2;
  const box = destinationBox(src.box, m, dw, dh);
  if (box.x1 < box.x0 || box.y1 < box.y0) return;
  const stepX = Math.round(m.a * ONE);
  const stepY = Math.round(m.d * ONE);
  // Padded coordinates: the transparent border spans [0, 1) and (width, width + 1].
  const maxX = (src.width + 1) * ONE;
  const maxY = (src.height + 1) * ONE;
  for (let y = box.y0; y <= box.y1; y++) {
    let sx = Math.round((m.a * box.x0 + m.b * y + m.c) * ONE) + ONE;
    let sy = Math.round((m.d * box.x0 + m.e * y + m.f) * ONE) + ONE;
    let o = y * dw + box.x0;
    for (let x = box.x0; x <= box.x1; x++, sx += stepX, sy += stepY, o++) {
      const fx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      const fy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = fx >> 16;
      const y0 = fy >> 16;
      const i00 = y0 * pw + x0;
      const dx = fx < maxX ? 1 : 0;
      const i10 = fy < maxY ? i00 + pw : i00;
      const p00 = s[i00];
      const p01 = s[i00 + dx];
      const p10 = s[i10];
      const p11 = s[i10 + dx];
      if ((p00 | p01 | p10 | p11) === 0) continue;
      const wx = (fx >> 8) & 255;
      const wy = (fy >> 8) & 255;
      const w = bilerp(p00, p01, p10, p11, wx, wy);
      const alpha = w >>> 24;
      if (alpha === 0) continue;
      if (alpha === 255) {
        dst[o] = w >>> 0;
        continue;
      }
      const rb = w & LANES;
      const ga = (w >>> 8) & LANES;
      // over: fg + bg * (1 - a); truncating the background keeps every lane within 255.
      const keep = 256 - (alpha + (alpha >> 7));
      const d = dst[o];
      const drb = (((d & LANES) * keep) >>> 8) & LANES;
      const dg = ((((d >>> 8) & 0xff) * keep) >>> 8) & 0xff;
      const r = Math.min(255, (rb & 0xff) + (drb & 0xff));
      const b = Math.min(255, (rb >>> 16) + (drb >>> 16));
      const g = Math.min(255, (ga & 0xff) + dg);
      dst[o] = (r | (g << 8) | (b << 16) | 0xff000000) >>> 0;
    }
  }
}

/** Copies premultiplied pixels (width x height words) into a padded layer. */
export function padLayer(pixels: Uint32Array, width: number, height: number, box: PremulLayer['box']): PremulLayer {
  const pw = width + 2;
  const data = new Uint32Array(pw * (height + 2));
  for (let y = 0; y < height; y++) data.set(pixels.subarray(y * width, (y + 1) * width), (y + 1) * pw + 1);
  return { data, width, height, box };
}

/** dst = a * (1 - t) + b * t, one weight for the whole frame. */
export function mixFrames(a: Uint32Array, b: Uint32Array, t: number, dst: Uint32Array): void {
  const w = Math.round(t * 256);
  for (let i = 0; i < dst.length; i++) dst[i] = lerpWord(a[i], b[i], w);
}
