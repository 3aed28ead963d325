import type { RgbImage } from '../../human/image-tensor.js';
import { applyAffine, invertAffine, type Affine } from '../align.js';
import { labToRgb, rgbToLab } from '../colour.js';

/**
 * Blend weight of the swapped face at a point of the S x S swap crop: an ellipse over the face
 * (brow to chin, cheek to cheek on the 128 px template: centre (64, 70), radii 34 x 46) that is
 * 1 inside and fades to 0 over its outer quarter, so the seam never shows and hair, ears and
 * background keep the generated pixels.
 */
export function faceMaskWeight(u: number, v: number, size: number): number {
  const s = size / 128;
  const dx = (u - 64 * s) / (34 * s);
  const dy = (v - 70 * s) / (46 * s);
  const d = Math.sqrt(dx * dx + dy * dy);
  const feather = 0.25;
  if (d >= 1) return 0;
  if (d <= 1 - feather) return 1;
  const t = (1 - d) / feather;
  return t * t * (3 - 2 * t); // smoothstep
}

/**
 * Re-tones the swapped face to the generated one: per-channel mean and standard deviation in
 * CIELAB, measured inside the mask core, are moved to the target's, so the swapped face keeps
 * the scene's light and colour cast.
 */
export function matchColours(swapped: RgbImage, target: RgbImage): RgbImage {
  const n = swapped.width * swapped.height;
  const sLab = new Float32Array(n * 3), tLab = new Float32Array(n * 3);
  const sum = [0, 0, 0, 0, 0, 0], sq = [0, 0, 0, 0, 0, 0];
  let count = 0;
  for (let i = 0; i < n; i++) {
    rgbToLab(swapped.data[i * 3], swapped.data[i * 3 + 1], swapped.data[i * 3 + 2], sLab, i * 3);
    rgbToLab(target.data[i * 3], target.data[i * 3 + 1], target.data[i * 3 + 2], tLab, i * 3);
    const u = i % swapped.width, v = Math.floor(i / swapped.width);
    if (faceMaskWeight(u, v, swapped.width) < 0.99) continue;
    count++;
    for (let c = 0; c < 3; c++) {
      sum[c] += sLab[i * 3 + c]; sq[c] += sLab[i * 3 + c] ** 2;
      sum[3 + c] += tLab[i * 3 + c]; sq[3 + c] += tLab[i * 3 + c] ** 2;
    }
  }
  if (count < 16) return swapped;
  const mean = sum.map((v) => v / count);
  const std = sq.map((v, k) => Math.sqrt(Math.max(1e-6, v / count - mean[k] ** 2)));
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const lab = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      // A bounded gain keeps a near-flat swapped channel from being stretched into noise.
      const gain = Math.min(2, Math.max(0.5, std[3 + c] / std[c]));
      lab[c] = (sLab[i * 3 + c] - mean[c]) * gain + mean[3 + c];
    }
    labToRgb(lab[0], lab[1], lab[2], out, i * 3);
  }
  return { data: out, width: swapped.width, height: swapped.height };
}

/**
 * Pastes the swapped S x S face back into `out` (in place) through the inverse of the alignment
 * transform `toCrop` (image -> crop), weighted by the feathered mask times `strength`. Pixels
 * outside the mask are not touched.
 */
export function pasteFace(out: RgbImage, swapped: RgbImage, toCrop: Affine, strength: number): void {
  const size = swapped.width;
  const toImage = invertAffine(toCrop);
  const corners = [[0, 0], [size, 0], [0, size], [size, size]].map(([u, v]) => applyAffine(toImage, [u, v]));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
  const x1 = Math.min(out.width - 1, Math.ceil(Math.max(...corners.map((c) => c[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
  const y1 = Math.min(out.height - 1, Math.ceil(Math.max(...corners.map((c) => c[1]))));
  const s = swapped.data;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const u = toCrop[0] * x + toCrop[1] * y + toCrop[2];
      const v = toCrop[3] * x + toCrop[4] * y + toCrop[5];
      if (u < 0 || v < 0 || u > size - 1 || v > size - 1) continue;
      const a = faceMaskWeight(u, v, size) * strength;
      if (a <= 0) continue;
      const u0 = Math.floor(u), v0 = Math.floor(v);
      const u1 = Math.min(u0 + 1, size - 1), v1 = Math.min(v0 + 1, size - 1);
      const fu = u - u0, fv = v - v0;
      const o = (y * out.width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = s[(v0 * size + u0) * 3 + c] * (1 - fu) + s[(v0 * size + u1) * 3 + c] * fu;
        const bottom = s[(v1 * size + u0) * 3 + c] * (1 - fu) + s[(v1 * size + u1) * 3 + c] * fu;
        const value = top * (1 - fv) + bottom * fv;
        out.data[o + c] = Math.round(out.data[o + c] + (value - out.data[o + c]) * a);
      }
    }
  }
}
