import type { Surface } from './app.js';
import type { Config } from './config.js';
import type { ReadinessProbe } from './context.js';
import { createDiffusionEngine, type DiffusionEngine } from './engine/diffusion/index.js';
import { DEFAULT_MODELS } from './engine/diffusion/default-models.js';
import type { JobRunner } from './worker/runner.js';
import { soulRunner } from './worker/runners/soul.js';

/** The engine-backed wiring used by `opensoul serve` / `worker`; tests build their own. */
let diffusion: DiffusionEngine | null = null;
function diffusionEngine(config: Config): DiffusionEngine {
  diffusion ??= createDiffusionEngine({
    modelPath: config.modelPath ?? undefined,
    modelsDir: config.modelsDir,
    defaultModel: config.defaultModel ?? DEFAULT_MODELS[config.executionProvider].repo,
    provider: config.executionProvider,
    threads: config.engineThreads || undefined,
  });
  return diffusion;
}

export function productionRunners(config: Config): JobRunner[] {
  return [soulRunner({ engine: diffusionEngine(config), enhancer: { endpoint: config.promptEnhancerUrl, model: config.promptEnhancerModel } })];
}

export function productionReadiness(config: Config): Record<string, ReadinessProbe> {
  return { diffusion_model: () => diffusionEngine(config).readiness() };
}

export function productionSurfaces(): Surface[] {
  return [];
}
