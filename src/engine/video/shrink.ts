/** Small RGB copies of a picture for analysis (saliency, segmentation). */
import type { RgbxImage } from './warp.js';

/** Packed 8-bit RGB, 3 bytes per pixel (what the analysis steps read). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Box-average downscale to RGB bytes so the longer side is at most maxSide (never upscales). */
export function shrinkToRgb(img: RgbxImage, maxSide: number): RgbImage {
  const f = Math.max(1, Math.max(img.width, img.height) / maxSide);
  const w = Math.max(1, Math.round(img.width / f));
  const h = Math.max(1, Math.round(img.height / f));
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * img.height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * img.height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * img.width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * img.width) / w));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const p = img.data[yy * img.width + xx];
          r += p & 255;
          g += (p >>> 8) & 255;
          b += (p >>> 16) & 255;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return { data: out, width: w, height: h };
}
