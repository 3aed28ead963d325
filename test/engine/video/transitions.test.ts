import { describe, expect, it } from 'vitest';
import { MOTIONS } from '../../../src/domain/motions.js';
import { CameraPath, zeroState } from '../../../src/engine/video/camera.js';
import { FrameRenderer } from '../../../src/engine/video/renderer.js';
import { createTransition } from '../../../src/engine/video/transitions.js';
import { rgbToRgbx, type RgbxImage } from '../../../src/engine/video/warp.js';

const W = 96;
const H = 64;

function image(seed: number): RgbxImage {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      rgb[i] = (x * 2 + seed * 40) & 255;
      rgb[i + 1] = (y * 3 + seed * 90) & 255;
      rgb[i + 2] = ((x ^ y) * 4 + seed * 17) & 255;
    }
  }
  return rgbToRgbx(rgb, W, H);
}

const start = image(1);
const end = image(2);
const kinds = ['morph', 'zoomThrough', 'whip'] as const;

function frames(kind: (typeof kinds)[number], withCamera: boolean): Uint32Array[] {
  const envelope = (t: number) => Math.sin(Math.PI * t);
  const camera = new CameraPath(
    withCamera
      ? [
          { preset: MOTIONS.find((m) => m.name === 'Handheld')!, strength: 1 },
          { preset: MOTIONS.find((m) => m.name === 'Zoom In')!, strength: 1 },
        ]
      : [],
    3,
    5,
    envelope,
  );
  const r = new FrameRenderer({
    width: W,
    height: H,
    frames: 120,
    fps: 24,
    camera,
    mode: { kind: 'transition', renderer: createTransition(kind, { start, end, width: W, height: H }, 1) },
    effects: [],
    effectEnvelope: envelope,
  });
  return Array.from({ length: 120 }, (_, i) => {
    const out = new Uint32Array(W * H);
    r.renderInto(i, out);
    return out;
  });
}

function diff(a: Uint32Array, b: Uint32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let c = 0; c < 24; c += 8) s += Math.abs(((a[i] >>> c) & 255) - ((b[i] >>> c) & 255));
  return s / (a.length * 3);
}

describe.each(kinds)('transition %s', (kind) => {
  it('starts exactly on the start image and ends exactly on the end image', () => {
    for (const withCamera of [false, true]) {
      const f = frames(kind, withCamera);
      expect(diff(f[0], start.data)).toBe(0);
      expect(diff(f[119], end.data)).toBe(0);
    }
  });

  it('moves from one to the other in between', () => {
    const f = frames(kind, false);
    const toEnd = f.map((x) => diff(x, end.data));
    expect(diff(f[60], start.data)).toBeGreaterThan(5);
    expect(diff(f[60], end.data)).toBeGreaterThan(1);
    // Broadly closer to the end image as time goes on.
    expect(toEnd[30]).toBeGreaterThan(toEnd[90]);
    expect(toEnd[90]).toBeGreaterThan(toEnd[118] - 1e-9);
  });
});

it('the camera envelope rests at both ends', () => {
  const c = new CameraPath([{ preset: MOTIONS.find((m) => m.name === 'Handheld')!, strength: 1 }], 1, 5, (t) => Math.sin(Math.PI * t));
  expect(c.at(0)).toEqual(zeroState());
  const last = c.at(1);
  for (const v of Object.values(last)) expect(Math.abs(v)).toBeLessThan(1e-12);
});
