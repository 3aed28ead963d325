/**
 * DoP render benchmark: renders the 5 s clip at every tier on this machine and prints where the
 * time goes and the ratio to real time (5 s).
 * Run: npx tsx bench/dop.ts [--runs N] [--motion "Dolly In,Dust"] [--aspect 16:9|1:1|9:16]
 *
 * The first parallax render of a process also loads the person segmentation model (tfjs-wasm);
 * it is reported separately as "warm-up", the tier rows are measured after it.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import { MOTIONS } from '../src/domain/motions.js';
import { renderDop, type DopTier } from '../src/engine/video/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const runs = Math.max(1, Number(flag('runs', '1')));
const motionNames = flag('motion', 'Dolly In,Dust').split(',');
const motions = motionNames.map((n) => {
  const m = MOTIONS.find((x) => x.name.toLowerCase() === n.trim().toLowerCase());
  if (!m) throw new Error(`no motion named ${n}; try one of: ${MOTIONS.map((x) => x.name).join(', ')}`);
  return { id: m.id, strength: 1 };
});
const aspect = flag('aspect', '16:9');
const [aw, ah] = aspect.split(':').map(Number);
if (!(aw > 0 && ah > 0)) throw new Error(`--aspect must look like 16:9, got ${aspect}`);
// The face photo, centre-cropped to the aspect ratio (16:9 gives 1280x720 at turbo).
const photo = readFileSync(new URL('../test/fixtures/faces/astronaut.png', import.meta.url));
const inW = aw >= ah ? 1024 : Math.round((1024 * aw) / ah);
const inH = aw >= ah ? Math.round((1024 * ah) / aw) : 1024;
const image = await sharp(photo).resize(inW, inH, { fit: 'cover', position: 'attention' }).jpeg({ quality: 92 }).toBuffer();
const CLIP_S = 5;

const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

console.log(
  `DoP bench: ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'}), load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `input: astronaut.png cropped to ${aspect} (${inW}x${inH} JPEG); motions: ${motionNames.join(' + ')}; ${runs} run(s) per tier, best shown\n`,
);

const warm = performance.now();
const w = await renderDop({ image, motions, prompt: '', tier: 'lite', seed: 1 });
console.log(
  `warm-up (lite, loads the segmentation model): ${fmt((performance.now() - warm) / 1000)} s, matte ${w.matte ?? 'none'} in ${fmt(w.timings.matteS)} s\n`,
);

console.log('tier      size        wall s  prepare s  matte s  render s  encode CPU s  wall/5s  x real time');
for (const tier of ['lite', 'turbo', 'standard'] as DopTier[]) {
  let best: Awaited<ReturnType<typeof renderDop>> | null = null;
  let bestWall = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const res = await renderDop({ image, motions, prompt: '', tier, seed: 1 + r });
    const wall = (performance.now() - t0) / 1000;
    if (wall < bestWall) {
      bestWall = wall;
      best = res;
    }
  }
  const t = best!.timings;
  console.log(
    `${tier.padEnd(9)} ${`${best!.width}x${best!.height}`.padEnd(11)} ${fmt(bestWall).padStart(6)} ${fmt(t.prepareS).padStart(10)} ${fmt(t.matteS).padStart(8)} ${fmt(t.renderS).padStart(9)} ${fmt(t.encodeCpuS).padStart(13)} ${fmt(bestWall / CLIP_S).padStart(8)} ${fmt(CLIP_S / bestWall).padStart(12)}`,
  );
}
console.log('\nwall: whole renderDop call; render: frame synthesis in Node; encode CPU: ffmpeg user+sys (main + preview renditions),');
console.log('which runs concurrently with rendering. wall/5s < 1 means faster than real time. Target: turbo under 10 s.');
