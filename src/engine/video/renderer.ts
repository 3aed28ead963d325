/**
 * Frame synthesis: for frame i, evaluate the camera, move the layers (or run the transition),
 * add motion blur and the effect overlays. Frames are independent of each other and of call
 * order, so the same plan always yields the same pixels.
 */
import type { EffectKind } from '../../domain/motions.js';
import { BACKGROUND_NEARNESS, layerMove, moveToAffine, type CameraPath } from './camera.js';
import type { FrameEffect } from './effects/index.js';
import type { ParallaxLayers } from './layers.js';
import { blurColumns, blurRows } from './motion-blur.js';
import type { TransitionRenderer } from './transitions.js';
import { warpPremulOver, warpRgbx, type RgbxImage } from './warp.js';

export type FrameMode =
  /** One layer for the whole picture (no parallax asked for, or no subject found). */
  | { kind: 'flat'; source: RgbxImage; nearness: number; cover: number }
  /** Background and subject layers moving at their own depths. */
  | { kind: 'parallax'; layers: ParallaxLayers; cover: number }
  | { kind: 'transition'; renderer: TransitionRenderer };

export interface ActiveEffect {
  kind: EffectKind;
  effect: FrameEffect;
  /** Intensity at full envelope (preset amount x strength, summed over motions, at most 1). */
  amount: number;
}

export interface FramePlan {
  width: number;
  height: number;
  frames: number;
  fps: number;
  camera: CameraPath;
  mode: FrameMode;
  effects: ActiveEffect[];
  /** Scales effect intensity over clip time (transitions fade effects out at both ends). */
  effectEnvelope: (t: number) => number;
}

export function frameTime(index: number, frames: number): number {
  return frames <= 1 ? 0 : index / (frames - 1);
}

export class FrameRenderer {
  private readonly rowScratch: Uint32Array;

  constructor(readonly plan: FramePlan) {
    this.rowScratch = new Uint32Array(plan.width * 4);
  }

  /** Renders frame `index` as RGBX bytes into a new buffer (the encoder holds it until written). */
  render(index: number): Uint8Array {
    const words = new Uint32Array(this.plan.width * this.plan.height);
    this.renderInto(index, words);
    return new Uint8Array(words.buffer);
  }

  renderInto(index: number, out: Uint32Array): void {
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    const { width: w, height: h, frames, camera, mode } = this.plan;
    const t = frameTime(index, frames);
    const dt = frames <= 1 ? 0 : 1 / (frames - 1);
    const state = camera.at(t);
    if (mode.kind === 'transition') {
      mode.renderer.render(t, state, out, bytes, dt);
    } else if (mode.kind === 'flat') {
      const move = layerMove(state, mode.nearness, w, h, mode.cover);
      warpRgbx(mode.source, out, w, h, moveToAffine(move, w, h, mode.source.width, mode.source.height));
    } else {
      const { background, subject } = mode.layers;
      const bg = layerMove(state, BACKGROUND_NEARNESS, w, h, mode.cover);
      warpRgbx(background, out, w, h, moveToAffine(bg, w, h, background.width, background.height));
      const fg = layerMove(state, 1, w, h, mode.cover);
      warpPremulOver(subject, out, w, h, moveToAffine(fg, w, h, subject.width, subject.height));
    }
    if (mode.kind !== 'transition') {
      const blur = camera.blurAt(t, dt);
      if (Math.abs(blur.x) * w >= 2) blurRows(bytes, w, h, Math.abs(blur.x) * w, this.rowScratch);
      if (Math.abs(blur.y) * h >= 2) blurColumns(bytes, w, h, Math.abs(blur.y) * h);
    }
    const env = this.plan.effectEnvelope(t);
    for (const e of this.plan.effects) e.effect.apply(bytes, index, e.amount * env);
  }
}
