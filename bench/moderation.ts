/**
 * Cost of output moderation (nsfwjs on the shared tfjs wasm engine):
 *
 *   npx tsx bench/moderation.ts [--models MobileNetV2Mid,MobileNetV2,InceptionV3] [--runs 5]
 *
 * Per image: decode + squash to the model's input + classify, for the astronaut photo at 512²
 * and enlarged to 2048² (an output-sized PNG). Per clip: a 5 s dop-lite MP4 rendered from the
 * astronaut, first/middle/last frames sampled with ffmpeg and classified. Per joined series video:
 * that clip repeated to 90 s (stream copy, as long as a 90 s video series' join), same sampling.
 * Medians of --runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { nsfwClassifier, NSFW_MODEL_NAMES, type NsfwModelName } from '../src/engine/moderation/index.js';
import { renderDop } from '../src/engine/video/index.js';
import { ffmpegPath } from '../src/engine/video/ffmpeg-path.js';

const { values } = parseArgs({
  options: { models: { type: 'string', default: 'MobileNetV2Mid' }, runs: { type: 'string', default: '5' } },
});
const models = values.models.split(',') as NsfwModelName[];
for (const m of models) if (!NSFW_MODEL_NAMES.includes(m)) throw new Error(`unknown model ${m} (${NSFW_MODEL_NAMES.join(', ')})`);
const runs = Math.max(1, Number(values.runs));

const astronaut = readFileSync(new URL('../test/fixtures/faces/astronaut.png', import.meta.url));
const large = await sharp(astronaut).resize(2048, 2048).png({ compressionLevel: 4 }).toBuffer();
const clip = await renderDop({ image: astronaut, motions: [], prompt: 'slow zoom in', tier: 'lite', seed: 1 });
const joined = (() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-moderation-'));
  try {
    writeFileSync(path.join(dir, 'clip.mp4'), clip.video);
    const copies = Math.ceil(90 / clip.durationS);
    writeFileSync(path.join(dir, 'list.txt'), "file 'clip.mp4'\n".repeat(copies));
    const out = path.join(dir, 'joined.mp4');
    execFileSync(ffmpegPath(), ['-v', 'error', '-f', 'concat', '-safe', '0', '-i', path.join(dir, 'list.txt'), '-c', 'copy', out]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[runs >> 1];
}

console.log(
  `nsfwjs on tfjs wasm, median of ${runs}; clip: ${clip.width}x${clip.height}, ${clip.durationS} s at ${clip.fps} fps, ${(clip.video.length / 1e6).toFixed(2)} MB`,
);
console.log('model            load ms  512² PNG ms  2048² PNG ms  5 s clip ms  90 s joined ms (3 frames each)');
for (const name of models) {
  const c = nsfwClassifier({ model: name });
  const t0 = performance.now();
  await c.readiness();
  const load = performance.now() - t0;
  await c.classifyImage(astronaut); // warm the kernels
  const small = await median(() => c.classifyImage(astronaut));
  const big = await median(() => c.classifyImage(large));
  const video = await median(() => c.classifyVideo(clip.video));
  const series = await median(() => c.classifyVideo(joined));
  console.log(
    `${name.padEnd(16)} ${load.toFixed(0).padEnd(8)} ${small.toFixed(0).padEnd(12)} ${big.toFixed(0).padEnd(13)} ${video.toFixed(0).padEnd(12)} ${series.toFixed(0)}`,
  );
}
