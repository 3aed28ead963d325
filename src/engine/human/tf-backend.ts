import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { tfWasmDir } from './paths.js';

const require = createRequire(import.meta.url);

let ready: Promise<typeof tf> | null = null;

/**
 * The process's one tfjs engine on the wasm backend, shared by the face models and the
 * moderation classifier. The backend package is loaded through require, the same module
 * instance @vladmandic/human's node-wasm build uses, so it registers once; tfjs keeps its
 * engine on globalThis, so ESM and CJS callers see the same engine and tensors.
 */
export function wasmTf(): Promise<typeof tf> {
  ready ??= (async () => {
    // The node-wasm build does not register the wasm backend by itself in Node.
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string, usePlatformFetch?: boolean): void };
    wasm.setWasmPaths(tfWasmDir(), false);
    if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
    await tf.ready();
    return tf;
  })().catch((err) => {
    ready = null;
    throw err;
  });
  return ready;
}
