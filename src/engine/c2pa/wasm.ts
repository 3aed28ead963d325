import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync } from '@contentauth/c2pa-wasm';

const require = createRequire(import.meta.url);

/**
 * A Blob whose bytes stay readable synchronously. c2pa-rs reads its source asset through the
 * browser's FileReaderSync, which Node lacks; the stand-in below answers it for these blobs
 * (slices included, since the reader seeks by slicing).
 */
export class BytesBlob extends Blob {
  readonly content: Uint8Array;
  constructor(content: Uint8Array) {
    super([content as Uint8Array<ArrayBuffer>]);
    this.content = content;
  }
  override slice(start?: number, end?: number): Blob {
    return new BytesBlob(this.content.subarray(start ?? 0, end ?? this.content.length));
  }
}

class FileReaderSyncStandIn {
  readAsArrayBuffer(blob: Blob): ArrayBuffer {
    if (!(blob instanceof BytesBlob)) throw new TypeError('only BytesBlob sources can be read synchronously in Node');
    return blob.content.slice().buffer as ArrayBuffer;
  }
}

let ready = false;

/** Loads c2pa-rs compiled to wasm from node_modules (nothing is fetched), once per process. */
export function ensureC2paWasm(): void {
  if (ready) return;
  const g = globalThis as { FileReaderSync?: unknown };
  g.FileReaderSync ??= FileReaderSyncStandIn;
  initSync({ module: readFileSync(require.resolve('@contentauth/c2pa-wasm/c2pa.wasm')) });
  ready = true;
}
