/**
 * Drifting fog: two octaves of periodic value noise scrolled at different speeds, evaluated on
 * a coarse grid each frame and blended over the picture in a colour taken from the scene.
 */
import { streamFor } from '../prng.js';
import type { EffectContext, FrameEffect } from './types.js';

const CELL = 8; // output pixels per fog grid step

/** Periodic value noise on a gx x gy lattice, smooth (cubic) interpolation. */
function valueNoise(rng: () => number, gx: number, gy: number): (u: number, v: number) => number {
  const lattice = new Float32Array(gx * gy);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng();
  const s = (t: number) => t * t * (3 - 2 * t);
  return (u, v) => {
    const x = (((u * gx) % gx) + gx) % gx;
    const y = (((v * gy) % gy) + gy) % gy;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const x1 = (x0 + 1) % gx;
    const y1 = (y0 + 1) % gy;
    const wx = s(x - x0);
    const wy = s(y - y0);
    const a = lattice[y0 * gx + x0];
    const b = lattice[y0 * gx + x1];
    const c = lattice[y1 * gx + x0];
    const d = lattice[y1 * gx + x1];
    return (a + (b - a) * wx) * (1 - wy) + (c + (d - c) * wx) * wy;
  };
}

export function createFog(ctx: EffectContext): FrameEffect {
  const { width: w, height: h, frames, fps } = ctx;
  const rng = streamFor(ctx.seed, 'fog');
  const aspect = w / h;
  const broad = valueNoise(rng, Math.max(3, Math.round(3 * aspect)), 3);
  const fine = valueNoise(rng, Math.max(7, Math.round(7 * aspect)), 7);
  const drift = 0.035 + 0.02 * rng(); // frame widths per second
  // Fog takes a light version of the scene's average colour so it sits in the same light.
  let r = 0;
  let g = 0;
  let b = 0;
  const ref = ctx.reference.data;
  for (let i = 0; i < ref.length; i++) {
    const p = ref[i];
    r += p & 255;
    g += (p >>> 8) & 255;
    b += (p >>> 16) & 255;
  }
  const n = ref.length;
  const color = [r / n, g / n, b / n].map((c) => 0.35 * c + 0.65 * 225);
  const gw = Math.ceil(w / CELL) + 2;
  const gh = Math.ceil(h / CELL) + 2;
  const grid = new Float32Array(gw * gh);
  const rowAlpha = new Float32Array(w);
  return {
    apply(frame, index, amount) {
      if (amount <= 1e-3) return;
      const ts = Math.min(frames - 1, index) / fps;
      for (let j = 0; j < gh; j++) {
        const v = (j * CELL) / h;
        // Thicker towards the bottom of the frame, like ground mist.
        const vertical = 0.55 + 0.45 * Math.min(1, v);
        for (let i = 0; i < gw; i++) {
          const u = ((i * CELL) / w) * (aspect / Math.max(1, aspect));
          const n1 = broad(u - drift * ts, v + 0.01 * ts);
          const n2 = fine(u - 2.2 * drift * ts, v - 0.02 * ts);
          // Contrast-stretched noise: distinct banks of mist with thinner air between them.
          const v0 = Math.min(1, Math.max(0, (0.65 * n1 + 0.35 * n2 - 0.25) / 0.5));
          const density = v0 * v0 * (3 - 2 * v0);
          grid[j * gw + i] = Math.min(0.85, amount * vertical * (0.2 + 0.8 * density));
        }
      }
      let o = 0;
      for (let y = 0; y < h; y++) {
        const gy = y / CELL;
        const j0 = Math.floor(gy);
        const wy = gy - j0;
        for (let x = 0; x < w; x++) {
          const gx = x / CELL;
          const i0 = Math.floor(gx);
          const wx = gx - i0;
          const top = grid[j0 * gw + i0] * (1 - wx) + grid[j0 * gw + i0 + 1] * wx;
          const bot = grid[(j0 + 1) * gw + i0] * (1 - wx) + grid[(j0 + 1) * gw + i0 + 1] * wx;
          rowAlpha[x] = top * (1 - wy) + bot * wy;
        }
        for (let x = 0; x < w; x++, o += 4) {
          const a = rowAlpha[x];
          frame[o] = frame[o] + (color[0] - frame[o]) * a + 0.5;
          frame[o + 1] = frame[o + 1] + (color[1] - frame[o + 1]) * a + 0.5;
          frame[o + 2] = frame[o + 2] + (color[2] - frame[o + 2]) * a + 0.5;
        }
      }
    },
  };
}
