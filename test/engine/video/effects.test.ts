import { describe, expect, it } from 'vitest';
import type { EffectKind } from '../../../src/domain/motions.js';
import { createEffect, EFFECT_ORDER } from '../../../src/engine/video/effects/index.js';
import type { EffectContext } from '../../../src/engine/video/effects/types.js';
import { blurColumns, blurRows } from '../../../src/engine/video/motion-blur.js';
import { rgbToRgbx } from '../../../src/engine/video/warp.js';

const W = 320;
const H = 180;

/** A mid-grey frame with a gentle gradient, as RGBX bytes. */
function baseFrame(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.fill(90 + Math.round((60 * x) / W), (y * W + x) * 3, (y * W + x) * 3 + 3);
  return new Uint8Array(rgbToRgbx(rgb, W, H).data.buffer);
}

function ctx(seed: number): EffectContext {
  const reference = rgbToRgbx(new Uint8Array(W * H * 3).fill(100), W, H);
  return { width: W, height: H, frames: 120, fps: 24, seed, reference };
}

function render(kind: EffectKind, seed: number, index: number, amount: number): Uint8Array {
  const frame = baseFrame();
  createEffect(kind, ctx(seed)).apply(frame, index, amount);
  return frame;
}

function rgbStats(frame: Uint8Array) {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < frame.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      sum += frame[i + c];
      sq += frame[i + c] ** 2;
      n++;
    }
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(sq / n - mean * mean) };
}

/** Byte equality (vitest's deep toEqual is slow on arrays of this size). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function changed(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
  return n / (a.length / 4);
}

describe.each(EFFECT_ORDER)('effect %s', (kind) => {
  it('leaves the frame untouched at amount 0', () => {
    expect(same(render(kind, 1, 30, 0), baseFrame())).toBe(true);
  });

  it('changes the frame, the same way for the same seed and frame', () => {
    const a = render(kind, 1, 30, 0.8);
    expect(changed(a, baseFrame())).toBeGreaterThan(0.0005);
    expect(same(render(kind, 1, 30, 0.8), a)).toBe(true);
  });

  it('animates over time', () => {
    // Flicker holds some frames steady; compare frames far apart for it too.
    expect(changed(render(kind, 1, 30, 0.8), render(kind, 1, 90, 0.8))).toBeGreaterThan(0.001);
  });
});

describe('effect looks', () => {
  it('particles and streaks differ between seeds', () => {
    for (const kind of ['rain', 'snow', 'dust', 'grain', 'fog'] as const) {
      expect(changed(render(kind, 1, 10, 0.8), render(kind, 2, 10, 0.8))).toBeGreaterThan(0.001);
    }
  });

  it('snow and dust brighten small spots; rain dims the scene overall', () => {
    const base = rgbStats(baseFrame()).mean;
    expect(rgbStats(render('snow', 3, 5, 1)).mean).toBeGreaterThan(base);
    expect(rgbStats(render('dust', 3, 5, 1)).mean).toBeGreaterThan(base);
    expect(rgbStats(render('rain', 3, 5, 1)).mean).toBeLessThan(base);
  });

  it('grain adds variance without shifting the mean much', () => {
    const before = rgbStats(baseFrame());
    const after = rgbStats(render('grain', 3, 5, 1));
    expect(after.std).toBeGreaterThan(before.std + 3);
    expect(Math.abs(after.mean - before.mean)).toBeLessThan(1.5);
  });

  it('fog lowers contrast towards a light colour', () => {
    const before = rgbStats(baseFrame());
    const after = rgbStats(render('fog', 3, 5, 1));
    expect(after.mean).toBeGreaterThan(before.mean);
    expect(after.std).toBeLessThan(before.std + 20);
  });

  it('the light sweep travels from left to right', () => {
    const centroid = (index: number) => {
      const lit = render('lightSweep', 1, index, 1);
      const base = baseFrame();
      let sx = 0;
      let s = 0;
      for (let i = 0; i < lit.length; i += 4) {
        const d = lit[i] - base[i];
        sx += d * ((i / 4) % W);
        s += d;
      }
      return sx / s;
    };
    expect(centroid(40)).toBeLessThan(centroid(60));
    expect(centroid(60)).toBeLessThan(centroid(80));
  });

  it('flicker changes the overall brightness from frame to frame', () => {
    const means = Array.from({ length: 24 }, (_, i) => rgbStats(render('flicker', 4, i * 5, 1)).mean);
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(5);
  });
});

describe('motion blur', () => {
  it('averages along rows or columns only', () => {
    const frame = new Uint8Array(W * H * 4);
    // One bright column in the middle.
    for (let y = 0; y < H; y++) frame.fill(255, (y * W + 80) * 4, (y * W + 80) * 4 + 3);
    const rows = frame.slice();
    blurRows(rows, W, H, 9);
    expect(rows[(10 * W + 80) * 4]).toBe(28); // 255 / 9, rounded
    expect(rows[(10 * W + 84) * 4]).toBe(28);
    expect(rows[(10 * W + 85) * 4]).toBe(0);
    const cols = frame.slice();
    blurColumns(cols, W, H, 9);
    expect(same(cols, frame)).toBe(true); // a vertical line is unchanged by vertical blur
  });
});
