import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** Largest model.json / weight shard we agree to read (the biggest shipped model is ~14 MB). */
const MAX_MODEL_JSON_BYTES = 16 * 1024 * 1024;
const MAX_WEIGHT_BYTES = 128 * 1024 * 1024;

function readBounded(file: string, limit: number): Buffer {
  const size = statSync(file).size;
  if (size > limit) throw new Error(`model file too large (${size} bytes > ${limit}): ${file}`);
  return readFileSync(file);
}

/** A tfjs IOHandler that reads a graph model's JSON and weight shards straight from disk. */
export function diskModelHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(readBounded(modelJsonPath, MAX_MODEL_JSON_BYTES).toString('utf8')) as tf.io.ModelJSON;
      const dir = path.dirname(modelJsonPath);
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        let total = 0;
        const shards = manifest.flatMap((group) =>
          group.paths.map((p) => {
            const file = path.resolve(dir, p);
            // A manifest must not reach outside its own folder.
            if (path.relative(dir, file).startsWith('..')) throw new Error(`weight path escapes model folder: ${p}`);
            const buf = readBounded(file, MAX_WEIGHT_BYTES);
            total += buf.byteLength;
            if (total > MAX_WEIGHT_BYTES) throw new Error(`model weights too large: ${modelJsonPath}`);
            return buf;
          }),
        );
        const all = Buffer.concat(shards);
        return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
      });
    },
  };
}

let routerRegistered = false;

/**
 * Lets tfjs (and human's loader, which goes through tf.io routers) open `file://` model URLs.
 * Node's fetch cannot read file:// URLs and plain tfjs ships no file router, so without this the
 * models would have to be served over HTTP.
 */
export function registerDiskModelRouter(): void {
  if (routerRegistered) return;
  routerRegistered = true;
  // Routers answer null for URLs they do not handle; the declared type omits that case.
  const router = (url: string | string[]) =>
    typeof url === 'string' && url.startsWith('file://') ? diskModelHandler(fileURLToPath(url)) : null;
  tf.io.registerLoadRouter(router as unknown as Parameters<typeof tf.io.registerLoadRouter>[0]);
}

/** `file://` URL of a folder, with the trailing slash human's path join expects. */
export function folderUrl(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** Loads a tfjs graph model from a model.json path on disk. */
export async function loadGraphModelFromDisk(modelJsonPath: string): Promise<tf.GraphModel> {
  return tf.loadGraphModel(diskModelHandler(modelJsonPath));
}
