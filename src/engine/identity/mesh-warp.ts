/**
 * Piecewise-affine warp on the 468-point face mesh: every triangle of the mesh's triangulation
 * (880 triangles, shipped with @vladmandic/human) maps the reference photo's triangle onto the
 * generated face's, so the output keeps the generated face's pose and outline. Triangles that
 * fold over (opposite winding to the rest of the mesh, in either face: the far side of a turned
 * head) are skipped and reported.
 */
import type { RgbImage } from '../human/image-tensor.js';
import type { Point } from '../face/align.js';

/** Triangles of the mesh's holes (mouth opening, eyes), as fans from each contour's first point. */
const MOUTH_INNER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];
const RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];
const LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249];
export const FEATURE_CONTOURS = { mouth: MOUTH_INNER, rightEye: RIGHT_EYE, leftEye: LEFT_EYE } as const;

/** Fan triangulation of a closed contour (indices into the mesh). */
export function fan(contour: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i + 1 < contour.length; i++) out.push(contour[0], contour[i], contour[i + 1]);
  return out;
}

function signedArea(a: Point, b: Point, c: Point): number {
  return ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2;
}

/**
 * Which triangles fold over in `pts` (winding opposite to the area-weighted majority) or are
 * degenerate (under `minArea` px²), and their share of the mesh's area.
 */
export function foldedTriangles(pts: readonly Point[], tris: ArrayLike<number>, minArea = 0.05): { folded: Uint8Array; share: number } {
  const n = tris.length / 3;
  const areas = new Float64Array(n);
  let net = 0;
  for (let t = 0; t < n; t++) {
    areas[t] = signedArea(pts[tris[t * 3]], pts[tris[t * 3 + 1]], pts[tris[t * 3 + 2]]);
    net += areas[t];
  }
  const sign = Math.sign(net) || 1;
  const folded = new Uint8Array(n);
  let total = 0,
    bad = 0;
  for (let t = 0; t < n; t++) {
    const a = Math.abs(areas[t]);
    total += a;
    if (areas[t] * sign < minArea) {
      folded[t] = 1;
      bad += a;
    }
  }
  return { folded, share: total > 0 ? bad / total : 1 };
}

export interface MeshWarp {
  /** Warped reference, planar-free packed RGB in the output grid. */
  image: RgbImage;
  /** 1 where a triangle drew the pixel. */
  covered: Uint8Array;
}

/**
 * Draws `src` into a width x height grid so that each triangle src[tri] lands on dst[tri]
 * (bilinear sampling, pixel centres). `skip[t]` leaves triangle t out.
 */
export function warpTriangles(
  src: RgbImage,
  srcPts: readonly Point[],
  dstPts: readonly Point[],
  tris: ArrayLike<number>,
  width: number,
  height: number,
  skip?: Uint8Array,
): MeshWarp {
  const out = new Uint8Array(width * height * 3);
  const covered = new Uint8Array(width * height);
  const sw = src.width,
    sh = src.height,
    s = src.data;
  for (let t = 0; t < tris.length / 3; t++) {
    if (skip?.[t]) continue;
    const [a, b, c] = [dstPts[tris[t * 3]], dstPts[tris[t * 3 + 1]], dstPts[tris[t * 3 + 2]]];
    const [sa, sb, sc] = [srcPts[tris[t * 3]], srcPts[tris[t * 3 + 1]], srcPts[tris[t * 3 + 2]]];
    const det = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
    if (Math.abs(det) < 1e-9) continue;
    const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0], c[0]))),
      x1 = Math.min(width - 1, Math.ceil(Math.max(a[0], b[0], c[0])));
    const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1], c[1]))),
      y1 = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1], c[1])));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        // Barycentric coordinates of the pixel centre in the destination triangle.
        const px = x - a[0],
          py = y - a[1];
        const u = (px * (c[1] - a[1]) - (c[0] - a[0]) * py) / det;
        const v = ((b[0] - a[0]) * py - px * (b[1] - a[1])) / det;
        const eps = -1e-6;
        if (u < eps || v < eps || u + v > 1 - eps) continue;
        const o = y * width + x;
        if (covered[o]) continue;
        let fx = sa[0] + u * (sb[0] - sa[0]) + v * (sc[0] - sa[0]);
        let fy = sa[1] + u * (sb[1] - sa[1]) + v * (sc[1] - sa[1]);
        fx = Math.min(Math.max(fx, 0), sw - 1);
        fy = Math.min(Math.max(fy, 0), sh - 1);
        const ix = Math.floor(fx),
          iy = Math.floor(fy);
        const jx = Math.min(ix + 1, sw - 1),
          jy = Math.min(iy + 1, sh - 1);
        const ax = fx - ix,
          ay = fy - iy;
        const i00 = (iy * sw + ix) * 3,
          i01 = (iy * sw + jx) * 3,
          i10 = (jy * sw + ix) * 3,
          i11 = (jy * sw + jx) * 3;
        for (let ch = 0; ch < 3; ch++) {
          const top = s[i00 + ch] + (s[i01 + ch] - s[i00 + ch]) * ax;
          const bot = s[i10 + ch] + (s[i11 + ch] - s[i10 + ch]) * ax;
          out[o * 3 + ch] = Math.round(top + (bot - top) * ay);
        }
        covered[o] = 1;
      }
    }
  }
  return { image: { data: out, width, height }, covered };
}

/** Convex hull (Andrew's monotone chain), counter-clockwise in image coordinates. */
export function convexHull(pts: readonly Point[]): Point[] {
  const p = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [],
    upper: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** 1 inside the polygon (even-odd rule at pixel centres), 0 outside. */
export function fillPolygon(poly: readonly Point[], width: number, height: number): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const xs: number[] = [];
    for (let i = 0; i < poly.length; i++) {
      const [ax, ay] = poly[i],
        [bx, by] = poly[(i + 1) % poly.length];
      if ((ay <= y && by > y) || (by <= y && ay > y)) xs.push(ax + ((y - ay) / (by - ay)) * (bx - ax));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k])),
        to = Math.min(width - 1, Math.floor(xs[k + 1]));
      for (let x = from; x <= to; x++) m[y * width + x] = 1;
    }
  }
  return m;
}
