import type { RgbxImage } from '../warp.js';

export interface EffectContext {
  width: number;
  height: number;
  frames: number;
  fps: number;
  seed: number;
  /** The start still at output size (effects that adapt their colour to the scene read it). */
  reference: RgbxImage;
}

/**
 * Draws one effect into a finished frame in place (bytes R, G, B, X per pixel; X is ignored);
 * amount 0 must leave the frame untouched.
 */
export interface FrameEffect {
  apply(frame: Uint8Array, frameIndex: number, amount: number): void;
}

/** Particle sizes and counts scale with the frame so every tier shows the same picture. */
export function sizeUnit(ctx: EffectContext): number {
  return Math.min(ctx.width, ctx.height) / 720;
}

export function areaUnit(ctx: EffectContext): number {
  return (ctx.width * ctx.height) / (1280 * 720);
}

/** Wraps v into [0, 1). */
export function wrap01(v: number): number {
  return v - Math.floor(v);
}
