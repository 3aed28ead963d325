import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelDir } from '../../../src/engine/hub/cache.js';
import { writeManifest } from '../../../src/engine/hub/cache.js';
import { makeIdentityFixtureModels } from '../../helpers/identity-fixture.js';
import { identityModelsStatus, LOCAL_DIR, RECOGNIZER_CANDIDATES, SWAPPER_CANDIDATES } from '../../../src/engine/identity/models.js';
import { listInitializers, readInitializer } from '../../../src/engine/identity/onnx-initializers.js';
import { loadSwapper, projectEmbedding } from '../../../src/engine/identity/swapper.js';
import { loadArcFace } from '../../../src/engine/identity/arcface.js';

const { onnx } = onnxProto;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-identity-models-'));
let fixture: { swapperPath: string; recognizerPath: string };

beforeAll(async () => {
  fixture = await makeIdentityFixtureModels(path.join(tmp, 'fixture'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function decodedInitializer(file: string, name: string): Float32Array {
  const m = onnx.ModelProto.decode(fs.readFileSync(file));
  const t = m.graph!.initializer!.find((i) => i.name === name)!;
  const raw = t.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

async function installInHub(modelsDir: string, repo: string, file: string, from: string) {
  const dir = modelDir(modelsDir, repo, 'main');
  const dest = path.join(dir, ...file.split('/'));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(from, dest);
  await writeManifest(dir, {
    format: 1,
    repo,
    revision: 'main',
    commit: 'f'.repeat(40),
    endpoint: 'https://huggingface.co',
    only: [file],
    pulledAt: new Date().toISOString(),
    totalBytes: fs.statSync(dest).size,
    files: [{ path: file, size: fs.statSync(dest).size, verified: 'size' }],
  });
}

describe('identity models: status and locations', () => {
  it('nothing installed: not ok, both missing, the message names both exact pull commands', async () => {
    const s = await identityModelsStatus(path.join(tmp, 'empty'));
    expect(s.ok).toBe(false);
    expect(s.missing).toEqual(['swapper', 'recognizer']);
    expect(s.message).toContain(`opensoul models pull ${SWAPPER_CANDIDATES[0].repo} --only '${SWAPPER_CANDIDATES[0].file}'`);
    expect(s.message).toContain(`opensoul models pull ${RECOGNIZER_CANDIDATES[0].repo} --only '${RECOGNIZER_CANDIDATES[0].file}'`);
    expect(s.message).toMatch(/non-commercial/);
    expect(s.swapperPath).toBeUndefined();
  });

  it('finds a pulled swapper in the hub cache and a hand-copied recogniser in identity/', async () => {
    const modelsDir = path.join(tmp, 'mixed');
    await installInHub(modelsDir, SWAPPER_CANDIDATES[1].repo, SWAPPER_CANDIDATES[1].file, fixture.swapperPath);
    let s = await identityModelsStatus(modelsDir);
    expect(s.missing).toEqual(['recognizer']);
    expect(s.swapperPath).toBe(path.join(modelDir(modelsDir, SWAPPER_CANDIDATES[1].repo, 'main'), SWAPPER_CANDIDATES[1].file));
    expect(s.message).toContain(`opensoul models pull ${RECOGNIZER_CANDIDATES[0].repo}`);
    expect(s.message).not.toContain(SWAPPER_CANDIDATES[0].repo);

    fs.mkdirSync(path.join(modelsDir, LOCAL_DIR), { recursive: true });
    fs.copyFileSync(fixture.recognizerPath, path.join(modelsDir, LOCAL_DIR, 'w600k_r50.onnx'));
    s = await identityModelsStatus(modelsDir);
    expect(s).toMatchObject({ ok: true, missing: [], recognizerPath: path.join(modelsDir, LOCAL_DIR, 'w600k_r50.onnx') });
  });

  it('a folder without a manifest (an interrupted pull) does not count as installed', async () => {
    const modelsDir = path.join(tmp, 'partial');
    const dir = modelDir(modelsDir, RECOGNIZER_CANDIDATES[0].repo, 'main');
    fs.mkdirSync(path.join(dir, 'models/buffalo_l'), { recursive: true });
    fs.copyFileSync(fixture.recognizerPath, path.join(dir, RECOGNIZER_CANDIDATES[0].file));
    expect((await identityModelsStatus(modelsDir)).missing).toContain('recognizer');
  });
});

describe('fixture models and the initializer reader', () => {
  it('the swapper and recogniser have the real signatures; same seed, same bytes', async () => {
    const again = await makeIdentityFixtureModels(path.join(tmp, 'again'));
    expect(fs.readFileSync(again.swapperPath).equals(fs.readFileSync(fixture.swapperPath))).toBe(true);
    const swapper = await loadSwapper(fixture.swapperPath);
    const arc = await loadArcFace(fixture.recognizerPath);
    try {
      expect([swapper.size, swapper.sourceDims, arc.inputSize, arc.dims]).toEqual([128, 512, 112, 512]);
      expect(swapper.emap).toMatchObject({ rows: 512, cols: 512, from: 'named' });
    } finally {
      await Promise.all([swapper.release(), arc.release()]);
    }
  });

  it('lists initializers without decoding the graph and reads emap exactly as stored', async () => {
    const inits = await listInitializers(fixture.swapperPath);
    const last = inits[inits.length - 1];
    expect(last).toMatchObject({ name: 'emap', dims: [512, 512], dataType: 1, external: false });
    const values = await readInitializer(fixture.swapperPath, last);
    expect(Array.from(values)).toEqual(Array.from(decodedInitializer(fixture.swapperPath, 'emap')));
  });

  it('projects the embedding through emap (row vector times matrix, normalised)', async () => {
    const swapper = await loadSwapper(fixture.swapperPath);
    try {
      const e = new Float32Array(512).map((_, i) => Math.sin(i * 0.37));
      const m = swapper.emap!;
      const naive = new Float64Array(512);
      for (let j = 0; j < 512; j++) for (let i = 0; i < 512; i++) naive[j] += e[i] * m.values[i * 512 + j];
      const n = Math.hypot(...naive);
      const latent = swapper.latent(e);
      for (let j = 0; j < 512; j += 37) expect(latent[j]).toBeCloseTo(naive[j] / n, 5);
      expect(Array.from(projectEmbedding(e, m))).toEqual(Array.from(latent));
    } finally {
      await swapper.release();
    }
  });

  it('without an emap the embedding goes in as is; an unnamed square last initializer is used as emap', async () => {
    const plain = await makeIdentityFixtureModels(path.join(tmp, 'plain'), { emap: false });
    const a = await loadSwapper(plain.swapperPath);
    try {
      expect(a.emap).toBeNull();
      const e = new Float32Array(512).fill(0.5);
      expect(
        Array.from(a.latent(e))
          .slice(0, 3)
          .map((v) => +v.toFixed(6)),
      ).toEqual([0.044194, 0.044194, 0.044194]);
    } finally {
      await a.release();
    }
    // Same model with emap renamed: found as InsightFace's loader finds it, by position.
    const m = onnx.ModelProto.decode(fs.readFileSync(fixture.swapperPath));
    m.graph!.initializer![m.graph!.initializer!.length - 1].name = 'onnx::MatMul_999';
    const renamed = path.join(tmp, 'renamed.onnx');
    fs.writeFileSync(renamed, onnx.ModelProto.encode(m).finish());
    const b = await loadSwapper(renamed);
    try {
      expect(b.emap).toMatchObject({ rows: 512, cols: 512, from: 'last-initializer' });
    } finally {
      await b.release();
    }
  });

  it('refuses a file that is not a swapper', async () => {
    await expect(loadSwapper(fixture.recognizerPath)).rejects.toThrow(/not an inswapper-style swapper/);
  });
});
