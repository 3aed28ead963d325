/**
 * Identity transfer on real faces: a character built from the astronaut (plus a mirrored and a
 * re-lit copy), transferred by the default mesh-warp engine onto other people's faces cropped
 * from @vladmandic/human's sample photos. Prints per target: faceres score to the character
 * before and after, SSIM outside the dilated face mask, milliseconds per face; then the mean
 * and the share at or above the same-person threshold; saves a before/after contact sheet.
 * `seam` is the edge strength along the border of the changed pixels, output over input (1 =
 * no added edge; a hard paste is ~2.4). Besides wall-clock time it prints the process's CPU time per face, which does not depend on
 * what else the machine is running.
 *
 *   npx tsx bench/identity.ts [--sheet docs/identity-contact-sheet.png]
 */
import fs from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import { buildCharacter } from '../src/engine/face/character.js';
import { detectFaces, type DetectedFace } from '../src/engine/face/detect.js';
import { SAME_PERSON_THRESHOLD } from '../src/engine/face/recognizer.js';
import { scoreIdentityRgb } from '../src/engine/face/score.js';
import { decodeRgb, type RgbImage } from '../src/engine/human/image-tensor.js';
import { meshWarpFaces, meshTriangles } from '../src/engine/identity/default-transfer.js';
import { convexHull, fillPolygon } from '../src/engine/identity/mesh-warp.js';
import { dilate, seamGradients, ssimOutside } from '../src/engine/identity/image-quality.js';
import { bounds, meshPoints, prepareReferences } from '../src/engine/identity/references.js';
import { astronautSet, FACE_TARGETS, loadFaceTarget } from '../test/helpers/face-targets.js';

const sheetArg = process.argv.indexOf('--sheet');
const sheetPath = sheetArg > 0 ? process.argv[sheetArg + 1] : 'docs/identity-contact-sheet.png';
const TILE = 224;

const photos = await astronautSet(fs.readFileSync(new URL('../test/fixtures/faces/astronaut.png', import.meta.url)));
const character = await buildCharacter(photos);
if (character.status !== 'completed') throw new Error(`character build failed: ${JSON.stringify(character.refused)}`);
const refs = await prepareReferences(character.accepted.map((i) => photos[i]));
await meshTriangles();
console.log(`character: ${character.accepted.length} photos accepted, ${refs.length} references; engine mesh-warp`);

/** The face of `img` nearest to `like` (the same face after the transfer). */
async function nearestFace(img: RgbImage, like: DetectedFace): Promise<DetectedFace[]> {
  const c = (f: DetectedFace) => [f.box[0] + f.box[2] / 2, f.box[1] + f.box[3] / 2];
  const [lx, ly] = c(like);
  return (await detectFaces(img))
    .sort((a, b) => Math.hypot(c(a)[0] - lx, c(a)[1] - ly) - Math.hypot(c(b)[0] - lx, c(b)[1] - ly))
    .slice(0, 1);
}

const raw = (img: RgbImage) =>
  sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
const tiles: sharp.OverlayOptions[] = [];
const rows: {
  name: string;
  expected?: string;
  before: number;
  after: number;
  ssim: number;
  seam: number;
  ms: number;
  cpuMs: number;
  status: string;
}[] = [];
for (const t of FACE_TARGETS) {
  const img = await decodeRgb(await loadFaceTarget(t));
  // The face nearest the crop's centre is the target (neighbours may show at the edges).
  const centre = (f: { box: number[] }) => Math.hypot(f.box[0] + f.box[2] / 2 - img.width / 2, f.box[1] + f.box[3] / 2 - img.height / 2);
  const faces = (await detectFaces(img)).sort((a, b) => centre(a) - centre(b)).slice(0, 1);
  const before = await scoreIdentityRgb(img, character.centroid!, faces);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await meshWarpFaces(img, faces, refs, 1);
  const ms = performance.now() - start;
  // CPU time of this process over the transfer: what it costs on an idle core, whatever else the machine runs.
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const after = await scoreIdentityRgb(r.image, character.centroid!, await nearestFace(r.image, faces[0]));
  const pts = meshPoints(faces[0].mesh);
  const [x0, , x1] = bounds(pts);
  const mask = dilate(fillPolygon(convexHull(pts), img.width, img.height), img.width, img.height, Math.ceil(0.02 * (x1 - x0)) + 2);
  const ssim = ssimOutside(img, r.image, mask);
  const seam = seamGradients(img, r.image);
  const rep = r.reports[0];
  rows.push({
    name: t.name,
    expected: t.refuse,
    before,
    after,
    ssim,
    seam: rep.transferred ? seam.after / seam.before : NaN,
    ms,
    cpuMs,
    status: rep.transferred ? `transferred (reference ${rep.reference})` : `refused: ${rep.code}`,
  });
  const i = rows.length - 1;
  const col = (i % 4) * 2,
    row = Math.floor(i / 4);
  const label = (s: string) =>
    Buffer.from(
      `<svg width="${TILE}" height="20"><rect width="100%" height="100%" fill="black" opacity="0.6"/><text x="4" y="15" font-family="sans-serif" font-size="13" fill="white">${s}</text></svg>`,
    );
  // Tiles show the target face itself: a square 1.6 face boxes wide around it.
  const [bx, by, bw, bh] = faces[0].box;
  const side = Math.min(img.width, img.height, Math.round(1.6 * Math.max(bw, bh)));
  const zoom = {
    left: Math.max(0, Math.min(img.width - side, Math.round(bx + bw / 2 - side / 2))),
    top: Math.max(0, Math.min(img.height - side, Math.round(by + bh / 2 - side / 2))),
    width: side,
    height: side,
  };
  tiles.push({
    input: await raw(img)
      .extract(zoom)
      .resize(TILE, TILE)
      .composite([{ input: label(`${t.name} before ${before.toFixed(2)}`), gravity: 'south' }])
      .png()
      .toBuffer(),
    left: col * TILE,
    top: row * TILE,
  });
  tiles.push({
    input: await raw(r.image)
      .extract(zoom)
      .resize(TILE, TILE)
      .composite([{ input: label(rep.transferred ? `after ${after.toFixed(2)}` : `refused: ${rep.code}`), gravity: 'south' }])
      .png()
      .toBuffer(),
    left: (col + 1) * TILE,
    top: row * TILE,
  });
}

console.log('target          before  after   ssim_out  seam   ms/face  cpu_ms  result');
for (const r of rows)
  console.log(
    `${r.name.padEnd(15)} ${r.before.toFixed(3)}   ${r.after.toFixed(3)}   ${r.ssim.toFixed(4)}    ${Number.isNaN(r.seam) ? '  -  ' : r.seam.toFixed(2)}   ${r.ms.toFixed(0).padStart(5)}    ${r.cpuMs.toFixed(0).padStart(5)}   ${r.status}`,
  );
const frontal = rows.filter((r) => !r.expected);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const refusedAsExpected = rows.filter((r) => r.expected && r.status === `refused: ${r.expected}`).length;
console.log(`expected refusals (profile, sunglasses): ${refusedAsExpected}/${rows.filter((r) => r.expected).length}`);
console.log(
  `frontal targets: ${frontal.length}; mean before ${mean(frontal.map((r) => r.before)).toFixed(3)}, mean after ${mean(frontal.map((r) => r.after)).toFixed(3)}; ` +
    `share >= ${SAME_PERSON_THRESHOLD}: ${frontal.filter((r) => r.after >= SAME_PERSON_THRESHOLD).length}/${frontal.length}; ` +
    `min SSIM outside mask ${Math.min(...rows.map((r) => r.ssim)).toFixed(4)}; mean ms/face ${mean(frontal.map((r) => r.ms)).toFixed(0)} wall, ${mean(frontal.map((r) => r.cpuMs)).toFixed(0)} CPU; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
);
const sheetRows = Math.ceil(rows.length / 4);
await sharp({ create: { width: 8 * TILE, height: sheetRows * TILE, channels: 3, background: '#202020' } })
  .composite(tiles)
  .png()
  .toFile(sheetPath);
console.log(`contact sheet: ${sheetPath}`);
