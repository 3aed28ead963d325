import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { NSFWJS } from 'nsfwjs/core';
import { CONTENT_CLASSES, type ClassScores, type ContentClass } from '../../domain/moderation.js';
import { wasmTf } from '../human/tf-backend.js';
import { NSFW_MODELS, type NsfwModelName } from './models.js';

const require = createRequire(import.meta.url);

interface BundledModelJson extends tfTypes.io.ModelJSON {
  weightsManifest: tfTypes.io.WeightsManifestConfig;
}

/** The package's model folder: dist/models beside its CommonJS entry. */
function modelDir(name: NsfwModelName): string {
  return path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models', NSFW_MODELS[name].folder);
}

/**
 * An IOHandler over the package's bundled files (`model.min.js` and base64 weight shards, each a
 * UMD module), read from disk through require: nothing is fetched. nsfwjs's own `load(name)`
 * does the same through dynamic imports but also logs to the console on every load.
 */
function bundledHandler(name: NsfwModelName): tfTypes.io.IOHandler {
  return {
    async load() {
      const dir = modelDir(name);
      const json = require(path.join(dir, 'model.min.js')) as BundledModelJson;
      const shards = json.weightsManifest.flatMap((group) =>
        group.paths.map((p) => {
          if (!/^[\w.-]+$/.test(p)) throw new Error(`unexpected weight shard name ${p}`);
          return Buffer.from(require(path.join(dir, `${p}.min.js`)) as string, 'base64');
        }),
      );
      const all = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      };
    },
  };
}

/** Pixels the model takes: packed RGB of exactly size × size. */
export interface ModelInput {
  data: Uint8Array;
  size: number;
}

export interface NsfwModel {
  name: NsfwModelName;
  /** Side of the square input the model expects. */
  size: number;
  classify(input: ModelInput): Promise<ClassScores>;
}

/** Loads one of the bundled models on the shared wasm tf engine. */
export async function loadNsfwModel(name: NsfwModelName): Promise<NsfwModel> {
  const tf = await wasmTf();
  const spec = NSFW_MODELS[name];
  const model = new NSFWJS(bundledHandler(name), { size: spec.size, type: spec.type });
  await model.load();
  return {
    name,
    size: spec.size,
    async classify(input) {
      if (input.size !== spec.size || input.data.length !== spec.size * spec.size * 3)
        throw new Error(`${name} takes ${spec.size}x${spec.size} RGB`);
      const pixels = tf.tensor3d(input.data, [spec.size, spec.size, 3], 'int32');
      try {
        // topk = every class, so each score is reported, not just the winners.
        const predictions = await model.classify(pixels, CONTENT_CLASSES.length);
        const scores = Object.fromEntries(CONTENT_CLASSES.map((c) => [c, 0])) as ClassScores;
        for (const p of predictions) scores[p.className as ContentClass] = p.probability;
        return scores;
      } finally {
        pixels.dispose();
      }
    },
  };
}
