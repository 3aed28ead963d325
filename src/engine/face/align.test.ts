import { describe, expect, it } from 'vitest';
import {
  ARCFACE_TEMPLATE_112,
  affineScale,
  applyAffine,
  faceTemplate,
  invertAffine,
  similarityTransform,
  warpAffine,
  type Affine,
  type Point,
} from './align.js';

function similarity(scale: number, angle: number, tx: number, ty: number): Affine {
  const a = scale * Math.cos(angle),
    b = scale * Math.sin(angle);
  return [a, -b, tx, b, a, ty];
}

describe('similarityTransform (least-squares Umeyama)', () => {
  it('recovers an exact similarity from five points', () => {
    const truth = similarity(1.7, 0.4, 30, -12);
    const src: Point[] = [
      [10, 20],
      [60, 22],
      [35, 50],
      [15, 80],
      [58, 79],
    ];
    const dst = src.map((p) => applyAffine(truth, p));
    const m = similarityTransform(src, dst);
    m.forEach((v, i) => expect(v).toBeCloseTo(truth[i], 6));
    expect(affineScale(m)).toBeCloseTo(1.7, 6);
  });

  it('never reflects: a mirrored point set gets the best rotation, not a flip', () => {
    const src: Point[] = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    const dst: Point[] = [
      [0, 0],
      [-10, 0],
      [0, 10],
    ];
    const m = similarityTransform(src, dst);
    expect(m[0] * m[4] - m[1] * m[3]).toBeGreaterThanOrEqual(0);
  });

  it('minimises the squared error under noise (no small perturbation does better)', () => {
    const src: Point[] = [
      [10, 20],
      [60, 22],
      [35, 50],
      [15, 80],
      [58, 79],
    ];
    const dst: Point[] = src.map(([x, y], i) => [x * 1.2 + 5 + (i % 2 ? 0.8 : -0.6), y * 1.2 - 3 + (i % 3 ? -0.5 : 0.7)]);
    const err = (m: Affine) =>
      src.reduce((s, p, i) => {
        const q = applyAffine(m, p);
        return s + (q[0] - dst[i][0]) ** 2 + (q[1] - dst[i][1]) ** 2;
      }, 0);
    const best = similarityTransform(src, dst);
    for (const d of [-0.01, 0.01]) {
      for (const k of [0, 2, 5]) {
        const other = [...best] as Affine;
        other[k] += d;
        expect(err(other)).toBeGreaterThan(err(best));
      }
    }
  });
});

describe('templates', () => {
  it('uses the ArcFace points at 112 and scales them for multiples of 112', () => {
    expect(faceTemplate(112)).toEqual(ARCFACE_TEMPLATE_112.map((p) => [...p]));
    expect(faceTemplate(224)[2][0]).toBeCloseTo(56.0252 * 2, 6);
  });

  it('shifts the 128 px swapper template 8 px to the right', () => {
    const t = faceTemplate(128);
    t.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(ARCFACE_TEMPLATE_112[i][0] + 8, 6);
      expect(p[1]).toBeCloseTo(ARCFACE_TEMPLATE_112[i][1], 6);
    });
  });
});

describe('warpAffine', () => {
  const img = { width: 8, height: 6, data: Uint8Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 37) % 256) };

  it('copies pixels exactly under the identity transform', () => {
    const out = warpAffine(img, [1, 0, 0, 0, 1, 0], 8, 6);
    expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('applies integer translations and leaves uncovered pixels black', () => {
    const out = warpAffine(img, [1, 0, 2, 0, 1, 1], 8, 6);
    const px = (im: { data: Uint8Array; width: number }, x: number, y: number) =>
      Array.from(im.data.slice((y * im.width + x) * 3, (y * im.width + x) * 3 + 3));
    expect(px(out, 5, 4)).toEqual(px(img, 3, 3));
    expect(px(out, 0, 0)).toEqual([0, 0, 0]);
  });

  it('round-trips through invertAffine', () => {
    const m = similarity(0.8, -0.3, 4, 7);
    const back = invertAffine(m);
    const p = applyAffine(back, applyAffine(m, [3.5, -2]));
    expect(p[0]).toBeCloseTo(3.5, 9);
    expect(p[1]).toBeCloseTo(-2, 9);
  });
});
