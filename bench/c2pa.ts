/**
 * Cost of C2PA content credentials per output (c2pa-rs wasm, ES256):
 *
 *   npx tsx bench/c2pa.ts [--runs 5]
 *
 * Signs a 512² and a 2048² PNG, a 1024² JPEG and a 5 s 480p MP4 (dop-lite), and reads each back
 * with validation. Medians of --runs.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { C2paSigner, createSigningIdentity, verifyAsset } from '../src/engine/c2pa/index.js';
import { renderDop } from '../src/engine/video/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Math.max(1, Number(values.runs));
const astronaut = readFileSync(new URL('../test/fixtures/faces/astronaut.png', import.meta.url));
const identity = createSigningIdentity('bench');
const t0 = performance.now();
const signer = new C2paSigner(identity);
const initMs = performance.now() - t0;
const manifest = {
  claim_generator_info: [{ name: 'opensoul', version: 'bench' }],
  title: 'bench',
  assertions: [
    {
      label: 'c2pa.actions.v2',
      data: {
        actions: [{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' }],
      },
    },
  ],
};
const files: [string, string, Buffer][] = [
  ['PNG 512²', 'image/png', await sharp(astronaut).png().toBuffer()],
  ['PNG 2048²', 'image/png', await sharp(astronaut).resize(2048, 2048).png({ compressionLevel: 4 }).toBuffer()],
  ['JPEG 1024²', 'image/jpeg', await sharp(astronaut).resize(1024, 1024).jpeg({ quality: 90 }).toBuffer()],
  ['MP4 5 s 480p', 'video/mp4', (await renderDop({ image: astronaut, motions: [], prompt: 'slow zoom in', tier: 'lite', seed: 1 })).video],
];
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(`c2pa-rs wasm init ${initMs.toFixed(0)} ms; medians of ${runs}`);
console.log('file           MB     sign ms  verify ms  bytes added');
for (const [label, type, bytes] of files) {
  await signer.sign(bytes, type, manifest);
  const sign: number[] = [];
  const verify: number[] = [];
  let signed: Buffer = Buffer.alloc(0);
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    signed = await signer.sign(bytes, type, manifest);
    sign.push(performance.now() - t);
    t = performance.now();
    const v = await verifyAsset(signed, identity.caPem);
    verify.push(performance.now() - t);
    if (!v.trusted) throw new Error(`${label}: not trusted after signing`);
  }
  console.log(
    `${label.padEnd(14)} ${(bytes.length / 1e6).toFixed(2).padEnd(6)} ${median(sign).toFixed(0).padEnd(8)} ${median(verify).toFixed(0).padEnd(10)} ${signed.length - bytes.length}`,
  );
}
