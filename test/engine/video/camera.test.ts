import { describe, expect, it } from 'vitest';
import { findMotion, MOTIONS } from '../../../src/domain/motions.js';
import {
  BACKGROUND_NEARNESS,
  CameraPath,
  clipCoverScale,
  coverNeeded,
  layerMove,
  moveToAffine,
  zeroState,
} from '../../../src/engine/video/camera.js';
import { ease } from '../../../src/engine/video/easing.js';

const motion = (name: string, strength = 1) => ({ preset: MOTIONS.find((m) => m.name === name)!, strength });

describe('easing', () => {
  it('starts at 0 and ends at 1 exactly, monotonically', () => {
    for (const e of [
      'linear',
      'sine',
      'quadIn',
      'quadOut',
      'quadInOut',
      'cubicIn',
      'cubicOut',
      'cubicInOut',
      'expoIn',
      'expoOut',
    ] as const) {
      expect(ease(e, 0)).toBe(0);
      expect(ease(e, 1)).toBe(1);
      let prev = 0;
      for (let i = 1; i <= 50; i++) {
        const v = ease(e, i / 50);
        expect(v).toBeGreaterThanOrEqual(prev);
        prev = v;
      }
    }
  });
});

describe('camera path', () => {
  it('follows the preset curve scaled by strength', () => {
    const zoom = findMotion('99285049-02fb-494c-8737-e174cb263946')!;
    const full = new CameraPath([{ preset: zoom, strength: 1 }], 1, 5);
    const half = new CameraPath([{ preset: zoom, strength: 0.5 }], 1, 5);
    expect(full.at(0).zoom).toBe(0);
    expect(full.at(1).zoom).toBeCloseTo(0.3, 12);
    expect(full.at(0.25).zoom).toBeCloseTo(0.3 * ease('quadInOut', 0.25), 12);
    expect(half.at(0.7).zoom).toBeCloseTo(full.at(0.7).zoom / 2, 12);
  });

  it('is still at strength 0 and with no motions', () => {
    expect(new CameraPath([motion('Handheld', 0), motion('Dolly In', 0)], 1, 5).isStill).toBe(true);
    expect(new CameraPath([], 1, 5).at(0.5)).toEqual(zeroState());
  });

  it('adds several motions together', () => {
    const both = new CameraPath([motion('Zoom In'), motion('Pan Left')], 1, 5).at(1);
    expect(both.zoom).toBeCloseTo(0.3, 12);
    expect(both.pan).toBeCloseTo(-0.14, 12);
  });

  it('shakes each axis independently, the same way for the same seed', () => {
    const a = new CameraPath([motion('Handheld')], 7, 5);
    const b = new CameraPath([motion('Handheld')], 7, 5);
    const c = new CameraPath([motion('Handheld')], 8, 5);
    const samples = (p: CameraPath) => Array.from({ length: 20 }, (_, i) => p.at(i / 19));
    expect(samples(a)).toEqual(samples(b));
    expect(samples(a)).not.toEqual(samples(c));
    const pans = samples(a).map((s) => s.pan);
    const tilts = samples(a).map((s) => s.tilt);
    expect(pans).not.toEqual(tilts);
    expect(Math.max(...pans.map(Math.abs))).toBeGreaterThan(0.002);
  });

  it('knows which motions need a subject matte', () => {
    expect(new CameraPath([motion('Zoom In'), motion('Pan Left')], 1, 5).hasParallax).toBe(false);
    expect(new CameraPath([motion('Dolly In')], 1, 5).hasParallax).toBe(true);
    expect(new CameraPath([motion('Orbit Left')], 1, 5).hasParallax).toBe(true);
  });

  it('reports motion blur only for blurred tracks, in the direction content moves', () => {
    const whip = new CameraPath([motion('Whip Pan')], 1, 5);
    expect(whip.blurAt(0.46, 1 / 119).x).toBeLessThan(-0.005); // pan right: content moves left
    expect(whip.blurAt(0.1, 1 / 119).x).toBe(0);
    expect(new CameraPath([motion('Pan Left')], 1, 5).blurAt(0.5, 1 / 119)).toEqual({ x: 0, y: 0 });
  });
});

describe('layer moves', () => {
  it('maps the rest pose to the identity exactly', () => {
    const m = moveToAffine(layerMove(zeroState(), 1, 640, 360), 640, 360, 640, 360);
    // + 0 folds the signed zeros of cos/sin(0) together.
    expect([m.a, m.b, m.c, m.d, m.e, m.f].map((v) => v + 0)).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it('moves content opposite to the camera: pan left shifts it right, tilt up shifts it down', () => {
    const s = { ...zeroState(), pan: -0.1, tilt: 0.1 };
    const m = layerMove(s, 1, 1000, 500);
    expect(m.dx).toBeCloseTo(100);
    expect(m.dy).toBeCloseTo(50);
    // Destination pixel (600, 300) shows source pixel (500, 250).
    const a = moveToAffine(m, 1000, 500, 1000, 500);
    expect(a.a * 600 + a.b * 300 + a.c).toBeCloseTo(500);
    expect(a.d * 600 + a.e * 300 + a.f).toBeCloseTo(250);
  });

  it('gives parallax: dolly and truck move the subject more than the background', () => {
    const s = { ...zeroState(), dolly: 0.3, truck: 0.1 };
    const fg = layerMove(s, 1, 1000, 1000);
    const bg = layerMove(s, BACKGROUND_NEARNESS, 1000, 1000);
    expect(fg.scale).toBeCloseTo(Math.exp(0.3));
    expect(bg.scale).toBeCloseTo(Math.exp(0.3 * BACKGROUND_NEARNESS));
    expect(Math.abs(fg.dx)).toBeGreaterThan(Math.abs(bg.dx) * 3);
  });

  it('orbits keep the subject centred while the background slides', () => {
    const p = new CameraPath([motion('Orbit Left')], 1, 5);
    const s = p.at(1);
    expect(layerMove(s, 1, 1000, 1000).dx).toBeCloseTo(0, 6);
    expect(Math.abs(layerMove(s, BACKGROUND_NEARNESS, 1000, 1000).dx)).toBeGreaterThan(80);
  });

  it('zooms in just enough to hide the edges of a pan or a roll', () => {
    expect(coverNeeded(layerMove(zeroState(), 1, 800, 400), 800, 400)).toBeCloseTo(1);
    const pan = new CameraPath([motion('Pan Left')], 1, 5);
    expect(clipCoverScale(pan, 120, 1, 800, 400)).toBeCloseTo(1 + 2 * 0.14, 6);
    const roll = new CameraPath([motion('Roll Clockwise')], 1, 5);
    const k = clipCoverScale(roll, 120, 1, 800, 400);
    expect(k).toBeGreaterThan(1.1);
    expect(k).toBeLessThan(1.5);
    // A zoom-out starts zoomed in and ends on the full picture.
    const out = new CameraPath([motion('Zoom Out')], 1, 5);
    expect(clipCoverScale(out, 120, 1, 800, 400)).toBeCloseTo(Math.exp(0.3), 6);
  });
});
