import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { HiggsfieldClient } from '@higgsfield/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiffusionEngine, makeFixtureModel } from '../../src/engine/diffusion/index.js';
import { faceCharacterEngine } from '../../src/engine/identity/character-engine.js';
import { makeIdentityFixtureModels } from '../helpers/identity-fixture.js';
import { soulRunner } from '../../src/worker/runners/soul-runner.js';
import { identityHook, soulIdRunner } from '../../src/worker/runners/soul-id-runner.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// Soul ID over HTTP with the real face analysis, the fixture identity models and the fixture
// diffusion model. `modelsInstalled` lets one server play a host without the transfer models.
const astronaut = fs.readFileSync(new URL('../fixtures/faces/astronaut.png', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-soul-id-'));
let s: TestServer;
let modelsInstalled = true;

beforeAll(async () => {
  const models = await makeIdentityFixtureModels(path.join(tmp, 'identity'));
  await makeFixtureModel(path.join(tmp, 'sd'), 'sd', { seed: 3 });
  const diffusion = createDiffusionEngine({
    modelPath: path.join(tmp, 'sd'),
    modelsDir: tmp,
    defaultModel: 'fixture/sd',
    provider: 'cpu',
    threads: 1,
  });
  const engine = faceCharacterEngine({
    modelsDir: path.join(tmp, 'no-models'),
    provider: 'cpu',
    locate: async () => (modelsInstalled ? models : null),
  });
  s = await startServer({
    config: { workers: 1 },
    characterEngine: engine,
    runners: (ctx) => [
      soulIdRunner(ctx.characters, engine),
      soulRunner({ engine: diffusion, identity: identityHook(ctx.characters, engine) }),
    ],
  });
});
afterAll(async () => {
  await s?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Account = Awaited<ReturnType<TestServer['account']>>;

async function upload(a: Account, bytes: Buffer, contentType = 'image/png'): Promise<string> {
  const slot = (await (
    await fetch(`${s.url}/files/generate-upload-url`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ content_type: contentType }),
    })
  ).json()) as any;
  expect(
    (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': contentType }, body: new Uint8Array(bytes) })).status,
  ).toBe(200);
  return slot.public_url;
}

const api = (a: Account, p: string, init: RequestInit = {}) => fetch(`${s.url}${p}`, { ...init, headers: hfHeaders(a) });
const balance = async (a: Account) => Number((await s.ctx.accounts.get(a.accountId))!.balance_milli) / 1000;

async function createCharacter(a: Account, images: string[], name = 'someone') {
  const r = await api(a, '/v1/custom-references', {
    method: 'POST',
    body: JSON.stringify({ name, input_images: images.map((u) => ({ type: 'image_url', image_url: u })) }),
  });
  expect(r.status).toBe(200);
  const c = (await r.json()) as any;
  return waitFor(async () => {
    const g = (await (await api(a, `/v1/custom-references/${c.id}`)).json()) as any;
    return ['completed', 'failed'].includes(g.status) && g;
  }, 60_000);
}

async function soul(a: Account, params: Record<string, unknown>) {
  const r = await api(a, '/v1/text2image/soul', { method: 'POST', body: JSON.stringify({ params }) });
  return { status: r.status, body: (await r.json()) as any };
}

async function settled(a: Account, setId: string) {
  return waitFor(async () => {
    const g = (await (await api(a, `/v1/job-sets/${setId}`)).json()) as any;
    return g.jobs.every((j: any) => !['queued', 'in_progress'].includes(j.status)) && g;
  }, 60_000);
}

describe('Soul ID over HTTP', () => {
  let owner: Account;
  let character: any;

  it('the official SDK creates a character from astronaut.png and lists it', async () => {
    owner = await s.account(500);
    const client = new HiggsfieldClient({ apiKey: owner.keyId, apiSecret: owner.secret, baseURL: s.url, pollInterval: 50 } as any);
    const url = await upload(owner, astronaut);
    const created: any = await client.createSoulId({ name: 'Eileen', input_images: [{ type: 'image_url', image_url: url }] } as any, true);
    expect(created.status).toBe('completed');
    character = (await (await api(owner, `/v1/custom-references/${created.id}`)).json()) as any;
    expect(character).toMatchObject({ id: created.id, name: 'Eileen', status: 'completed', quality_report: [] });
    expect(character.in_progress_at).toBeTruthy();
    const thumb = await fetch(character.thumbnail_url);
    expect(thumb.status).toBe(200);
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('jpeg');
    expect(character.reference_media).toHaveLength(1);
    expect(character.reference_media[0]).toMatchObject({
      accepted: true,
      media_url: expect.stringContaining('/media/'),
      face_crop_url: expect.stringContaining('/media/'),
    });
    expect(await balance(owner)).toBe(460);

    const list: any = await client.listSoulIds();
    expect(list).toMatchObject({ total: 1, page: 1, page_size: 20, total_pages: 1 });
    expect(list.items.map((i: any) => [i.id, i.status])).toEqual([[created.id, 'completed']]);
  });

  it('POST /soul-id (the catalogue id) creates a character like /v1/custom-references, model_version accepted', async () => {
    const a = await s.account(100);
    const url = await upload(a, astronaut);
    const r = await api(a, '/soul-id', {
      method: 'POST',
      body: JSON.stringify({ name: 'Alias', input_images: [{ type: 'image_url', image_url: url }], model_version: 'v2' }),
    });
    expect(r.status).toBe(200);
    const c = (await r.json()) as any;
    const done = await waitFor(async () => {
      const g = (await (await api(a, `/v1/custom-references/${c.id}`)).json()) as any;
      return ['completed', 'failed'].includes(g.status) && g;
    }, 60_000);
    expect(done).toMatchObject({ name: 'Alias', status: 'completed' });
    expect(await balance(a)).toBe(60);
  });

  it('a 256px copy is refused for its resolution; the character fails and the 40 credits come back', async () => {
    const a = await s.account(100);
    const small = await sharp(astronaut).resize(256, 256).png().toBuffer();
    const c = await createCharacter(a, [await upload(a, small)]);
    expect(c.status).toBe('failed');
    expect(c.quality_report).toEqual([{ index: 0, code: 'resolution_too_low', message: expect.stringContaining('256x256') }]);
    expect(c.thumbnail_url).toBeNull();
    expect(await waitFor(async () => (await balance(a)) === 100 && 100)).toBe(100);
  });

  it('pagination: page_size 1, a page beyond the end, invalid paging is 422', async () => {
    const a = await s.account(500);
    const url = await upload(a, astronaut);
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) ids.push((await createCharacter(a, [url], name)).id);
    const page = async (q: string) => {
      const r = await api(a, `/v1/custom-references/list${q}`);
      return { status: r.status, body: (await r.json()) as any };
    };
    const p1 = await page('?page=1&page_size=1');
    expect(p1.body).toMatchObject({ total: 3, page: 1, page_size: 1, total_pages: 3 });
    expect(p1.body.items).toHaveLength(1);
    const all = [
      p1.body.items[0].id,
      (await page('?page=2&page_size=1')).body.items[0].id,
      (await page('?page=3&page_size=1')).body.items[0].id,
    ];
    expect(new Set(all)).toEqual(new Set(ids));
    const beyond = await page('?page=4&page_size=1');
    expect(beyond.body).toMatchObject({ total: 3, page: 4, total_pages: 3, items: [] });
    for (const q of ['?page=0', '?page=abc', '?page_size=0', '?page_size=101', '?page=1.5', '?page=1e2', '?page_size=0x10'])
      expect((await page(q)).status).toBe(422);
  });

  it('a Soul request with custom_reference_id completes with an identity score (v1 and v2)', async () => {
    const before = await balance(owner);
    const r = await soul(owner, {
      prompt: 'portrait on a beach',
      width_and_height: '1536x1536',
      quality: '720p',
      seed: 5,
      custom_reference_id: character.id,
      custom_reference_strength: 0.8,
    });
    expect(r.status).toBe(200);
    const set = await settled(owner, r.body.id);
    expect(set.jobs[0].status).toBe('completed');
    expect(typeof set.jobs[0].identity_score).toBe('number');
    expect(set.jobs[0].identity_score).toBeGreaterThanOrEqual(-1);
    expect(set.jobs[0].identity_score).toBeLessThanOrEqual(1);
    expect(set.input_params).toMatchObject({ custom_reference: character.id, custom_reference_strength: 0.8 });
    expect(await balance(owner)).toBe(before - 1.5);

    const v2 = await fetch(`${s.url}/higgsfield-ai/soul/character`, {
      method: 'POST',
      headers: { authorization: `Key ${owner.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'portrait in a cafe', custom_reference_id: character.id, aspect_ratio: '1:1', resolution: '720p' }),
    });
    expect(v2.status).toBe(200);
    const q = (await v2.json()) as any;
    expect(q).toMatchObject({ status: 'queued', request_id: expect.any(String) });
    const done = await waitFor(async () => {
      const st = (await (await fetch(q.status_url, { headers: { authorization: `Key ${owner.credential}` } })).json()) as any;
      return !['queued', 'in_progress'].includes(st.status) && st;
    }, 60_000);
    expect(done.status).toBe('completed');
    expect(done.images).toHaveLength(1);
    expect(done.identity_scores).toHaveLength(1);
  });

  it('without the transfer models a character request is accepted, charged, and runs the mesh-warp engine', async () => {
    const before = await balance(owner);
    modelsInstalled = false;
    try {
      const r = await soul(owner, {
        prompt: 'x',
        width_and_height: '1536x1536',
        quality: '720p',
        seed: 9,
        custom_reference_id: character.id,
      });
      expect(r.status).toBe(200);
      const set = await settled(owner, r.body.id);
      expect(set.jobs[0].status).toBe('completed');
      expect(await balance(owner)).toBe(before - 1.5);
      // The fixture diffusion model draws no face: nothing to transfer, and the output says so.
      expect(set.jobs[0].identity).toMatchObject({
        engine: 'mesh-warp',
        engine_reason: expect.stringContaining('not installed'),
        faces_transferred: 0,
        faces: [],
        score_before: 0,
        score_after: 0,
        reason: expect.stringContaining('No face was found'),
      });
      const ready = (await (await fetch(`${s.url}/readyz`)).json()) as any;
      expect(JSON.stringify(ready)).not.toContain('opensoul models pull ezioruan'); // this server wires no identity probe
    } finally {
      modelsInstalled = true;
    }
    const again = await soul(owner, {
      prompt: 'x',
      width_and_height: '1536x1536',
      quality: '720p',
      seed: 9,
      custom_reference_id: character.id,
    });
    const done = await settled(owner, again.body.id);
    expect(done.jobs[0].identity).toMatchObject({ engine: 'insightface-swapper', faces_transferred: 0 });
  });

  it('a character whose photos can all not be read ends failed with each reason, and is refunded', async () => {
    const a = await s.account(100);
    const c = await createCharacter(a, ['http://127.0.0.1:9/one.png', 'http://169.254.169.254/latest/meta-data']);
    expect(c.status).toBe('failed');
    expect(c.quality_report).toEqual([
      { index: 0, code: 'image_unreadable', message: expect.any(String) },
      { index: 1, code: 'image_unreadable', message: expect.any(String) },
    ]);
    expect(await waitFor(async () => (await balance(a)) === 100 && 100)).toBe(100);
    const r = await soul(a, { prompt: 'x', width_and_height: '1536x1536', quality: '720p', custom_reference_id: c.id });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('failed, not completed');
  });

  it('another account sees 404 for the character and cannot generate with it', async () => {
    const other = await s.account(50);
    expect((await api(other, `/v1/custom-references/${character.id}`)).status).toBe(404);
    expect((await api(other, `/v1/custom-references/${character.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(((await (await api(other, '/v1/custom-references/list')).json()) as any).total).toBe(0);
    const r = await soul(other, { prompt: 'x', width_and_height: '1536x1536', quality: '720p', custom_reference_id: character.id });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('not found');
    expect(await balance(other)).toBe(50);
    // Still there for its owner.
    expect((await api(owner, `/v1/custom-references/${character.id}`)).status).toBe(200);
  });

  it('delete removes the photos, crops and thumbnail; the id then 404s', async () => {
    const urls = [character.thumbnail_url, character.reference_media[0].media_url, character.reference_media[0].face_crop_url];
    for (const u of urls) expect((await fetch(u)).status).toBe(200);
    const del = await api(owner, `/v1/custom-references/${character.id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ id: character.id, deleted: true });
    for (const u of urls) expect([404, 410]).toContain((await fetch(u)).status);
    expect((await api(owner, `/v1/custom-references/${character.id}`)).status).toBe(404);
    expect((await api(owner, `/v1/custom-references/${character.id}`, { method: 'DELETE' })).status).toBe(404);
    const r = await soul(owner, { prompt: 'x', width_and_height: '1536x1536', quality: '720p', custom_reference_id: character.id });
    expect(r.status).toBe(400);
  });
});
