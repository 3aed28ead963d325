import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { call, expectGolden } from './golden.js';
import { authSegmind, balance, idleServer, liveServer, markRunning, ownImageUrl, waitEnded } from './servers.js';

let live: TestServer;
let idle: TestServer;
beforeAll(async () => {
  [live, idle] = await Promise.all([liveServer(), idleServer()]);
});
afterAll(async () => Promise.all([live.close(), idle.close()]));

const SUBMIT = '/v2/higgsfield-text2image-soul';
const post = (s: TestServer, path: string, key: string, body: unknown) => call(`${s.url}${path}`, { method: 'POST', headers: authSegmind(key), body: JSON.stringify(body) });
const get = (s: TestServer, path: string, key: string) => call(`${s.url}${path}`, { headers: authSegmind(key) });

// The body of seed 003's example.
const SEED_BODY = {
  prompt: 'Heroic dragonborn warrior standing proudly on a rocky cliff',
  width_and_height: '1536x2048',
  enhance_prompt: false,
  style_id: 'b3c8075a-cb4c-42de-b8b3-7099dd2df672',
  style_strength: 1,
  quality: '1080p',
  seed: 1234,
};

describe('Segmind queue', () => {
  it('submit answers QUEUED with the status and response URLs; status and result while queued and processing', async () => {
    const a = await idle.account(10);
    const r = await post(idle, SUBMIT, a.credential, SEED_BODY);
    expectGolden('segmind/submit', r, idle.url);
    expect(r.body.status_url).toBe(`${idle.url}/v2/requests/${r.body.request_id}/status`);
    expectGolden('segmind/status-queued', await get(idle, `/v2/requests/${r.body.request_id}/status`, a.credential), idle.url);
    expectGolden('segmind/result-queued', await get(idle, `/v2/requests/${r.body.request_id}`, a.credential), idle.url);
    await markRunning(idle, r.body.request_id);
    expectGolden('segmind/status-processing', await get(idle, `/v2/requests/${r.body.request_id}/status`, a.credential), idle.url);
    // The default Soul price per image applies: 1080p is 3 credits.
    expect(await balance(idle, a.accountId)).toBe(7000);
  });

  it('completed: light status, full result with the image file, cost and remaining credits in USD', async () => {
    const a = await live.account(16);
    const image = await ownImageUrl(live, a.accountId);
    const r = await post(live, SUBMIT, a.credential, { ...SEED_BODY, quality: '720p', image_url: image });
    await waitEnded(live, r.body.request_id, a.accountId);
    expectGolden('segmind/status-completed', await get(live, `/v2/requests/${r.body.request_id}/status`, a.credential), live.url);
    const result = await get(live, `/v2/requests/${r.body.request_id}`, a.credential);
    expectGolden('segmind/result-completed', result, live.url);
    expect(result.body.output).toBe(result.body.images[0].url);
    const png = Buffer.from(await (await fetch(result.body.output)).arrayBuffer());
    expect(png.length).toBe(result.body.images[0].file_size);
    expect((await get(live, `/v1/requests/${r.body.request_id}`, a.credential)).body).toEqual(result.body);
  });

  it('FAILED answers 422 on both routes and is not billed', async () => {
    const a = await live.account(10);
    const r = await post(live, SUBMIT, a.credential, { ...SEED_BODY, prompt: 'FAIL this one' });
    await waitEnded(live, r.body.request_id, a.accountId);
    expectGolden('segmind/status-failed', await get(live, `/v2/requests/${r.body.request_id}/status`, a.credential), live.url);
    expectGolden('segmind/result-failed', await get(live, `/v2/requests/${r.body.request_id}`, a.credential), live.url);
    expect(await balance(live, a.accountId)).toBe(10_000);
  });

  it('requests expire after the Segmind retention: 404 {"error"}', async () => {
    const a = await idle.account(10);
    const r = await post(idle, SUBMIT, a.credential, SEED_BODY);
    const set = (await idle.ctx.generation.get(r.body.request_id, a.accountId))!;
    expect(Date.parse(set.visibleUntil!) - Date.parse(set.createdAt)).toBeGreaterThan(3590_000);
    expect(Date.parse(set.visibleUntil!) - Date.parse(set.createdAt)).toBeLessThanOrEqual(3600_000 + 1000);
    await idle.ctx.db.db.updateTable('job_sets').set({ visible_until: new Date(Date.now() - 1000).toISOString() }).where('id', '=', set.id).execute();
    const gone = await get(idle, `/v2/requests/${set.id}/status`, a.credential);
    expect(gone.body).toEqual({ error: `Request ${set.id} not found` });
    expectGolden('segmind/error-expired', gone, idle.url);
  });
});

describe('Segmind errors', () => {
  it('validation, auth, credits, unknown request and unknown model', async () => {
    const a = await live.account(10);
    expectGolden('segmind/error-validation', await post(live, SUBMIT, a.credential, { width_and_height: '1x1', style_strength: 3, image_url: 'nope', batch_size: 4 }), live.url);
    expectGolden('segmind/error-missing-key', await call(`${live.url}${SUBMIT}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), live.url);
    expectGolden('segmind/error-bad-key', await post(live, SUBMIT, 'not-a-key', SEED_BODY), live.url);
    const poor = await live.account(1);
    expectGolden('segmind/error-insufficient-credits', await post(live, SUBMIT, poor.credential, SEED_BODY), live.url);
    expectGolden('segmind/error-not-found', await get(live, '/v2/requests/00000000-0000-4000-8000-000000000000/status', a.credential), live.url);
    expectGolden('segmind/error-unknown-model', await post(live, '/v2/some-other-model', a.credential, SEED_BODY), live.url);
  });
});
