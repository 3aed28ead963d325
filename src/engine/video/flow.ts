/**
 * Dense optical flow between two stills, for the morph transition. Block matching on the
 * coarsest level of small greyscale pyramids finds large moves; iterative Lucas–Kanade, smoothed
 * after every step, refines them level by level; then motion that does not really explain the
 * second image (failed forward-backward check, little residual removed) is replaced by its
 * surroundings' or fades out. It runs once per clip at a low resolution (a morph needs shapes
 * to travel, not sub-pixel detail at full size) and the field is upsampled bilinearly. Plain
 * float math on typed arrays, no randomness: the same inputs always give the same field.
 */
import type { RgbxImage } from './warp.js';

/** A single-channel float picture (luma 0..255). */
export interface Grey {
  data: Float32Array;
  width: number;
  height: number;
}

/** Per-pixel displacement: pixel (x, y) of the first image shows up at (x + u, y + v) in the second. */
export interface FlowField {
  u: Float32Array;
  v: Float32Array;
  width: number;
  height: number;
}

export interface FlowOptions {
  /** Half-size of the Lucas–Kanade window (pixels at each pyramid level). */
  radius?: number;
  /** Solver iterations on the finest level (each re-warps the second image); coarser levels, which cost next to nothing, get twice as many. */
  iterations?: number;
  /** Half-size of the box smoothing applied to the field after every iteration. */
  smooth?: number;
  /** Coarsest level keeps at least this many pixels on its short side. */
  minLevelSide?: number;
  /** Block-matching search range on the coarsest level, as a fraction of its short side. */
  search?: number;
}

/** Short side the flow is estimated at; finer detail is not worth the time for a morph. */
export const FLOW_SHORT_SIDE = 160;

/**
 * Luma of RGBX words averaged over k x k blocks (area downscale by an integer factor, so block
 * i covers full-size pixels [i k, (i + 1) k)); a trailing partial block is dropped.
 */
export function greyDownscale(img: RgbxImage, k: number): Grey {
  const gw = Math.max(1, Math.floor(img.width / k));
  const gh = Math.max(1, Math.floor(img.height / k));
  const data = new Float32Array(gw * gh);
  const src = img.data;
  const sw = img.width;
  const norm = 1 / (k * k);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let sum = 0;
      for (let y = gy * k; y < gy * k + k; y++) {
        let i = y * sw + gx * k;
        for (let x = 0; x < k; x++, i++) {
          const p = src[i];
          // BT.709 luma in integer weights summing to 256.
          sum += (p & 255) * 54 + ((p >>> 8) & 255) * 183 + ((p >>> 16) & 255) * 19;
        }
      }
      data[gy * gw + gx] = (sum * norm) / 256;
    }
  }
  return { data, width: gw, height: gh };
}

/** Integer downscale factor that brings the short side to at most FLOW_SHORT_SIDE. */
export function flowFactor(width: number, height: number, shortSide = FLOW_SHORT_SIDE): number {
  return Math.max(1, Math.ceil(Math.min(width, height) / shortSide));
}

/** Half-size 2 x 2 box average (floor dimensions). */
function halve(g: Grey): Grey {
  const w = Math.floor(g.width / 2);
  const h = Math.floor(g.height / 2);
  const out = new Float32Array(w * h);
  const s = g.data;
  const sw = g.width;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * sw + 2 * x;
      out[y * w + x] = 0.25 * (s[i] + s[i + 1] + s[i + sw] + s[i + sw + 1]);
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * Box mean over (2r + 1)^2 with the window clipped at the borders, separable running sums.
 * src and dst may be the same array; tmp holds w * h floats.
 */
function boxMean(src: Float32Array, dst: Float32Array, w: number, h: number, r: number, tmp: Float32Array): void {
  if (r <= 0) {
    if (dst !== src) dst.set(src);
    return;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let sum = 0;
    let n = 0;
    for (let x = 0; x < Math.min(r, w); x++, n++) sum += src[row + x];
    for (let x = 0; x < w; x++) {
      const add = x + r;
      if (add < w) {
        sum += src[row + add];
        n++;
      }
      const drop = x - r - 1;
      if (drop >= 0) {
        sum -= src[row + drop];
        n--;
      }
      tmp[row + x] = sum / n;
    }
  }
  for (let x = 0; x < w; x++) {
    let sum = 0;
    let n = 0;
    for (let y = 0; y < Math.min(r, h); y++, n++) sum += tmp[y * w + x];
    for (let y = 0; y < h; y++) {
      const add = y + r;
      if (add < h) {
        sum += tmp[add * w + x];
        n++;
      }
      const drop = y - r - 1;
      if (drop >= 0) {
        sum -= tmp[drop * w + x];
        n--;
      }
      dst[y * w + x] = sum / n;
    }
  }
}

/** Bilinear sample of a grey image, clamped to its edge. */
function sampleGrey(s: Float32Array, w: number, h: number, x: number, y: number): number {
  const fx = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const fy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = x0 < w - 1 ? x0 + 1 : x0;
  const y1 = y0 < h - 1 ? y0 + 1 : y0;
  const ax = fx - x0;
  const ay = fy - y0;
  const top = s[y0 * w + x0] + (s[y0 * w + x1] - s[y0 * w + x0]) * ax;
  const bot = s[y1 * w + x0] + (s[y1 * w + x1] - s[y1 * w + x0]) * ax;
  return top + (bot - top) * ay;
}

/** Central-difference gradients (one-sided at the borders). */
function gradients(s: Float32Array, w: number, h: number, gx: Float32Array, gy: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const up = y > 0 ? y - 1 : y;
    const dn = y < h - 1 ? y + 1 : y;
    const sy = dn - up || 1;
    for (let x = 0; x < w; x++) {
      const lf = x > 0 ? x - 1 : x;
      const rt = x < w - 1 ? x + 1 : x;
      const i = y * w + x;
      gx[i] = (s[y * w + rt] - s[y * w + lf]) / (rt - lf || 1);
      gy[i] = (s[dn * w + x] - s[up * w + x]) / sy;
    }
  }
}

/** Bilinear resize of a field to (w, h) with values multiplied by `scale` (pixel-centre aligned). */
function resizeField(f: Float32Array, fw: number, fh: number, w: number, h: number, scale: number): Float32Array {
  const out = new Float32Array(w * h);
  const rx = fw / w;
  const ry = fh / h;
  for (let y = 0; y < h; y++) {
    const sy = (y + 0.5) * ry - 0.5;
    for (let x = 0; x < w; x++) out[y * w + x] = scale * sampleGrey(f, fw, fh, (x + 0.5) * rx - 0.5, sy);
  }
  return out;
}

/**
 * Exhaustive block matching: for every pixel the displacement within +-range (whole pixels)
 * whose window of mean absolute differences is smallest. Run on the coarsest level it finds
 * moves far larger than the gradient solver's reach; a small cost per pixel of travel makes
 * flat, ambiguous windows prefer staying put.
 */
export function blockMatch(a: Grey, b: Grey, range: number, radius: number): FlowField {
  const { width: w, height: h } = a;
  const n = w * h;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const best = new Float32Array(n).fill(Infinity);
  const cost = new Float32Array(n);
  const tmp = new Float32Array(n);
  // Comparing against pixels outside b costs like a clear mismatch, so windows at the edge
  // do not match the clamped border instead of content.
  const outside = 32;
  const travel = 0.75;
  for (let dy = -range; dy <= range; dy++) {
    for (let dx = -range; dx <= range; dx++) {
      for (let y = 0, i = 0; y < h; y++) {
        const by = y + dy;
        for (let x = 0; x < w; x++, i++) {
          const bx = x + dx;
          cost[i] = bx < 0 || bx >= w || by < 0 || by >= h ? outside : Math.abs(b.data[by * w + bx] - a.data[i]);
        }
      }
      boxMean(cost, cost, w, h, radius, tmp);
      const extra = travel * Math.hypot(dx, dy);
      for (let i = 0; i < n; i++) {
        const c = cost[i] + extra;
        if (c < best[i]) {
          best[i] = c;
          u[i] = dx;
          v[i] = dy;
        }
      }
    }
  }
  return { u, v, width: w, height: h };
}

/**
 * Flow from a to b (same size): b(x + u, y + v) ~ a(x, y). Large shifts are found on the coarse
 * levels, each finer level refines the doubled field; the smoothing after every step fills
 * textureless areas from their neighbours and keeps the field free of tears.
 */
export function estimateFlow(a: Grey, b: Grey, opts: FlowOptions = {}): FlowField {
  if (a.width !== b.width || a.height !== b.height) throw new Error('flow images differ in size');
  const radius = opts.radius ?? 3;
  const iterations = opts.iterations ?? 4;
  const smooth = opts.smooth ?? 2;
  const minSide = opts.minLevelSide ?? 16;
  const search = opts.search ?? 0.3;

  const pa: Grey[] = [a];
  const pb: Grey[] = [b];
  while (Math.min(pa[pa.length - 1].width, pa[pa.length - 1].height) >= 2 * minSide) {
    pa.push(halve(pa[pa.length - 1]));
    pb.push(halve(pb[pb.length - 1]));
  }

  // Large moves are found by search on the coarsest level, then refined level by level.
  const top = pa.length - 1;
  const start = blockMatch(pa[top], pb[top], Math.max(1, Math.round(search * Math.min(pa[top].width, pa[top].height))), 2);
  let u: Float32Array = start.u;
  let v: Float32Array = start.v;
  boxMean(u, u, start.width, start.height, 1, new Float32Array(u.length));
  boxMean(v, v, start.width, start.height, 1, new Float32Array(u.length));
  let fw = start.width;
  let fh = start.height;
  for (let level = pa.length - 1; level >= 0; level--) {
    const A = pa[level];
    const B = pb[level];
    const w = A.width;
    const h = A.height;
    if (fw !== w || fh !== h) {
      // Displacements double with the resolution.
      u = resizeField(u, fw, fh, w, h, w / fw);
      v = resizeField(v, fw, fh, w, h, h / fh);
      fw = w;
      fh = h;
    }
    const n = w * h;
    const ax = new Float32Array(n);
    const ay = new Float32Array(n);
    gradients(A.data, w, h, ax, ay);
    const warped = new Float32Array(n);
    const bx = new Float32Array(n);
    const by = new Float32Array(n);
    const xx = new Float32Array(n);
    const xy = new Float32Array(n);
    const yy = new Float32Array(n);
    const xt = new Float32Array(n);
    const yt = new Float32Array(n);
    const tmp = new Float32Array(n);
    // Tikhonov term: a window with gradients below ~2 grey levels per pixel barely moves the
    // field on its own, so flat areas take their motion from the smoothing instead of noise.
    const lambda = 4;
    for (let it = 0, its = level === 0 ? iterations : 2 * iterations; it < its; it++) {
      for (let y = 0, i = 0; y < h; y++) {
        for (let x = 0; x < w; x++, i++) warped[i] = sampleGrey(B.data, w, h, x + u[i], y + v[i]);
      }
      gradients(warped, w, h, bx, by);
      for (let i = 0; i < n; i++) {
        // Averaged gradients of both images condition the step better than either alone.
        const gx = 0.5 * (ax[i] + bx[i]);
        const gy = 0.5 * (ay[i] + by[i]);
        const gt = warped[i] - A.data[i];
        xx[i] = gx * gx;
        xy[i] = gx * gy;
        yy[i] = gy * gy;
        xt[i] = gx * gt;
        yt[i] = gy * gt;
      }
      boxMean(xx, xx, w, h, radius, tmp);
      boxMean(xy, xy, w, h, radius, tmp);
      boxMean(yy, yy, w, h, radius, tmp);
      boxMean(xt, xt, w, h, radius, tmp);
      boxMean(yt, yt, w, h, radius, tmp);
      for (let i = 0; i < n; i++) {
        const sxx = xx[i] + lambda;
        const syy = yy[i] + lambda;
        const sxy = xy[i];
        const det = sxx * syy - sxy * sxy;
        let du = -(syy * xt[i] - sxy * yt[i]) / det;
        let dv = -(sxx * yt[i] - sxy * xt[i]) / det;
        // The linearisation only holds within about a pixel; larger steps come from coarser levels.
        du = du > 1 ? 1 : du < -1 ? -1 : du;
        dv = dv > 1 ? 1 : dv < -1 ? -1 : dv;
        u[i] += du;
        v[i] += dv;
      }
      boxMean(u, u, w, h, smooth, tmp);
      boxMean(v, v, w, h, smooth, tmp);
    }
  }
  return { u, v, width: fw, height: fh };
}

/**
 * Fills holes in a field from its surroundings (push-pull): weighted averages on ever coarser
 * grids, each level taking the coarser estimate where its own weight is thin. Weights are
 * 0..1; a weight of 1 keeps the pixel's own value.
 */
export function fillField(f: FlowField, weight: Float32Array): FlowField {
  const { width: w, height: h } = f;
  if (w <= 1 && h <= 1) {
    const ok = weight[0] > 0;
    return { u: new Float32Array([ok ? f.u[0] : 0]), v: new Float32Array([ok ? f.v[0] : 0]), width: w, height: h };
  }
  // Pull: 2 x 2 weighted sums (ceil, so no pixel is dropped), weights capped at 1.
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const cu = new Float32Array(cw * ch);
  const cv = new Float32Array(cw * ch);
  const cwt = new Float32Array(cw * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const j = (y >> 1) * cw + (x >> 1);
      cu[j] += weight[i] * f.u[i];
      cv[j] += weight[i] * f.v[i];
      cwt[j] += weight[i];
    }
  }
  for (let j = 0; j < cwt.length; j++) {
    if (cwt[j] > 0) {
      cu[j] /= cwt[j];
      cv[j] /= cwt[j];
    }
    cwt[j] = Math.min(1, cwt[j]);
  }
  const coarse = fillField({ u: cu, v: cv, width: cw, height: ch }, cwt);
  // Push: blend each pixel's own value with the (bilinear) coarser one by its weight.
  const u = new Float32Array(w * h);
  const v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(ch - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(cw - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
      const i = y * w + x;
      const k = weight[i];
      u[i] = k * f.u[i] + (1 - k) * sampleGrey(coarse.u, cw, ch, sx, sy);
      v[i] = k * f.v[i] + (1 - k) * sampleGrey(coarse.v, cw, ch, sx, sy);
    }
  }
  return { u, v, width: w, height: h };
}

/** How well a field explains b from a, per pixel (both images already lightly blurred). */
interface Explained {
  /** 1 where the flow stays inside the frame, so the pixel can be judged. */
  judged: Float32Array;
  /** |b - a| without motion at judged pixels: the difference there is to explain. */
  e0: Float32Array;
  /** 0..1: how much of the local difference warping along the flow removes (0 when unjudged). */
  quality: Float32Array;
}

function explain(
  sa: Float32Array,
  sb: Float32Array,
  w: number,
  h: number,
  f: FlowField,
  back: FlowField | null,
  tmp: Float32Array,
): Explained {
  const n = w * h;
  const judged = new Float32Array(n);
  const e0 = new Float32Array(n);
  const e1 = new Float32Array(n);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const bx = x + f.u[i];
      const by = y + f.v[i];
      if (bx < 0 || bx > w - 1 || by < 0 || by > h - 1) continue;
      judged[i] = 1;
      e0[i] = Math.abs(sb[i] - sa[i]);
      e1[i] = Math.abs(sampleGrey(sb, w, h, bx, by) - sa[i]);
    }
  }
  const q0 = new Float32Array(n);
  const q1 = new Float32Array(n);
  const qj = new Float32Array(n);
  boxMean(e0, q0, w, h, 2, tmp);
  boxMean(e1, q1, w, h, 2, tmp);
  boxMean(judged, qj, w, h, 2, tmp);
  const quality = new Float32Array(n);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!judged[i]) continue;
      // One grey level of slack per pixel: a patch that already matches has nothing to explain.
      const gain = (q0[i] - q1[i]) / (q0[i] + qj[i] + 1e-6);
      const t = Math.min(1, Math.max(0, (gain - 0.5) / 0.3));
      let q = t * t * (3 - 2 * t) * Math.min(1, q0[i] / 4);
      if (back) {
        // A true match maps back onto itself; a spurious one (content that is not in b, or
        // unrelated pictures) rarely does, however well it happens to fit.
        const bu = sampleGrey(back.u, w, h, x + f.u[i], y + f.v[i]);
        const bv = sampleGrey(back.v, w, h, x + f.u[i], y + f.v[i]);
        const c = Math.min(1, Math.max(0, (2 - Math.hypot(f.u[i] + bu, f.v[i] + bv)) / 1.5));
        q *= c * c * (3 - 2 * c);
      }
      quality[i] = q;
    }
  }
  return { judged, e0, quality };
}

/**
 * Keeps the field only where it explains the second image. Where the stills show the same
 * shapes, warping along the flow removes nearly all of their difference; between unrelated
 * pictures the solver still "finds" large swirls that remove little, and those fade to no
 * motion (a cross-fade) instead of tearing the picture. Well-explained motion first replaces
 * the rest (push-pull fill: flat areas and content leaving the frame move with their
 * surroundings); then, judged again, areas where most difference stays unexplained fade out.
 * Pixels carried out of the frame cannot be judged; the picture-wide share stands in for them.
 * `back` is the flow from b to a, for the forward-backward check.
 */
export function dampUnreliable(
  a: Grey,
  b: Grey,
  f: FlowField,
  back: FlowField,
  radius = Math.max(2, Math.round(Math.min(a.width, a.height) / 12)),
): FlowField {
  const { width: w, height: h } = a;
  const n = w * h;
  const tmp = new Float32Array(n);
  // Compared slightly blurred, so pixel noise that no sub-pixel warp reproduces is not held
  // against a true match.
  const sa = new Float32Array(n);
  const sb = new Float32Array(n);
  boxMean(a.data, sa, w, h, 1, tmp);
  boxMean(b.data, sb, w, h, 1, tmp);
  const filled = fillField(f, explain(sa, sb, w, h, f, back, tmp).quality);

  const { e0, quality } = explain(sa, sb, w, h, filled, null, tmp);
  const good = new Float32Array(n);
  let goodSum = 0;
  let evidenceSum = 0;
  for (let i = 0; i < n; i++) {
    good[i] = e0[i] * Math.min(1, quality[i] * 1.5);
    goodSum += good[i];
    evidenceSum += e0[i];
  }
  const overall = evidenceSum > 0 ? goodSum / evidenceSum : 1;
  boxMean(good, good, w, h, radius, tmp);
  boxMean(e0, e0, w, h, radius, tmp);
  // About one pixel's worth of evidence: below it the picture-wide share decides.
  const prior = 4 / ((2 * radius + 1) * (2 * radius + 1));
  for (let i = 0; i < n; i++) {
    const share = (good[i] + prior * overall) / (e0[i] + prior);
    const t = Math.min(1, Math.max(0, (share - 0.25) / 0.35));
    const keep = t * t * (3 - 2 * t);
    filled.u[i] *= keep;
    filled.v[i] *= keep;
  }
  // Seams between kept and faded areas are smoothed out.
  boxMean(filled.u, filled.u, w, h, 2, tmp);
  boxMean(filled.v, filled.v, w, h, 2, tmp);
  return filled;
}

/**
 * The field of a k-times downscaled image (see greyDownscale) at full size (width x height):
 * bilinear between block centres, displacements multiplied by k.
 */
export function upsampleFlow(f: FlowField, k: number, width: number, height: number): FlowField {
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  const off = (k - 1) / 2;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const wxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const gx = Math.min(f.width - 1, Math.max(0, (x - off) / k));
    x0s[x] = Math.floor(gx);
    x1s[x] = Math.min(f.width - 1, x0s[x] + 1);
    wxs[x] = gx - x0s[x];
  }
  for (let y = 0; y < height; y++) {
    const gy = Math.min(f.height - 1, Math.max(0, (y - off) / k));
    const y0 = Math.floor(gy);
    const y1 = Math.min(f.height - 1, y0 + 1);
    const wy = gy - y0;
    const r0 = y0 * f.width;
    const r1 = y1 * f.width;
    for (let x = 0; x < width; x++) {
      const a = x0s[x];
      const b = x1s[x];
      const wx = wxs[x];
      const i = y * width + x;
      const ut = f.u[r0 + a] + (f.u[r0 + b] - f.u[r0 + a]) * wx;
      const ub = f.u[r1 + a] + (f.u[r1 + b] - f.u[r1 + a]) * wx;
      const vt = f.v[r0 + a] + (f.v[r0 + b] - f.v[r0 + a]) * wx;
      const vb = f.v[r1 + a] + (f.v[r1 + b] - f.v[r1 + a]) * wx;
      u[i] = k * (ut + (ub - ut) * wy);
      v[i] = k * (vt + (vb - vt) * wy);
    }
  }
  return { u, v, width, height };
}

/** Full-size flow from image a to image b (both width x height), estimated at a low resolution. */
export function flowBetween(a: RgbxImage, b: RgbxImage, opts: FlowOptions & { shortSide?: number } = {}): FlowField {
  if (a.width !== b.width || a.height !== b.height) throw new Error('flow images differ in size');
  const k = flowFactor(a.width, a.height, opts.shortSide);
  const ga = greyDownscale(a, k);
  const gb = greyDownscale(b, k);
  const forward = estimateFlow(ga, gb, opts);
  const backward = estimateFlow(gb, ga, opts);
  return upsampleFlow(dampUnreliable(ga, gb, forward, backward), k, a.width, a.height);
}
