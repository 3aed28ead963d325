/**
 * ESRGAN (RDN) x2 upscaling from the `@upscalerjs/esrgan-*` npm packages on tfjs-wasm, for
 * bench/upscale.ts: model files read from node_modules, tiled inference, and a pool of worker
 * threads (tfjs-wasm runs single-threaded in Node, so threads are the only way to use more cores).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { diskModelHandler } from '../src/engine/human/disk-models.js';
import { tfWasmDir } from '../src/engine/human/paths.js';

const require = createRequire(import.meta.url);

export const ESRGAN_MODELS = ['esrgan-slim', 'esrgan-medium'] as const;
export type EsrganModel = (typeof ESRGAN_MODELS)[number];

/** model.json of `@upscalerjs/<name>` for a scale. The packages export no ./package.json, so walk up from main. */
export function esrganModelJson(name: EsrganModel, scale = 2): string {
  let dir = path.dirname(require.resolve(`@upscalerjs/${name}`));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package root of @upscalerjs/${name} not found`);
    dir = up;
  }
  return path.join(dir, 'models', `x${scale}`, 'model.json');
}

interface LayerJson {
  class_name: string;
  config: { kernel_size?: number[]; dilation_rate?: number[]; size?: number[] };
}

/**
 * LR pixels of context a tile needs on each side so that tiled output equals whole-image output:
 * the sum of every conv's half kernel (an upper bound on the receptive radius, since skip paths
 * are shorter), convs after the upsampling counted in LR pixels.
 */
export function receptiveRadius(modelJsonPath: string): number {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as { modelTopology: { model_config: { config: { layers: LayerJson[] } } } };
  let factor = 1;
  let radius = 0;
  for (const layer of json.modelTopology.model_config.config.layers) {
    if (layer.class_name === 'UpSampling2D') factor *= layer.config.size?.[0] ?? 1;
    if (layer.class_name === 'Conv2D') {
      const k = layer.config.kernel_size?.[0] ?? 1;
      const d = layer.config.dilation_rate?.[0] ?? 1;
      radius += (Math.floor(k / 2) * d) / factor;
    }
  }
  return Math.ceil(radius);
}

let wasmReady: Promise<void> | null = null;

/** tfjs on the wasm backend, set up the way src/engine/human does (SIMD binary, no threads in Node). */
export function initWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string, usePlatformFetch?: boolean): void };
    wasm.setWasmPaths(tfWasmDir(), false);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend did not start');
    await tf.ready();
  })();
  return wasmReady;
}

/** Loads an RDN layers model from disk (Node's fetch cannot read file:// URLs). */
export async function loadEsrgan(name: EsrganModel, scale = 2): Promise<tf.LayersModel> {
  await initWasm();
  return tf.loadLayersModel(diskModelHandler(esrganModelJson(name, scale)));
}

/** Runs the model on one HWC float tile in [0, 255] (the RDN models' range); returns HWC floats. */
export function predictTile(model: tf.LayersModel, data: Float32Array, height: number, width: number): Float32Array {
  const out = tf.tidy(() => model.predict(tf.tensor4d(data, [1, height, width, 3])) as tf.Tensor);
  try {
    return out.dataSync() as Float32Array;
  } finally {
    out.dispose();
  }
}

export interface Tile {
  /** Padded input region (LR pixels). */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Core region written to the output (LR pixels). */
  cx: number;
  cy: number;
  cw: number;
  ch: number;
}

/** Splits width x height into tile x tile cores, each padded by `pad` pixels of real context. */
export function planTiles(width: number, height: number, tile: number, pad: number): Tile[] {
  const tiles: Tile[] = [];
  for (let cy = 0; cy < height; cy += tile) {
    for (let cx = 0; cx < width; cx += tile) {
      const cw = Math.min(tile, width - cx);
      const ch = Math.min(tile, height - cy);
      const x = Math.max(0, cx - pad);
      const y = Math.max(0, cy - pad);
      tiles.push({ x, y, w: Math.min(width, cx + cw + pad) - x, h: Math.min(height, cy + ch + pad) - y, cx, cy, cw, ch });
    }
  }
  return tiles;
}

export type TileRunner = (data: Float32Array, height: number, width: number) => Promise<Float32Array>;

/** Upscales interleaved 8-bit RGB by `scale` tile by tile, running up to `concurrency` tiles at once. */
export async function upscaleTiled(
  rgb: Uint8Array,
  width: number,
  height: number,
  opts: { scale: number; tile: number; pad: number; concurrency: number; run: TileRunner },
): Promise<Uint8Array> {
  const { scale: s, run } = opts;
  const W = width * s;
  const out = new Uint8Array(W * height * s * 3);
  const tiles = planTiles(width, height, opts.tile, opts.pad);
  let next = 0;
  const lane = async () => {
    while (next < tiles.length) {
      const t = tiles[next++];
      const input = new Float32Array(t.w * t.h * 3);
      for (let row = 0; row < t.h; row++) {
        const src = ((t.y + row) * width + t.x) * 3;
        for (let i = 0; i < t.w * 3; i++) input[row * t.w * 3 + i] = rgb[src + i];
      }
      const result = await run(input, t.h, t.w);
      // Copy the core of the upscaled tile: clip to [0, 255] and round, as an 8-bit image would.
      const tw = t.w * s;
      const ox = (t.cx - t.x) * s;
      const oy = (t.cy - t.y) * s;
      for (let row = 0; row < t.ch * s; row++) {
        const src = ((oy + row) * tw + ox) * 3;
        const dst = ((t.cy * s + row) * W + t.cx * s) * 3;
        for (let i = 0; i < t.cw * s * 3; i++) {
          const v = result[src + i];
          out[dst + i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, lane));
  return out;
}

type WorkerReply = { id: number; data?: Float32Array; error?: string };

/** Worker threads, each with its own wasm instance and copy of the model, fed one tile at a time. */
export class EsrganPool {
  private readonly pending = new Map<number, { resolve: (d: Float32Array) => void; reject: (e: Error) => void }>();
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private seq = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (m: WorkerReply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined || !m.data) p.reject(new Error(m.error ?? 'no data'));
        else p.resolve(m.data);
        this.release(w);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    }
  }

  static async start(model: EsrganModel, scale: number, size: number): Promise<EsrganPool> {
    // Workers do not inherit tsx's loader: register it, then load the TypeScript worker module.
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./upscale-worker.ts', import.meta.url).href)}); })`;
    const workers = Array.from({ length: size }, () => new Worker(boot, { eval: true, workerData: { model, scale } }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
            w.once('error', reject);
          }),
      ),
    );
    const pool = new EsrganPool(workers);
    pool.idle.push(...workers);
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  readonly run: TileRunner = async (data, height, width) => {
    const w = await this.acquire();
    const id = ++this.seq;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, data, height, width }, [data.buffer as ArrayBuffer]);
    });
  };

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(w);
    else this.idle.push(w);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
