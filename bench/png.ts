/**
 * PNG encode cost of an output-sized image per zlib level (the engine uses 4):
 *
 *   npx tsx bench/png.ts [--size 1536x2048]
 *
 * Inputs are the face fixtures enlarged to the size the way the engine enlarges generations, so
 * the content is as smooth as a real output's.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { enlargeToCover } from '../src/engine/diffusion/enlarge.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '1536x2048' } } });
const [width, height] = values.size.split('x').map(Number);
const levels = [6, 4, 3, 2, 1];
const runs = 3;

console.log(`PNG encode of ${width}x${height} RGB, sharp ${sharp.versions.sharp}, median of ${runs}`);
console.log('image              level  ms     MB     ms vs 6  size vs 6');
for (const name of ['astronaut.png', 'group-samples.jpg']) {
  const { data, info } = await sharp(readFileSync(new URL(`../test/fixtures/faces/${name}`, import.meta.url)))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rgb = await enlargeToCover(data, info, { width, height });
  let base: { ms: number; bytes: number } | undefined;
  for (const level of levels) {
    const encode = () =>
      sharp(rgb, { raw: { width, height, channels: 3 } })
        .png({ compressionLevel: level })
        .toBuffer();
    await encode();
    const times: number[] = [];
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      bytes = (await encode()).length;
      times.push(performance.now() - t0);
    }
    const ms = times.sort((a, b) => a - b)[runs >> 1];
    base ??= { ms, bytes };
    console.log(
      `${name.padEnd(18)} ${String(level).padEnd(6)} ${ms.toFixed(0).padEnd(6)} ${(bytes / 1e6).toFixed(2).padEnd(6)} ${(ms / base.ms).toFixed(2).padEnd(8)} ${(bytes / base.bytes).toFixed(3)}`,
    );
  }
}
