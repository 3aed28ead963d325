/** Diffusion schedulers matching diffusers: Euler, Euler Ancestral, LCM, DDIM. */
export type { BetaSchedule, NoiseSource, PredictionType, Scheduler, SchedulerConfig, SchedulerKind, TimestepSpacing } from './types.js';
export { createScheduler, SUPPORTED_SCHEDULER_CLASSES, type CreateSchedulerOptions, type SupportedSchedulerClass } from './factory.js';
export { createImg2ImgSchedule, img2imgStart, minStepsForStrength, type Img2ImgSchedule, type Img2ImgStart } from './img2img.js';
export { guidanceScaleEmbedding, lcmTimestepCond } from './guidance-embedding.js';
export { EulerScheduler } from './euler.js';
export { LcmScheduler } from './lcm.js';
export { DdimScheduler } from './ddim.js';
export { alphasCumprod, trainingSigmas } from './noise-schedule.js';
