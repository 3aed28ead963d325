/**
 * tensorToRgb microbenchmark: milliseconds per image for the plain-JS path and the wasm SIMD path
 * (copies into and out of wasm memory included), on smooth and noisy decoder-like data.
 *
 *   npx tsx bench/rgb.ts [--iters 200] [--sizes 512,1024]
 *
 * Each figure is the median over batches of 10 calls, after a warm-up that lets V8 optimize the
 * JS loop (the wasm kernel's memory is a fixed 1 MiB it streams strips through).
 */
import { parseArgs } from 'node:util';
import { tensorToRgb, tensorToRgbJs } from '../src/engine/diffusion/latents.js';
import { rgbWasmAvailable } from '../src/engine/diffusion/rgb-wasm.js';

const { values } = parseArgs({
  options: {
    iters: { type: 'string', default: '200' },
    sizes: { type: 'string', default: '512,1024' },
  },
});
const iters = Number(values.iters);
const sizes = values.sizes!.split(',').map(Number);
const BATCH = 10;

if (!rgbWasmAvailable()) {
  console.log('wasm SIMD kernel unavailable on this runtime: tensorToRgb uses the JS path');
  process.exit(0);
}

/** Mostly in [-1, 1] with gentle gradients, as a decoded photo. */
function smooth(size: number): Float32Array {
  const plane = size * size;
  const x = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      for (let i = 0; i < size; i++) x[c * plane + y * size + i] = 0.9 * Math.sin((i + 2 * c) / 37) * Math.cos(y / 53);
    }
  }
  return x;
}

/** Uniform in [-1.3, 1.3] (a fifth of it out of range), seeded so runs compare. */
function noisy(size: number): Float32Array {
  const x = new Float32Array(size * size * 3);
  let s = 0x9e3779b9;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 2 ** 32) * 2.6 - 1.3;
  }
  return x;
}

function msPerCall(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  const batches: number[] = [];
  for (let done = 0; done < iters; done += BATCH) {
    const t = performance.now();
    for (let i = 0; i < BATCH; i++) fn();
    batches.push((performance.now() - t) / BATCH);
  }
  batches.sort((a, b) => a - b);
  return batches[batches.length >> 1];
}

console.log(`node ${process.version}, ${iters} calls per figure (median of batches of ${BATCH})`);
console.log('size       data    range    js ms   wasm ms   js/wasm  identical');
for (const size of sizes) {
  for (const [name, make] of [
    ['smooth', smooth],
    ['noisy', noisy],
  ] as const) {
    const x = make(size);
    for (const range of ['signed', 'unit'] as const) {
      const same = tensorToRgb(x, size, size, range).equals(tensorToRgbJs(x, size, size, range));
      const js = msPerCall(() => tensorToRgbJs(x, size, size, range));
      const wasm = msPerCall(() => tensorToRgb(x, size, size, range));
      const cells = [`${size}x${size}`.padEnd(10), name.padEnd(7), range.padEnd(6), js.toFixed(3).padStart(7), wasm.toFixed(3).padStart(9)];
      console.log(`${cells.join(' ')} ${(js / wasm).toFixed(1).padStart(8)}x  ${same ? 'yes' : 'NO'}`);
    }
  }
}
