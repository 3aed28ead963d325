import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceCharacterEngine } from '../../../src/engine/identity/character-engine.js';
import { makeIdentityFixtureModels } from '../../helpers/identity-fixture.js';
import type { CharacterBuildResult, CharacterEngine } from '../../../src/services/characters.js';

const astronaut = fs.readFileSync(new URL('../../fixtures/faces/astronaut.png', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-identity-engine-'));
let fixture: { swapperPath: string; recognizerPath: string };
let engine: CharacterEngine;
let locateCalls = 0;
let built: CharacterBuildResult;

beforeAll(async () => {
  fixture = await makeIdentityFixtureModels(tmp);
  engine = faceCharacterEngine({
    modelsDir: path.join(tmp, 'models'),
    provider: 'cpu',
    locate: async () => {
      locateCalls++;
      return fixture;
    },
  });
  built = await engine.build([astronaut]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const character = (cacheKey: string, faceCrops = built.faceCrops, photos: Buffer[] = [astronaut]) => ({
  centroid: built.centroid!,
  faceCrops,
  photos: async () => photos,
  cacheKey,
});

describe('faceCharacterEngine', () => {
  it('build: the astronaut becomes a character with a centroid, a thumbnail and a face crop', async () => {
    expect(built.status).toBe('completed');
    expect(built.accepted).toEqual([0]);
    expect(built.refused).toEqual([]);
    expect(built.centroid!.length).toBe(1024);
    expect((await sharp(built.thumbnail!).metadata()).format).toBe('jpeg');
    expect(built.faceCrops).toHaveLength(1);
  });

  it('build: a 256px copy is refused for its resolution, with progress reported', async () => {
    const small = await sharp(astronaut).resize(256, 256).png().toBuffer();
    const seen: [number, number][] = [];
    const r = await engine.build([small], (d, t) => seen.push([d, t]));
    expect(r.status).toBe('failed');
    expect(r.centroid).toBeNull();
    expect(r.refused[0]).toMatchObject({ index: 0, code: 'resolution_too_low' });
    expect(seen[seen.length - 1]).toEqual([1, 1]);
  });

  it('transfer: swaps the face and scores the output against the centroid', async () => {
    const r = await engine.transfer(astronaut, character('c1'), 1);
    expect(r.faces).toBe(1);
    expect(r).toMatchObject({ engine: 'insightface-swapper', reports: [{ transferred: true }] });
    expect(r.scoreBefore).toBeGreaterThan(0.9); // the astronaut herself, before the random fixture swap
    expect(typeof r.arcfaceScore).toBe('number');
    expect((await sharp(r.image).metadata()).format).toBe('png');
    expect(r.identityScore).toBeGreaterThanOrEqual(-1);
    expect(r.identityScore).toBeLessThanOrEqual(1);
    // strength 0: same pixels, and the untouched photo scores as the character it was built from.
    const same = await engine.transfer(astronaut, character('c1'), 0);
    expect(same.image.equals(astronaut)).toBe(true);
    expect(same.reports).toEqual([expect.objectContaining({ transferred: false, code: 'strength_zero' })]);
    expect(same.identityScore).toBeGreaterThan(0.9);
    // The random fixture swapper draws someone else: the score drops.
    expect(r.identityScore).toBeLessThan(same.identityScore);
  });

  it('transfer: an image without a face scores 0', async () => {
    const sky = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#5080c0' } })
      .png()
      .toBuffer();
    const r = await engine.transfer(sky, character('c1'), 1);
    expect(r).toMatchObject({ faces: 0, identityScore: 0, scoreBefore: 0, reports: [] });
    expect(r.image.equals(sky)).toBe(true);
  });

  it('loads the models once and caches the source embedding per character', async () => {
    const before = locateCalls;
    await engine.transfer(astronaut, character('c2'), 1);
    expect(locateCalls).toBe(before + 1); // looked up per transfer (files may come or go), loaded once
    // Cached under c2: the crops are not read again (an empty list would make embedSource throw).
    await expect(engine.transfer(astronaut, character('c2', []), 1)).resolves.toMatchObject({ faces: 1 });
    await expect(engine.transfer(astronaut, character('c3', []), 1)).rejects.toThrow(/at least one face crop/);
    // A failed embedding is not cached: c3 works once it has crops.
    await expect(engine.transfer(astronaut, character('c3'), 1)).resolves.toMatchObject({ faces: 1 });
    // A deleted character's embedding leaves memory: the crops are needed again.
    engine.forget!('c2');
    await expect(engine.transfer(astronaut, character('c2', []), 1)).rejects.toThrow(/at least one face crop/);
  });

  it('identityStatus: the swapper when installed; without it mesh-warp, naming the optional pull commands', async () => {
    expect(await engine.identityStatus()).toMatchObject({ engine: 'insightface-swapper' });
    const plain = faceCharacterEngine({ modelsDir: path.join(tmp, 'empty'), provider: 'cpu' });
    const s = await plain.identityStatus();
    expect(s.engine).toBe('mesh-warp');
    expect(s.message).toContain('opensoul models pull ezioruan/inswapper_128.onnx');
    expect(s.message).toContain('opensoul models pull public-data/insightface');
  });

  it('without the swapper the mesh-warp engine transfers, reading the photos once per character', async () => {
    const plain = faceCharacterEngine({ modelsDir: path.join(tmp, 'empty'), provider: 'cpu' });
    let reads = 0;
    const who = { ...character('m1'), photos: async () => (reads++, [astronaut]) };
    const mirrored = await sharp(astronaut).flop().png().toBuffer();
    const r = await plain.transfer(mirrored, who, 1);
    expect(r).toMatchObject({ engine: 'mesh-warp', faces: 1, reports: [{ transferred: true, reference: 0 }] });
    expect(r.engineReason).toContain('not installed');
    expect(r.identityScore).toBeGreaterThan(0.6);
    await plain.transfer(mirrored, who, 0.5);
    expect(reads).toBe(1);
    plain.forget!('m1');
    await plain.transfer(mirrored, who, 0.5);
    expect(reads).toBe(2);
  });
});
