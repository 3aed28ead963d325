/** The ambient and weather overlays, by kind. */
import type { EffectKind } from '../../../domain/motions.js';
import { createDust } from './dust.js';
import { createFlicker } from './flicker.js';
import { createFog } from './fog.js';
import { createGrain } from './grain.js';
import { createLightSweep } from './light-sweep.js';
import { createRain } from './rain.js';
import { createSnow } from './snow.js';
import type { EffectContext, FrameEffect } from './types.js';

export type { EffectContext, FrameEffect } from './types.js';

const FACTORIES: Record<EffectKind, (ctx: EffectContext) => FrameEffect> = {
  fog: createFog,
  lightSweep: createLightSweep,
  dust: createDust,
  snow: createSnow,
  rain: createRain,
  flicker: createFlicker,
  grain: createGrain,
};

/** Drawing order: atmosphere first, particles over it, global light changes, grain last. */
export const EFFECT_ORDER: readonly EffectKind[] = ['fog', 'lightSweep', 'dust', 'snow', 'rain', 'flicker', 'grain'];

export function createEffect(kind: EffectKind, ctx: EffectContext): FrameEffect {
  return FACTORIES[kind](ctx);
}
