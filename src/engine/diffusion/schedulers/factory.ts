/** Builds a Scheduler from a diffusers scheduler_config.json. */
import { DdimScheduler } from './ddim.js';
import { EulerScheduler } from './euler.js';
import { LcmScheduler } from './lcm.js';
import type { Scheduler, SchedulerConfig } from './types.js';

export const SUPPORTED_SCHEDULER_CLASSES = [
  'EulerDiscreteScheduler',
  'EulerAncestralDiscreteScheduler',
  'LCMScheduler',
  'DDIMScheduler',
] as const;
export type SupportedSchedulerClass = (typeof SUPPORTED_SCHEDULER_CLASSES)[number];

/**
 * Classes that share the ε/v-prediction discrete noise schedule (diffusers lists them as
 * mutually compatible). A model configured with one of them runs on Euler instead, which is
 * what diffusers users commonly swap in, rather than failing to load.
 */
const EULER_COMPATIBLE = new Set([
  'PNDMScheduler',
  'LMSDiscreteScheduler',
  'DDPMScheduler',
  'HeunDiscreteScheduler',
  'KDPM2DiscreteScheduler',
  'KDPM2AncestralDiscreteScheduler',
  'DPMSolverMultistepScheduler',
  'DPMSolverSinglestepScheduler',
  'DPMSolverSDEScheduler',
  'DEISMultistepScheduler',
  'UniPCMultistepScheduler',
]);

export interface CreateSchedulerOptions {
  /** img2img strength (LCM shortens its schedule with it; other kinds ignore it: see img2img.ts). */
  strength?: number;
  /** DDIM η (default 0). */
  eta?: number;
  /** Use this class instead of the config's _class_name (the config's beta/prediction fields still apply). */
  className?: SupportedSchedulerClass;
}

export function createScheduler(config: SchedulerConfig, numSteps: number, opts: CreateSchedulerOptions = {}): Scheduler {
  const name = opts.className ?? config._class_name ?? 'EulerDiscreteScheduler';
  switch (name) {
    case 'EulerDiscreteScheduler':
      return new EulerScheduler(config, numSteps, { ancestral: false });
    case 'EulerAncestralDiscreteScheduler':
      return new EulerScheduler(config, numSteps, { ancestral: true });
    case 'LCMScheduler':
      return new LcmScheduler(config, numSteps, { strength: opts.strength });
    case 'DDIMScheduler':
      return new DdimScheduler(config, numSteps, { eta: opts.eta });
  }
  if (EULER_COMPATIBLE.has(name)) {
    // Sigma-shaping flags belong to the replaced class's own sampler; Euler uses the plain schedule.
    const { use_karras_sigmas: _k, use_exponential_sigmas: _e, use_beta_sigmas: _b, final_sigmas_type: _f, ...rest } = config;
    return new EulerScheduler(rest, numSteps, { ancestral: false, substitutedFor: name });
  }
  throw new Error(`scheduler class "${name}" is not supported (supported: ${SUPPORTED_SCHEDULER_CLASSES.join(', ')})`);
}
