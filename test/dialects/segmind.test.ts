import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, waitFor } from '../helpers/server.js';
import { call, expectGolden } from './golden.js';
import { authSegmind, balance, idleServer, liveServer, markRunning, ownImageUrl, waitEnded } from './servers.js';

let live: TestServer;
let idle: TestServer;
/** No workers and a short sync hold: every sync request times out. */
let hurried: TestServer;
beforeAll(async () => {
  [live, idle, hurried] = await Promise.all([liveServer(), idleServer(), idleServer({}, { syncWaitMs: 300 })]);
});
afterAll(async () => Promise.all([live.close(), idle.close(), hurried.close()]));

const SUBMIT = '/v2/higgsfield-text2image-soul';
const post = (s: TestServer, path: string, key: string, body: unknown) =>
  call(`${s.url}${path}`, { method: 'POST', headers: authSegmind(key), body: JSON.stringify(body) });
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
    // The same body on v1; each read signs its URLs afresh, so the expiry may be a second later.
    const unsigned = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/\?exp=\d+&sig=[\w-]+/g, '?exp=_&sig=_'));
    expect(unsigned((await get(live, `/v1/requests/${r.body.request_id}`, a.credential)).body)).toEqual(unsigned(result.body));
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
    await idle.ctx.db.db
      .updateTable('job_sets')
      .set({ visible_until: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', set.id)
      .execute();
    const gone = await get(idle, `/v2/requests/${set.id}/status`, a.credential);
    expect(gone.body).toEqual({ error: `Request ${set.id} not found` });
    expectGolden('segmind/error-expired', gone, idle.url);
  });
});

describe('Segmind errors', () => {
  it('validation, auth, credits, unknown request and unknown model', async () => {
    const a = await live.account(10);
    expectGolden(
      'segmind/error-validation',
      await post(live, SUBMIT, a.credential, { width_and_height: '1x1', style_strength: 3, image_url: 'nope', batch_size: 4 }),
      live.url,
    );
    expectGolden(
      'segmind/error-missing-key',
      await call(`${live.url}${SUBMIT}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      live.url,
    );
    expectGolden('segmind/error-bad-key', await post(live, SUBMIT, 'not-a-key', SEED_BODY), live.url);
    const poor = await live.account(1);
    expectGolden('segmind/error-insufficient-credits', await post(live, SUBMIT, poor.credential, SEED_BODY), live.url);
    expectGolden(
      'segmind/error-not-found',
      await get(live, '/v2/requests/00000000-0000-4000-8000-000000000000/status', a.credential),
      live.url,
    );
    expectGolden('segmind/error-unknown-model', await post(live, '/v2/some-other-model', a.credential, SEED_BODY), live.url);
  });
});

describe('Segmind sync (v1)', () => {
  const SYNC = '/v1/higgsfield-text2image-soul';

  it('answers the image bytes with the cost, credits, time, seed and request id headers; only the 200 is charged', async () => {
    const a = await live.account(16);
    const res = await fetch(`${live.url}${SYNC}`, {
      method: 'POST',
      headers: authSegmind(a.credential),
      body: JSON.stringify({ ...SEED_BODY, quality: '720p' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    // 720p Soul is 1.5 credits = $0.09375 at 16 credits per USD.
    expect(res.headers.get('x-cost')).toBe('0.09375');
    expect(res.headers.get('x-remaining-credits')).toBe(String((16 - 1.5) / 16));
    expect(res.headers.get('x-seed-value')).toBe('1234');
    // Seconds to the millisecond; a missing header must fail here (Number(null) would be 0).
    expect(res.headers.get('x-generation-time')).toMatch(/^\d+(\.\d{1,3})?$/);
    const id = res.headers.get('x-request-id')!;
    expect(await balance(live, a.accountId)).toBe(14_500);
    // The request stays readable through the queue routes, like any other.
    const result = await get(live, `/v2/requests/${id}`, a.credential);
    expect(result.body.status).toBe('COMPLETED');
    expect(Buffer.from(await (await fetch(result.body.output)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('a failed generation answers 422 {"error"} and is refunded', async () => {
    const a = await live.account(10);
    const r = await post(live, SYNC, a.credential, { ...SEED_BODY, prompt: 'FAIL in sync' });
    expectGolden('segmind/sync-failed', r, live.url);
    expect(await balance(live, a.accountId)).toBe(10_000);
  });

  it('a hold that runs out answers 504 {"error"}, cancels the job and refunds it', async () => {
    const a = await hurried.account(10);
    const r = await post(hurried, SYNC, a.credential, SEED_BODY);
    expectGolden('segmind/sync-timeout', r, hurried.url);
    expect(await balance(hurried, a.accountId)).toBe(10_000);
    const [set] = await hurried.ctx.db.db.selectFrom('job_sets').select('id').where('account_id', '=', a.accountId).execute();
    const ended = await hurried.ctx.generation.get(set.id, a.accountId);
    expect(ended!.jobs.map((j) => j.status)).toEqual(['canceled']);
  });

  it('a client that disconnects cancels and refunds the job', async () => {
    const a = await idle.account(10);
    // A plain socket the test drops, as a client that goes away does.
    const req = http.request(`${idle.url}${SYNC}`, { method: 'POST', headers: authSegmind(a.credential) });
    req.on('error', () => {});
    req.end(JSON.stringify(SEED_BODY));
    await waitFor(async () => (await balance(idle, a.accountId)) === 7000);
    req.destroy();
    await waitFor(async () => (await balance(idle, a.accountId)) === 10_000);
    const [set] = await idle.ctx.db.db.selectFrom('job_sets').select('id').where('account_id', '=', a.accountId).execute();
    expect((await idle.ctx.generation.get(set.id, a.accountId))!.jobs[0].status).toBe('canceled');
  });

  it("bad input, a wrong body type and missing credits answer in Segmind's shape", async () => {
    const a = await live.account(10);
    expectGolden(
      'segmind/sync-error-validation',
      await post(live, SYNC, a.credential, { width_and_height: '1x1', batch_size: 4 }),
      live.url,
    );
    expectGolden(
      'segmind/sync-error-content-type',
      await call(`${live.url}${SYNC}`, {
        method: 'POST',
        headers: { 'x-api-key': a.credential, 'content-type': 'text/plain' },
        body: 'hello',
      }),
      live.url,
    );
    const poor = await live.account(1);
    expectGolden('segmind/sync-error-insufficient-credits', await post(live, SYNC, poor.credential, SEED_BODY), live.url);
    expectGolden(
      'segmind/sync-error-missing-key',
      await call(`${live.url}${SYNC}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      live.url,
    );
  });
});
