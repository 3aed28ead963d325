/**
 * Soul ID benchmark: seconds to build a character from N photos (face analysis on tfjs-wasm),
 * and the per-image cost of identity transfer and of identity scoring, on the generated fixture
 * transfer models and, when installed, on the real ones (CPU).
 *
 *   npx tsx bench/soul-id.ts [--runs 3] [--models-dir DIR]
 *
 * The N photos are copies of test/fixtures/faces/astronaut.png with small variations (light,
 * rotation, scale) so that each one goes through the full analysis.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { buildCharacter } from '../src/engine/face/character.js';
import { scoreIdentity } from '../src/engine/face/score.js';
import { makeIdentityFixtureModels } from '../test/helpers/identity-fixture.js';
import { identityModelsStatus } from '../src/engine/identity/models.js';
import { loadIdentityTransfer } from '../src/engine/identity/transfer.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'models-dir': { type: 'string' } } });
const runs = Math.max(1, Number(values.runs));
const modelsDir = values['models-dir'] ? resolve(values['models-dir']) : loadConfig().modelsDir;
const astronaut = readFileSync(new URL('../test/fixtures/faces/astronaut.png', import.meta.url));

const now = () => performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Photo i: brightness, a small rotation and a size change, all within the photo requirements. */
async function variant(i: number): Promise<Buffer> {
  if (i === 0) return astronaut;
  const side = 512 + 24 * i;
  return sharp(astronaut)
    .modulate({ brightness: 1 + 0.03 * ((i % 3) - 1) })
    .rotate(((i % 5) - 2) * 1.5, { background: '#c8c4c0' })
    .resize(side, side, { fit: 'cover' })
    .png()
    .toBuffer();
}

async function timeIt<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = now();
  const value = await fn();
  return { ms: now() - t0, value };
}

const photos = await Promise.all(Array.from({ length: 8 }, (_, i) => variant(i)));

console.log(`Soul ID benchmark (${runs} runs, median; CPU, tfjs-wasm face analysis)\n`);
const cold = await timeIt(() => buildCharacter([photos[0]]));
console.log(`first build (loads the face models): ${(cold.ms / 1000).toFixed(2)} s\n`);

console.log('build a character from N photos');
console.log('N  accepted  seconds  s/photo');
let crops: Buffer[] = [];
let centroid: Float32Array | null = null;
for (const n of [1, 4, 8]) {
  const ms: number[] = [];
  let accepted = 0;
  for (let r = 0; r < runs; r++) {
    const b = await timeIt(() => buildCharacter(photos.slice(0, n)));
    ms.push(b.ms);
    accepted = b.value.accepted.length;
    crops = b.value.faceCrops;
    centroid = b.value.centroid;
  }
  const s = median(ms) / 1000;
  console.log(`${String(n).padEnd(2)} ${String(accepted).padStart(8)}  ${s.toFixed(2).padStart(7)}  ${(s / n).toFixed(3).padStart(7)}`);
}
if (!centroid) throw new Error('the benchmark photos did not make a character');

const images: { label: string; bytes: Buffer }[] = [
  { label: 'astronaut 512x512', bytes: astronaut },
  { label: 'astronaut 1024x1024', bytes: await sharp(astronaut).resize(1024, 1024).png().toBuffer() },
  {
    label: 'no face 1024x1024',
    bytes: await sharp({
      create: { width: 1024, height: 1024, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
    })
      .png()
      .toBuffer(),
  },
];

async function benchTransfer(label: string, paths: { swapperPath: string; recognizerPath: string }) {
  const load = await timeIt(() => loadIdentityTransfer(paths));
  const t = load.value;
  try {
    const embed = await timeIt(() => t.embedSource(crops));
    console.log(
      `\n${label}: load ${(load.ms / 1000).toFixed(2)} s, emap ${t.info.emap ?? 'none'}; source embedding from ${crops.length} crops ${embed.ms.toFixed(0)} ms`,
    );
    console.log('image                 faces  transfer ms  score ms  transfer+score ms');
    for (const img of images) {
      await t.apply({ image: img.bytes, sourceEmbedding: embed.value, strength: 1 }); // warm-up
      const tr: number[] = [],
        sc: number[] = [];
      let faces = 0;
      for (let r = 0; r < runs; r++) {
        const a = await timeIt(() => t.apply({ image: img.bytes, sourceEmbedding: embed.value, strength: 1 }));
        faces = a.value.faces;
        tr.push(a.ms);
        sc.push((await timeIt(() => scoreIdentity(a.value.image, centroid!))).ms);
      }
      const a = median(tr),
        b = median(sc);
      console.log(
        `${img.label.padEnd(21)} ${String(faces).padStart(5)}  ${a.toFixed(0).padStart(11)}  ${b.toFixed(0).padStart(8)}  ${(a + b).toFixed(0).padStart(17)}`,
      );
    }
  } finally {
    await t.release();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'opensoul-bench-soul-id-'));
try {
  const fx = await timeIt(() => makeIdentityFixtureModels(dir));
  console.log(`\nfixture identity models written in ${fx.ms.toFixed(0)} ms`);
  await benchTransfer('fixture swapper + recogniser', fx.value);
  const real = await identityModelsStatus(modelsDir);
  if (real.ok)
    await benchTransfer(`installed models (${real.swapperPath})`, { swapperPath: real.swapperPath!, recognizerPath: real.recognizerPath! });
  else console.log(`\nreal transfer models: not installed in ${modelsDir}, skipped`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
