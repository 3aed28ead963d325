import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession } from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, type RgbImage } from '../../human/image-tensor.js';
import { buildCharacter, type CharacterBuild } from '../character.js';
import { detectFaces } from '../detect.js';
import { makeFaceFixtureModels, type FaceFixtureModels } from '../fixture/index.js';
import { l2normalize } from '../vector.js';
import { loadIdentityTransfer, type IdentityTransfer } from './index.js';
import { identityModelsStatus, IDENTITY_MODELS } from './models.js';
import { readLastInitializer } from './onnx-initializer.js';
import { loadFaceSwapper } from './swapper.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/faces');
const astronaut = readFileSync(path.join(fixtures, 'astronaut.png'));

let dir: string;
let models: FaceFixtureModels;
let transfer: IdentityTransfer;
let character: CharacterBuild;
let source: Float32Array;
let generated: Buffer; // stands in for a generated image: another man's face
let generatedRgb: RgbImage;
let faceBox: [number, number, number, number];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'opensoul-face-'));
  models = await makeFaceFixtureModels(path.join(dir, 'fixture'));
  transfer = await loadIdentityTransfer({ ...models, provider: 'cpu' });
  character = await buildCharacter([astronaut]);
  source = await transfer.embedSource(character.faceCrops);
  generated = await sharp(path.join(fixtures, 'people/v-detect.jpg')).resize(560).extend({ top: 120, bottom: 120, left: 200, right: 200, background: '#3a5f7d' }).png().toBuffer();
  generatedRgb = await decodeRgb(generated);
  faceBox = (await detectFaces(generatedRgb))[0].box;
});

afterAll(async () => {
  await transfer?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('fixture models', () => {
  it('have the real interfaces', async () => {
    const swap = await InferenceSession.create(models.swapperPath, { logSeverityLevel: 3 });
    expect(swap.inputMetadata.map((m) => [m.name, m.isTensor && m.shape])).toEqual([
      ['target', [1, 3, 128, 128]],
      ['source', [1, 512]],
    ]);
    expect(swap.outputMetadata.map((m) => [m.name, m.isTensor && m.shape])).toEqual([['output', [1, 3, 128, 128]]]);
    const rec = await InferenceSession.create(models.recognizerPath, { logSeverityLevel: 3 });
    expect(rec.inputMetadata.map((m) => [m.name, m.isTensor && m.shape])).toEqual([['input.1', ['batch', 3, 112, 112]]]);
    expect(rec.outputMetadata.map((m) => [m.name, m.isTensor && m.shape])).toEqual([['683', ['batch', 512]]]);
    await Promise.all([swap.release(), rec.release()]);
  });

  it('are byte-identical from run to run (seeded weights)', async () => {
    const again = await makeFaceFixtureModels(path.join(dir, 'again'));
    expect(readFileSync(again.swapperPath).equals(readFileSync(models.swapperPath))).toBe(true);
    expect(readFileSync(again.recognizerPath).equals(readFileSync(models.recognizerPath))).toBe(true);
  });
});

describe('emap', () => {
  it('is read from the last initializer and projects the embedding', async () => {
    const emap = readLastInitializer(models.swapperPath)!;
    expect(emap.name).toBe('emap');
    expect(emap.dims).toEqual([512, 512]);
    expect(transfer.swapperHasEmap).toBe(true);
    const swapper = await loadFaceSwapper(models.swapperPath);
    const e = l2normalize(Float32Array.from({ length: 512 }, (_, i) => Math.cos(i)));
    const expected = new Float32Array(512);
    for (let i = 0; i < 512; i++) for (let j = 0; j < 512; j++) expected[j] += e[i] * emap.data![i * 512 + j];
    const latent = swapper.latent(e);
    const want = l2normalize(expected);
    for (const j of [0, 17, 300, 511]) expect(latent[j]).toBeCloseTo(want[j], 5);
    await swapper.release();
  });

  it('is not applied when the model has none', async () => {
    const plain = await makeFaceFixtureModels(path.join(dir, 'plain'), { emap: false });
    const swapper = await loadFaceSwapper(plain.swapperPath);
    expect(swapper.hasEmap).toBe(false);
    const e = l2normalize(Float32Array.from({ length: 512 }, (_, i) => Math.sin(i)));
    expect(Array.from(swapper.latent(e))).toEqual(Array.from(e));
    await swapper.release();
  });
});

describe('embedSource', () => {
  it('gives one normalised 512-d identity from stored face crops', async () => {
    expect(source).toHaveLength(512);
    expect(Math.hypot(...source)).toBeCloseTo(1, 4);
    const twice = await transfer.embedSource([...character.faceCrops, ...character.faceCrops]);
    twice.forEach((v, i) => expect(v).toBeCloseTo(source[i], 5));
  });
});

function changedPixels(a: RgbImage, b: RgbImage, inside: (x: number, y: number) => boolean): { inside: number; outside: number } {
  let inCount = 0, outCount = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 3;
      if (a.data[i] === b.data[i] && a.data[i + 1] === b.data[i + 1] && a.data[i + 2] === b.data[i + 2]) continue;
      if (inside(x, y)) inCount++;
      else outCount++;
    }
  }
  return { inside: inCount, outside: outCount };
}

function inDilatedBox(box: [number, number, number, number], factor: number) {
  const [x, y, w, h] = box;
  const cx = x + w / 2, cy = y + h / 2;
  return (px: number, py: number) => Math.abs(px - cx) <= (w * factor) / 2 && Math.abs(py - cy) <= (h * factor) / 2;
}

describe('applyIdentity', () => {
  it('leaves the image unchanged at strength 0 and still scores it', async () => {
    const r = await transfer.applyIdentity({ image: generated, sourceEmbedding: source, strength: 0, centroid: character.centroid! });
    expect(r.faces).toBe(1);
    expect(r.image.equals(generated)).toBe(true);
    const pixels = await decodeRgb(r.image);
    expect(Buffer.from(pixels.data).equals(Buffer.from(generatedRgb.data))).toBe(true);
    expect(typeof r.identityScore).toBe('number');
    expect(r.identityScore!).toBeGreaterThan(-1);
    expect(r.identityScore!).toBeLessThan(1);
  });

  it('changes pixels only inside the face at strength 1, and scores the output', async () => {
    const r = await transfer.applyIdentity({ image: generated, sourceEmbedding: source, strength: 1, centroid: character.centroid! });
    expect(r.faces).toBe(1);
    const out = await decodeRgb(r.image);
    expect([out.width, out.height]).toEqual([generatedRgb.width, generatedRgb.height]);
    const diff = changedPixels(generatedRgb, out, inDilatedBox(faceBox, 1.25));
    expect(diff.outside).toBe(0);
    expect(diff.inside).toBeGreaterThan(0.2 * faceBox[2] * faceBox[3]);
    expect(typeof r.identityScore).toBe('number');
  });

  it('blends: half strength moves the face about half as far', async () => {
    const full = await decodeRgb((await transfer.applyIdentity({ image: generated, sourceEmbedding: source, strength: 1 })).image);
    const half = await decodeRgb((await transfer.applyIdentity({ image: generated, sourceEmbedding: source, strength: 0.5 })).image);
    let dFull = 0, dHalf = 0;
    for (let i = 0; i < full.data.length; i++) {
      dFull += Math.abs(full.data[i] - generatedRgb.data[i]);
      dHalf += Math.abs(half.data[i] - generatedRgb.data[i]);
    }
    expect(dHalf / dFull).toBeGreaterThan(0.4);
    expect(dHalf / dFull).toBeLessThan(0.6);
  });

  it('returns an image without a face untouched, with score 0', async () => {
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#556677' } }).png().toBuffer();
    const r = await transfer.applyIdentity({ image: blank, sourceEmbedding: source, strength: 1, centroid: character.centroid! });
    expect(r).toEqual({ image: blank, faces: 0, identityScore: 0 });
  });

  it('rejects a strength outside 0..1 and an embedding of the wrong size', async () => {
    await expect(transfer.applyIdentity({ image: generated, sourceEmbedding: source, strength: 1.5 })).rejects.toThrow(/strength/);
    await expect(transfer.applyIdentity({ image: generated, sourceEmbedding: new Float32Array(128), strength: 1 })).rejects.toThrow(/512/);
  });
});

describe('identityModelsStatus', () => {
  it('names what to pull when the models are missing', () => {
    const s = identityModelsStatus(path.join(dir, 'empty-models'));
    expect(s.ok).toBe(false);
    expect(s.missing).toHaveLength(2);
    expect(s.pullCommand).toContain(`opensoul models pull ${IDENTITY_MODELS.swapper.repo}`);
    expect(s.pullCommand).toContain(`opensoul models pull ${IDENTITY_MODELS.recognizer.repo}`);
    expect(s.missing.join(' ')).toMatch(/non-commercial/);
  });

  it('finds models pulled into the hub cache layout', () => {
    const modelsDir = path.join(dir, 'models');
    for (const spec of [IDENTITY_MODELS.swapper, IDENTITY_MODELS.recognizer]) {
      const rev = path.join(modelsDir, spec.repo.replace('/', '--'), 'main');
      mkdirSync(path.dirname(path.join(rev, spec.file)), { recursive: true });
      writeFileSync(path.join(rev, spec.file), 'x');
      writeFileSync(path.join(rev, '.opensoul-manifest.json'), '{}');
    }
    const s = identityModelsStatus(modelsDir);
    expect(s).toMatchObject({ ok: true, missing: [], pullCommand: '' });
    expect(s.swapperPath).toMatch(/inswapper_128\.onnx$/);
    expect(s.recognizerPath).toMatch(/w600k_r50\.onnx$/);
  });
});
