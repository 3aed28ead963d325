/** Animated monochrome film grain: a seeded noise tile read at a new random offset every frame. */
import { createRng, gaussian, hash32, streamFor } from '../prng.js';
import { words } from './tone.js';
import { sizeUnit, type EffectContext, type FrameEffect } from './types.js';

const TILE = 256;

export function createGrain(ctx: EffectContext): FrameEffect {
  const rng = streamFor(ctx.seed, 'grain:tile');
  const raw = new Float32Array(TILE * TILE);
  for (let i = 0; i < raw.length; i++) raw[i] = gaussian(rng);
  // Larger frames get slightly coarser grain (a soft 3x3 blur), as film grain scales with the frame.
  const coarse = sizeUnit(ctx) >= 1.2;
  const tile = new Float32Array(TILE * TILE);
  for (let y = 0; y < TILE; y++) {
    for (let x = 0; x < TILE; x++) {
      if (!coarse) {
        tile[y * TILE + x] = raw[y * TILE + x];
        continue;
      }
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += raw[((y + dy) & 255) * TILE + ((x + dx) & 255)];
      tile[y * TILE + x] = s / 3; // std of the mean of 9 is 1/3; times 3 restores unit variance
    }
  }
  // Grain shows most in the mid-tones, least in deep shadows and highlights: weight per luma, x1024.
  const midtone = new Int32Array(256);
  for (let l = 0; l < 256; l++) midtone[l] = Math.round(1024 * (0.35 + (0.65 * (255 - Math.abs(2 * l - 255))) / 255));
  // clamp[v + 512] = v limited to 0..255, for offsets well beyond any grain amplitude.
  const clamp = new Uint8Array(1280);
  for (let i = 0; i < clamp.length; i++) clamp[i] = Math.min(255, Math.max(0, i - 512));
  const scaled = new Int32Array(TILE * TILE);
  return {
    apply(frame, index, amount) {
      if (amount <= 1e-3) return;
      const r = createRng(hash32(`grain:${ctx.seed}:${index}`));
      const ox = Math.floor(r() * TILE);
      const oy = Math.floor(r() * TILE);
      // Noise in 1/1024 levels for this frame's amplitude.
      const sigma = 16 * amount * 1024;
      for (let i = 0; i < scaled.length; i++) scaled[i] = Math.round(tile[i] * sigma);
      const { width: w, height: h } = ctx;
      const px = words(frame);
      let o = 0;
      for (let y = 0; y < h; y++) {
        const row = ((y + oy) & 255) * TILE;
        for (let x = 0; x < w; x++, o++) {
          const p = px[o];
          const cr = p & 255;
          const cg = (p >>> 8) & 255;
          const cb = (p >>> 16) & 255;
          const luma = (cr * 77 + cg * 150 + cb * 29) >> 8;
          // Rounded to whole levels: (noise x weight) in 1/2^20 units.
          const d = (scaled[row + ((x + ox) & 255)] * midtone[luma] + 524288) >> 20;
          px[o] = (clamp[cr + d + 512] | (clamp[cg + d + 512] << 8) | (clamp[cb + d + 512] << 16) | 0xff000000) >>> 0;
        }
      }
    },
  };
}
