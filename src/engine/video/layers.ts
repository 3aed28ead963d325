/**
 * Splits a still into two depth layers for 2.5D parallax: the subject (premultiplied RGBA
 * cut out with the matte) and the background with the subject's hole filled, so moving the
 * subject reveals plausible background instead of a ghost.
 */
import type { Matte } from './matte.js';
import { dilate, fillHole } from './inpaint.js';
import { padLayer, type PremulLayer, type RgbxImage } from './warp.js';

/** Bilinear resize of a one-channel 8-bit matte. */
export function resizeAlpha(m: Matte, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const sx = m.width / width;
  const sy = m.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(m.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(m.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(m.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(m.width - 1, x0 + 1);
      const wx = fx - x0;
      const top = m.alpha[y0 * m.width + x0] * (1 - wx) + m.alpha[y0 * m.width + x1] * wx;
      const bot = m.alpha[y1 * m.width + x0] * (1 - wx) + m.alpha[y1 * m.width + x1] * wx;
      out[y * width + x] = Math.round(top * (1 - wy) + bot * wy);
    }
  }
  return out;
}

export interface ParallaxLayers {
  background: RgbxImage;
  subject: PremulLayer;
  matteSource: string;
}

export function buildLayers(img: RgbxImage, matte: Matte): ParallaxLayers {
  const { width: w, height: h } = img;
  const alpha = resizeAlpha(matte, w, h);
  const core = new Uint8Array(w * h);
  for (let i = 0; i < core.length; i++) core[i] = alpha[i] > 12 ? 1 : 0;
  // The hole reaches past the soft edge so no subject colour is left behind in the background.
  const hole = dilate(core, w, h, Math.round(0.012 * Math.min(w, h)) + 2);
  const background = fillHole(img, hole);
  const data = new Uint32Array(w * h);
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a = alpha[i];
      if (a === 0) continue;
      const p = img.data[i];
      const r = Math.round(((p & 255) * a) / 255);
      const g = Math.round((((p >>> 8) & 255) * a) / 255);
      const b = Math.round((((p >>> 16) & 255) * a) / 255);
      data[i] = (r | (g << 8) | (b << 16) | (a << 24)) >>> 0;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return { background, subject: padLayer(data, w, h, { x0, y0, x1, y1 }), matteSource: matte.source };
}
