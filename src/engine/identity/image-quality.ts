/**
 * Measures used to check an identity transfer: which pixels changed, and SSIM (Wang et al.
 * 2004, on luma, 8x8 windows) restricted to windows that lie wholly outside a mask.
 */
import type { RgbImage } from '../human/image-tensor.js';

function lumaPlane(img: RgbImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  return out;
}

/** Mean SSIM over the 8x8 windows (stride 4) that contain no masked pixel; 1 when none differs. */
export function ssimOutside(a: RgbImage, b: RgbImage, mask: Uint8Array): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('ssimOutside: sizes differ');
  const la = lumaPlane(a),
    lb = lumaPlane(b);
  const w = a.width,
    h = a.height,
    c1 = (0.01 * 255) ** 2,
    c2 = (0.03 * 255) ** 2;
  let sum = 0,
    n = 0;
  for (let y = 0; y + 8 <= h; y += 4) {
    for (let x = 0; x + 8 <= w; x += 4) {
      let inside = false,
        ma = 0,
        mb = 0;
      for (let j = 0; j < 8 && !inside; j++) for (let i = 0; i < 8; i++) if (mask[(y + j) * w + x + i]) inside = true;
      if (inside) continue;
      for (let j = 0; j < 8; j++)
        for (let i = 0; i < 8; i++) {
          ma += la[(y + j) * w + x + i];
          mb += lb[(y + j) * w + x + i];
        }
      ma /= 64;
      mb /= 64;
      let va = 0,
        vb = 0,
        cov = 0;
      for (let j = 0; j < 8; j++) {
        for (let i = 0; i < 8; i++) {
          const da = la[(y + j) * w + x + i] - ma,
            db = lb[(y + j) * w + x + i] - mb;
          va += da * da;
          vb += db * db;
          cov += da * db;
        }
      }
      va /= 63;
      vb /= 63;
      cov /= 63;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      n++;
    }
  }
  return n ? sum / n : 1;
}

/** 1 where any channel differs. */
export function changedPixels(a: RgbImage, b: RgbImage): Uint8Array {
  const out = new Uint8Array(a.width * a.height);
  for (let i = 0; i < out.length; i++)
    if (a.data[i * 3] !== b.data[i * 3] || a.data[i * 3 + 1] !== b.data[i * 3 + 1] || a.data[i * 3 + 2] !== b.data[i * 3 + 2]) out[i] = 1;
  return out;
}

/** The mask grown by `r` pixels (square neighbourhood). */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let k = Math.max(0, x - r); k <= Math.min(width - 1, x + r) && !on; k++) on = mask[y * width + k];
      rows[y * width + x] = on;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let k = Math.max(0, y - r); k <= Math.min(height - 1, y + r) && !on; k++) on = rows[k * width + x];
      out[y * width + x] = on;
    }
  }
  return out;
}

/** Mean gradient magnitude of luma (forward differences) over the pixels of `where`. */
export function meanGradient(img: RgbImage, where: Uint8Array): number {
  const w = img.width,
    l = (i: number) => 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  let s = 0,
    n = 0;
  for (let i = 0; i < where.length; i++) {
    if (!where[i] || i % w === w - 1 || i + w >= where.length) continue;
    s += Math.hypot(l(i + 1) - l(i), l(i + w) - l(i));
    n++;
  }
  return n ? s / n : 0;
}

/**
 * How strong the edges are along the border of what changed, in `after` and in `before`: a
 * visible seam shows as `after` well above `before` there. The band is the border pixels of
 * the changed region grown by one pixel.
 */
export function seamGradients(before: RgbImage, after: RgbImage): { after: number; before: number } {
  const changed = changedPixels(before, after);
  const w = before.width;
  const border = new Uint8Array(changed.length);
  for (let i = w; i < changed.length - w; i++) {
    if (changed[i] !== changed[i - 1] || changed[i] !== changed[i + 1] || changed[i] !== changed[i - w] || changed[i] !== changed[i + w])
      border[i] = 1;
  }
  const band = dilate(border, w, before.height, 1);
  return { after: meanGradient(after, band), before: meanGradient(before, band) };
}
