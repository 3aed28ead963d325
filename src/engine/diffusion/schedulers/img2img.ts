/**
 * diffusers' img2img start rule: init_timestep = min(⌊n·strength⌋, n), t_start = n − init_timestep;
 * the run uses timesteps[t_start:] and noises the encoded image to timesteps[t_start].
 * LCM differs: its pipeline passes strength to set_timesteps and runs all n steps (t_start = 0).
 */
import { createScheduler, type CreateSchedulerOptions } from './factory.js';
import type { Scheduler, SchedulerConfig } from './types.js';

export interface Img2ImgStart {
  /** First step index into the full schedule. */
  startIndex: number;
  /** Steps actually run: numSteps − startIndex. */
  steps: number;
}

function checkStrength(strength: number): void {
  if (!(strength >= 0 && strength <= 1)) throw new RangeError(`strength must be in [0, 1], got ${strength}`);
}

export function img2imgStart(numSteps: number, strength: number): Img2ImgStart {
  checkStrength(strength);
  const initTimestep = Math.min(Math.floor(numSteps * strength), numSteps);
  const startIndex = Math.max(numSteps - initTimestep, 0);
  return { startIndex, steps: numSteps - startIndex };
}

/** Smallest step count ≥ numSteps for which ⌊n·strength⌋ ≥ 1 (so at least one step runs). */
export function minStepsForStrength(numSteps: number, strength: number): number {
  checkStrength(strength);
  if (strength === 0) throw new RangeError('strength 0 runs no denoising step');
  let n = numSteps;
  while (Math.floor(n * strength) < 1) n++;
  return n;
}

export interface Img2ImgSchedule extends Img2ImgStart {
  scheduler: Scheduler;
}

/** The scheduler and start index for an img2img run, per scheduler kind. */
export function createImg2ImgSchedule(
  config: SchedulerConfig,
  numSteps: number,
  strength: number,
  opts: Omit<CreateSchedulerOptions, 'strength'> = {},
): Img2ImgSchedule {
  checkStrength(strength);
  const probe = createScheduler(config, numSteps, opts);
  if (probe.kind === 'lcm') {
    const scheduler = createScheduler(config, numSteps, { ...opts, strength });
    return { scheduler, startIndex: 0, steps: numSteps };
  }
  const start = img2imgStart(numSteps, strength);
  if (start.steps < 1) {
    const hint =
      strength > 0
        ? `use at least ${minStepsForStrength(numSteps, strength)} steps or a higher strength`
        : 'strength 0 leaves the image unchanged';
    throw new RangeError(`img2img with ${numSteps} steps at strength ${strength} runs no step; ${hint}`);
  }
  return { scheduler: probe, ...start };
}
