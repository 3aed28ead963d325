import type { RgbImage } from '../human/image-tensor.js';

export type Point = [number, number];

/** 2x3 affine matrix [a, b, c, d, e, f]: x' = a*x + b*y + c, y' = d*x + e*y + f. */
export type Affine = [number, number, number, number, number, number];

/**
 * The five-point template of ArcFace-style recognisers in a 112x112 crop: eye centres (image
 * left, then image right), nose tip, mouth corners (image left, then image right).
 */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * The template for a square crop of `size`: multiples of 112 scale the 112 template; other sizes
 * (the 128 px swapper crop) scale it by size/128 and shift it 8*(size/128) px right, which is how
 * inswapper-style models were trained.
 */
export function faceTemplate(size: number): Point[] {
  if (size % 112 === 0) {
    const r = size / 112;
    return ARCFACE_TEMPLATE_112.map(([x, y]) => [x * r, y * r]);
  }
  const r = size / 128;
  return ARCFACE_TEMPLATE_112.map(([x, y]) => [x * r + 8 * r, y * r]);
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no reflection) taking
 * `src` points onto `dst` — Umeyama's estimator. In 2-D the rotation-and-scale part is one complex
 * number, so the minimiser has a closed form: with centred points s and d,
 * a = sum(s.x*d.x + s.y*d.y) / sum|s|^2 and b = sum(s.x*d.y - s.y*d.x) / sum|s|^2.
 */
export function similarityTransform(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) throw new Error('similarityTransform needs two or more point pairs');
  const n = src.length;
  let sx = 0,
    sy = 0,
    dx = 0,
    dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0];
    sy += src[i][1];
    dx += dst[i][0];
    dy += dst[i][1];
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  let num1 = 0,
    num2 = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i][0] - sx,
      py = src[i][1] - sy;
    const qx = dst[i][0] - dx,
      qy = dst[i][1] - dy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den < 1e-12) throw new Error('similarityTransform: source points coincide');
  const a = num1 / den;
  const b = num2 / den;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (Math.abs(det) < 1e-12) throw new Error('affine transform is not invertible');
  const ia = m[4] / det,
    ib = -m[1] / det,
    id = -m[3] / det,
    ie = m[0] / det;
  return [ia, ib, -(ia * m[2] + ib * m[5]), id, ie, -(id * m[2] + ie * m[5])];
}

/** Uniform scale of a similarity transform. */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * Warps `src` into a width x height image with the forward transform `m` (source -> output),
 * sampling bilinearly. Pixels that map outside the source are black ('constant') or take the
 * nearest edge pixel ('replicate').
 */
export function warpAffine(
  src: RgbImage,
  m: Affine,
  width: number,
  height: number,
  border: 'constant' | 'replicate' = 'constant',
): RgbImage {
  const inv = invertAffine(m);
  const out = new Uint8Array(width * height * 3);
  const sw = src.width,
    sh = src.height,
    s = src.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let fx = inv[0] * x + inv[1] * y + inv[2];
      let fy = inv[3] * x + inv[4] * y + inv[5];
      const o = (y * width + x) * 3;
      if (border === 'constant' && (fx < -0.5 || fy < -0.5 || fx > sw - 0.5 || fy > sh - 0.5)) continue;
      fx = Math.min(Math.max(fx, 0), sw - 1);
      fy = Math.min(Math.max(fy, 0), sh - 1);
      const x0 = Math.floor(fx),
        y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, sw - 1),
        y1 = Math.min(y0 + 1, sh - 1);
      const ax = fx - x0,
        ay = fy - y0;
      const i00 = (y0 * sw + x0) * 3,
        i01 = (y0 * sw + x1) * 3,
        i10 = (y1 * sw + x0) * 3,
        i11 = (y1 * sw + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const top = s[i00 + c] + (s[i01 + c] - s[i00 + c]) * ax;
        const bottom = s[i10 + c] + (s[i11 + c] - s[i10 + c]) * ax;
        out[o + c] = Math.round(top + (bottom - top) * ay);
      }
    }
  }
  return { data: out, width, height };
}

/** Aligns a face given its five points to a square crop of `size` on the canonical template. */
export function alignFace(src: RgbImage, fivePoints: readonly Point[], size: number): { crop: RgbImage; matrix: Affine } {
  const matrix = similarityTransform(fivePoints, faceTemplate(size));
  return { crop: warpAffine(src, matrix, size, size), matrix };
}
