import type { AppSurface } from './app.js';
import { resellerDialects } from './api/dialects.js';
import { dopRoutes } from './api/surfaces/dop-routes.js';
import type { Config } from './config.js';
import type { AppContext, ReadinessProbe } from './context.js';
import { createDiffusionEngine, locateInHubCache, type DiffusionEngine } from './engine/diffusion/index.js';
import { createStylePreviews, modelFolderFingerprint, stylePreviewCacheDir } from './engine/diffusion/style-preview.js';
import { stylePreviewRoutes } from './api/surfaces/style-previews.js';
import { DEFAULT_MODELS } from './engine/diffusion/default-models.js';
import { motionPreviewCacheDir, renderMotionPreview } from './engine/video/index.js';
import type { JobRunner } from './worker/runner.js';
import { dopRunner } from './worker/runners/dop-runner.js';
import { seriesClipRunner, seriesConcatRunner } from './worker/runners/series-runner.js';
import { soulRunner } from './worker/runners/soul-runner.js';
import { identityHook, soulIdRunner } from './worker/runners/soul-id-runner.js';
import { faceCharacterEngine } from './engine/identity/character-engine.js';
import type { CharacterEngine } from './services/characters.js';
import { nsfwClassifier } from './engine/moderation/index.js';
import { ModerationService } from './services/moderation.js';
import type { WarmTarget } from './services/warmup.js';
import { getHuman } from './engine/human/index.js';

/** The engine-backed wiring used by `opensoul serve` / `worker`; tests build their own. */
let diffusion: DiffusionEngine | null = null;
const soulModelRepo = (config: Config) => config.defaultModel ?? DEFAULT_MODELS[config.executionProvider].repo;
function diffusionEngine(config: Config): DiffusionEngine {
  diffusion ??= createDiffusionEngine({
    modelPath: config.modelPath ?? undefined,
    modelsDir: config.modelsDir,
    defaultModel: soulModelRepo(config),
    provider: config.executionProvider,
    threads: config.engineThreads || undefined,
    spinning: config.engineSpinning,
  });
  return diffusion;
}

let faces: CharacterEngine | null = null;
export function characterEngine(config: Config): CharacterEngine {
  faces ??= faceCharacterEngine({ modelsDir: config.modelsDir, provider: config.executionProvider });
  return faces;
}

export function productionRunners(config: Config): (ctx: AppContext) => JobRunner[] {
  return (ctx) => {
    const soul = soulRunner({
      engine: diffusionEngine(config),
      enhancer: { endpoint: config.promptEnhancerUrl, model: config.promptEnhancerModel },
      steps: config.soulSteps || undefined,
      identity: identityHook(ctx.characters, characterEngine(config)),
    });
    // A series clip is a Soul keyframe (this runner) animated by the DoP engine; the join waits for them.
    return [soul, dopRunner(), soulIdRunner(ctx.characters, characterEngine(config)), seriesClipRunner({ soul }), seriesConcatRunner()];
  };
}

let moderation: ModerationService | null | undefined;
/** Moderation as configured (OPENSOUL_MODERATION, OPENSOUL_INPUT_MODERATION); null when both are off. One model per process. */
export function productionModeration(config: Config): ModerationService | null {
  if (moderation !== undefined) return moderation;
  moderation =
    config.moderation.mode === 'off' && config.inputModeration === 'off'
      ? null
      : new ModerationService(
          nsfwClassifier({ model: config.moderationModel, maxPixels: config.uploadMaxPixels }),
          config.moderation,
          config.inputModeration,
        );
  return moderation;
}

export function productionReadiness(config: Config): Record<string, ReadinessProbe> {
  return {
    diffusion_model: () => diffusionEngine(config).readiness(),
    // Always ready: the mesh-warp engine ships in npm; the detail names the engine in use and why.
    identity_engine: async () => {
      const s = await characterEngine(config).identityStatus();
      return { ready: true, model: s.engine, reason: s.message };
    },
  };
}

/**
 * The engines a job-running process loads at start (src/services/warmup.ts), named as their
 * readiness probes are so their load state folds into the same /readyz entry.
 */
export function productionWarmTargets(config: Config): WarmTarget[] {
  return [
    { name: 'diffusion_model', load: async () => (await diffusionEngine(config).warm()).model },
    // Face detection, landmarks and person segmentation (Soul ID photos, DoP mattes).
    { name: 'face_models', load: async () => void (await getHuman()) },
    {
      name: 'identity_engine',
      load: async () => {
        const engine = characterEngine(config);
        await engine.warm?.();
        return (await engine.identityStatus()).engine;
      },
    },
    // The classifier, when moderation is on: the first job's review must not pay its load.
    ...(config.moderation.mode === 'off' && config.inputModeration === 'off'
      ? []
      : [
          {
            name: 'moderation_classifier',
            load: async () => {
              const r = await productionModeration(config)!.readiness();
              if (!r.ready) throw new Error(r.reason ?? 'the moderation model did not load');
              return r.model;
            },
          },
        ]),
  ];
}

/** The banner's line about the Soul model: the one in use, or how to get one. */
export async function soulModelLine(config: Config): Promise<string> {
  const r = await diffusionEngine(config).readiness();
  if (r.ready) return `Soul model: ${r.model} (${config.executionProvider})`;
  return [
    `Soul model: not installed. Install the default (${DEFAULT_MODELS[config.executionProvider].downloadSize}) with:`,
    `  ${r.fix ?? `npx opensoul models pull ${soulModelRepo(config)}`}`,
    '  or try the API without a download on the tiny fixture model (its images are noise): see README "Try it without a download"',
  ].join('\n');
}

/** The installed Soul model's folder (as the engine finds it) and provider, for preview versions. */
async function soulModelIdentity(config: Config): Promise<string | undefined> {
  const dir = config.modelPath ?? (await locateInHubCache(config.modelsDir, soulModelRepo(config)));
  return dir ? `${config.executionProvider}:${await modelFolderFingerprint(dir)}` : undefined;
}

/**
 * The engine keeps the model it loaded for the life of the process, so its identity is read
 * (a stat of every model file) once it is found, not on every first preview request.
 */
function onceFound(read: () => Promise<string | undefined>): () => Promise<string | undefined> {
  let found: Promise<string | undefined> | null = null;
  return () => {
    found ??= read().then(
      (id) => {
        if (!id) found = null; // not installed yet: look again next time
        return id;
      },
      (err) => {
        found = null;
        throw err;
      },
    );
    return found;
  };
}

export function productionSurfaces(config: Config): AppSurface[] {
  // Motion and style previews are kept under the data dir, so a restart serves them without rendering.
  const previews = { cacheDir: motionPreviewCacheDir(config.dataDir) };
  // Style previews draw on the same engine instance as Soul jobs: one model in memory, one queue.
  const styles = createStylePreviews({
    engine: diffusionEngine(config),
    cacheDir: stylePreviewCacheDir(config.dataDir),
    model: onceFound(() => soulModelIdentity(config)),
  });
  return [dopRoutes((id) => renderMotionPreview(id, previews)), stylePreviewRoutes((id) => styles.get(id)), ...resellerDialects()];
}
