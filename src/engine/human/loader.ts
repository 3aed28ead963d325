import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { Config, Human } from '@vladmandic/human';
import { folderUrl, registerDiskModelRouter } from './disk-models.js';
import { humanModelsDir, humanNodeWasmPath, tfWasmDir } from './paths.js';
import { wasmTf } from './tf-backend.js';

const require = createRequire(import.meta.url);

type HumanModule = { Human: new (config?: Partial<Config>) => Human };

/**
 * Face analysis configuration shared by every caller. Only the face detector, mesh and iris run in
 * detect(); identity descriptors are computed by src/engine/face on aligned crops, and
 * segmentation is enabled per call by segmentPerson.
 */
function baseConfig(): Partial<Config> {
  return {
    backend: 'wasm',
    wasmPath: tfWasmDir(),
    modelBasePath: folderUrl(humanModelsDir()),
    debug: false,
    async: false,
    warmup: 'none',
    cacheModels: false,
    // Kernels missing from the wasm backend (e.g. face rotation) fall back to JS implementations.
    softwareKernels: true,
    skipAllowed: false, // every call is an unrelated still image: never reuse cached boxes
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: { enabled: true, rotation: true, maxDetected: 10, minConfidence: 0.3, iouThreshold: 0.1, return: false },
      mesh: { enabled: true },
      iris: { enabled: true },
      attention: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false, modelPath: 'selfie.json', mode: 'alpha' },
  };
}

let humanPromise: Promise<Human> | null = null;
let queue: Promise<unknown> = Promise.resolve();

async function createHuman(): Promise<Human> {
  registerDiskModelRouter();
  await wasmTf();
  const { Human: HumanClass } = require(humanNodeWasmPath()) as HumanModule;
  const human = new HumanClass(baseConfig());
  await human.init();
  if (tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${tf.getBackend()}, expected wasm`);
  await human.load();
  return human;
}

/**
 * The process-wide Human instance (lazy, loaded once). Human keeps per-model state between calls
 * and merges per-call config into its own, so run detections through withHuman().
 */
export function getHuman(): Promise<Human> {
  if (!humanPromise) {
    humanPromise = createHuman().catch((err) => {
      humanPromise = null; // let a later call retry after e.g. a transient file error
      throw err;
    });
  }
  return humanPromise;
}

/** Runs fn with exclusive use of the shared Human instance (calls are queued, never interleaved). */
export function withHuman<T>(fn: (human: Human) => Promise<T>): Promise<T> {
  const run = queue.then(async () => fn(await getHuman()));
  queue = run.catch(() => undefined);
  return run;
}

export { tf };
