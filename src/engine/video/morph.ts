/**
 * The Morph transition: a dense correspondence from the start image to the end image (found once
 * per clip, see flow.ts) lets shapes travel while the pictures cross-fade. At eased time s the
 * start image is pushed forward along s * flow and the end image pulled back along (1 - s) * flow,
 * so matching content sits at the same place in both and blends without ghosting.
 */
import type { Affine } from './camera.js';
import { flowBetween, type FlowField } from './flow.js';
import { bilerp, lerpWord, type RgbxImage } from './warp.js';

/** Sub-pixel positions and flow are fixed point with 8 fraction bits; morph time has 10. */
const FRAC = 256;
const TIME = 1024;

/**
 * Bilinear sample of an RGBX image at (x, y) in 1/256 pixels, clamped to the edge, all four
 * channels at once (warp.ts's bilerp).
 */
function sample(s: Uint32Array, sw: number, maxX: number, maxY: number, x: number, y: number): number {
  const fx = x < 0 ? 0 : x > maxX ? maxX : x;
  const fy = y < 0 ? 0 : y > maxY ? maxY : y;
  const x0 = fx >> 8;
  const y0 = fy >> 8;
  const wx = fx & 255;
  const wy = fy & 255;
  const i00 = y0 * sw + x0;
  // At the last column/row the weight of the next texel is 0, so the clamp only guards the index.
  const dx = fx < maxX ? 1 : 0;
  const i10 = fy < maxY ? i00 + sw : i00;
  const p00 = s[i00];
  const p01 = s[i00 + dx];
  const p10 = s[i10];
  const p11 = s[i10 + dx];
  return bilerp(p00, p01, p10, p11, wx, wy);
}

export interface FlowMorph {
  /**
   * Writes the in-between picture at morph time s (0 = start, 1 = end) seen through the camera
   * map m (output pixel -> image pixel), or through the identity when m is null.
   */
  render(s: number, m: Affine | null, out: Uint32Array): void;
}

/**
 * Prepares a morph between two images of the same size. `travel` scales how far shapes move
 * (1: all the way along the correspondence, 0: a plain cross-fade).
 */
export function createFlowMorph(start: RgbxImage, end: RgbxImage, travel: number): FlowMorph {
  const w = start.width;
  const h = start.height;
  // Fixed-point field; the clamp (no real shape travels further) keeps time x flow products
  // (10 + 8 fraction bits) inside 31 bits.
  const limit = Math.min(Math.max(w, h), 4096);
  const fu = new Int32Array(w * h);
  const fv = new Int32Array(w * h);
  if (travel > 0) {
    const flow: FlowField = flowBetween(start, end);
    for (let i = 0; i < fu.length; i++) {
      fu[i] = Math.round(Math.max(-limit, Math.min(limit, flow.u[i] * travel)) * FRAC);
      fv[i] = Math.round(Math.max(-limit, Math.min(limit, flow.v[i] * travel)) * FRAC);
    }
  }
  const a = start.data;
  const b = end.data;
  const maxX = (w - 1) * FRAC;
  const maxY = (h - 1) * FRAC;
  return {
    render(s, m, out) {
      const fwd = Math.round(s * TIME);
      const back = TIME - fwd;
      const wb = Math.round(s * 256);
      if (!m) {
        for (let y = 0, o = 0; y < h; y++) {
          const qy = y << 8;
          for (let x = 0; x < w; x++, o++) {
            const qx = x << 8;
            const du = fu[o];
            const dv = fv[o];
            // Still pixels (where the pictures do not correspond, the field is exactly 0) need no resampling.
            const still = (du | dv) === 0;
            const p = still ? a[o] : sample(a, w, maxX, maxY, qx - ((fwd * du) >> 10), qy - ((fwd * dv) >> 10));
            const q = still ? b[o] : sample(b, w, maxX, maxY, qx + ((back * du) >> 10), qy + ((back * dv) >> 10));
            out[o] = lerpWord(p, q, wb);
          }
        }
        return;
      }
      // Camera map m stepped along each row in 16.16 fixed point, as warp.ts does.
      const stepX = Math.round(m.a * 65536);
      const stepY = Math.round(m.d * 65536);
      for (let y = 0, o = 0; y < h; y++) {
        let sx = Math.round((m.b * y + m.c) * 65536);
        let sy = Math.round((m.e * y + m.f) * 65536);
        for (let x = 0; x < w; x++, o++, sx += stepX, sy += stepY) {
          const qx = sx >> 8;
          const qy = sy >> 8;
          // The field is smooth at pixel scale, so its nearest sample is enough here.
          const nx = qx <= 0 ? 0 : qx >= maxX ? w - 1 : (qx + 128) >> 8;
          const ny = qy <= 0 ? 0 : qy >= maxY ? h - 1 : (qy + 128) >> 8;
          const i = ny * w + nx;
          const du = fu[i];
          const dv = fv[i];
          const p = sample(a, w, maxX, maxY, qx - ((fwd * du) >> 10), qy - ((fwd * dv) >> 10));
          const q = sample(b, w, maxX, maxY, qx + ((back * du) >> 10), qy + ((back * dv) >> 10));
          out[o] = lerpWord(p, q, wb);
        }
      }
    },
  };
}
