/**
 * The camera model: motion presets (with strengths) -> a camera state at every clip time ->
 * one affine transform per depth layer. Several motions add up; strength 0 contributes nothing.
 */
import type { CameraTrack, MotionPreset, TrackShape } from '../../domain/motions.js';
import { ease } from './easing.js';
import { smoothNoise1D, streamFor } from './prng.js';

export const CAMERA_AXES = ['zoom', 'dolly', 'pan', 'tilt', 'truck', 'crane', 'roll'] as const;
export type CameraAxis = (typeof CAMERA_AXES)[number];
export type CameraState = Record<CameraAxis, number>;

/** Axes whose effect depends on a layer's nearness, i.e. the ones that need a subject matte. */
const PARALLAX_AXES: readonly CameraAxis[] = ['dolly', 'truck', 'crane'];

/** Nearness of the background layer relative to the subject (1): how much of dolly/truck/crane it feels. */
export const BACKGROUND_NEARNESS = 0.3;
/** Beyond this extra zoom the frame edges are clamped instead of zooming further to hide them. */
export const MAX_COVER_SCALE = 2;

export function zeroState(): CameraState {
  return { zoom: 0, dolly: 0, pan: 0, tilt: 0, truck: 0, crane: 0, roll: 0 };
}

export interface WeightedMotion {
  preset: MotionPreset;
  strength: number;
}

interface ActiveAxis {
  axis: CameraAxis;
  amplitude: number;
  value: (t: number) => number;
  blur: number;
}

function shapeFn(shape: TrackShape, durationS: number, noiseSeed: () => number): (t: number) => number {
  switch (shape.kind) {
    case 'ramp': {
      const from = shape.from ?? 0;
      const to = shape.to ?? 1;
      return (t) => ease(shape.easing, (t - from) / (to - from));
    }
    case 'swing': {
      const phase = shape.phase ?? 0;
      return (t) => Math.sin(2 * Math.PI * (shape.cycles * t + phase));
    }
    case 'shake': {
      const noise = smoothNoise1D(noiseSeed, shape.frequencyHz);
      return (t) => noise(t * durationS);
    }
  }
}

export class CameraPath {
  private readonly axes: ActiveAxis[];

  /**
   * @param envelope multiplies every axis at time t; transitions pass sin(pi t) so the camera
   *   rests exactly at the first and last frame.
   */
  constructor(
    motions: WeightedMotion[],
    seed: number,
    readonly durationS: number,
    private readonly envelope: (t: number) => number = () => 1,
  ) {
    this.axes = [];
    motions.forEach(({ preset, strength }, mi) => {
      if (!(strength > 0)) return;
      preset.camera.forEach((track: CameraTrack, ti) => {
        for (const axis of CAMERA_AXES) {
          const amplitude = track[axis];
          if (!amplitude) continue;
          // One noise stream per axis, so a shake moves x and y independently.
          const rng = streamFor(seed, `shake:${preset.id}:${mi}:${ti}:${axis}`);
          this.axes.push({
            axis,
            amplitude: amplitude * strength,
            value: shapeFn(track.shape, durationS, rng),
            blur: track.motionBlur ?? 0,
          });
        }
      });
    });
  }

  get isStill(): boolean {
    return this.axes.length === 0;
  }

  /** True when some axis moves layers by different amounts (so a subject matte pays off). */
  get hasParallax(): boolean {
    return this.axes.some((a) => PARALLAX_AXES.includes(a.axis));
  }

  at(t: number): CameraState {
    const s = zeroState();
    const env = this.envelope(t);
    for (const a of this.axes) s[a.axis] += a.amplitude * a.value(t) * env;
    return s;
  }

  /**
   * Screen displacement (fractions of width and height) of the motion-blurred tracks over one
   * frame interval dt around t, already multiplied by each track's blur factor.
   */
  blurAt(t: number, dt: number): { x: number; y: number } {
    let x = 0;
    let y = 0;
    const env0 = this.envelope(t - dt / 2);
    const env1 = this.envelope(t + dt / 2);
    for (const a of this.axes) {
      if (!a.blur) continue;
      const d = a.amplitude * (a.value(t + dt / 2) * env1 - a.value(t - dt / 2) * env0) * a.blur;
      if (a.axis === 'pan') x -= d;
      else if (a.axis === 'truck') x -= d;
      else if (a.axis === 'tilt' || a.axis === 'crane') y += d;
    }
    return { x, y };
  }
}

/** dst pixel (x, y) -> source pixel (a x + b y + c, d x + e y + f), pixel centres at integers. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** The similarity a layer undergoes on screen: scale about the centre, rotation, shift in pixels. */
export interface LayerMove {
  scale: number;
  /** Radians, positive turns content clockwise on screen (y points down). */
  rotation: number;
  dx: number;
  dy: number;
}

export function layerMove(state: CameraState, nearness: number, width: number, height: number, baseScale = 1): LayerMove {
  return {
    scale: baseScale * Math.exp(state.zoom + state.dolly * nearness),
    rotation: (-state.roll * Math.PI) / 180,
    dx: (-state.pan - state.truck * nearness) * width,
    dy: (state.tilt + state.crane * nearness) * height,
  };
}

/**
 * Inverse mapping for a layer whose source (srcW x srcH) fills the output (dstW x dstH) at rest.
 * With scale 1, no rotation, no shift and equal sizes it is exactly the identity.
 */
export function moveToAffine(m: LayerMove, dstW: number, dstH: number, srcW: number, srcH: number): Affine {
  const rx = srcW / dstW;
  const ry = srcH / dstH;
  const cos = Math.cos(m.rotation) / m.scale;
  const sin = Math.sin(m.rotation) / m.scale;
  // Centred destination coordinates of pixel (0, 0) minus the shift.
  const px = 0.5 - dstW / 2 - m.dx;
  const py = 0.5 - dstH / 2 - m.dy;
  return {
    a: rx * cos,
    b: rx * sin,
    c: rx * (cos * px + sin * py + dstW / 2) - 0.5,
    d: -ry * sin,
    e: ry * cos,
    f: ry * (-sin * px + cos * py + dstH / 2) - 0.5,
  };
}

/** Extra scale this move needs so the layer still covers every corner of the frame. */
export function coverNeeded(m: LayerMove, width: number, height: number): number {
  const cos = Math.cos(m.rotation);
  const sin = Math.sin(m.rotation);
  let need = 0;
  for (const [cx, cy] of [
    [-1, -1],
    [1, -1],
    [-1, 1],
    [1, 1],
  ]) {
    const px = (cx * width) / 2 - m.dx;
    const py = (cy * height) / 2 - m.dy;
    const ux = cos * px + sin * py;
    const uy = -sin * px + cos * py;
    need = Math.max(need, Math.abs(ux) / (width / 2), Math.abs(uy) / (height / 2));
  }
  return need / m.scale;
}

/**
 * One base zoom for the whole clip so the background never shows its edges: a constant factor
 * keeps the requested motion undistorted (a per-frame factor would add zoom nobody asked for).
 */
export function clipCoverScale(path: CameraPath, frames: number, nearness: number, width: number, height: number): number {
  let k = 1;
  for (let i = 0; i < frames; i++) {
    const t = frames === 1 ? 0 : i / (frames - 1);
    k = Math.max(k, coverNeeded(layerMove(path.at(t), nearness, width, height), width, height));
  }
  return Math.min(k, MAX_COVER_SCALE);
}

/** Largest on-screen scale any frame asks of a layer (how much source detail is worth keeping). */
export function clipMaxScale(path: CameraPath, frames: number, nearness: number, baseScale: number): number {
  let s = baseScale;
  for (let i = 0; i < frames; i++) {
    const t = frames === 1 ? 0 : i / (frames - 1);
    const st = path.at(t);
    s = Math.max(s, baseScale * Math.exp(st.zoom + st.dolly * nearness));
  }
  return s;
}
