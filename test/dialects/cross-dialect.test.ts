import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { RAI_BLOCKED } from '../../src/api/surfaces/segmind.js';
import { hfHeaders } from '../helpers/server.js';
import { call, expectGolden, normalize } from './golden.js';
import { authPixazo, authSegmind, authWs, liveServer, waitEnded } from './servers.js';

let s: TestServer;
beforeAll(async () => {
  s = await liveServer();
});
afterAll(async () => s.close());

type Account = Awaited<ReturnType<TestServer['account']>>;

/** Every rendering of one job set that this server offers, by the reading dialect. */
async function readEverywhere(a: Account, id: string) {
  const [v1, v2, ws, segStatus, segResult, pixazo] = await Promise.all([
    call(`${s.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) }),
    call(`${s.url}/requests/${id}/status`, { headers: { authorization: `Key ${a.credential}` } }),
    call(`${s.url}/api/v3/predictions/${id}/result`, { headers: authWs(a.credential) }),
    call(`${s.url}/v2/requests/${id}/status`, { headers: authSegmind(a.credential) }),
    call(`${s.url}/v2/requests/${id}`, { headers: authSegmind(a.credential) }),
    call(`${s.url}/ai-model-api-polling/getGenerationResults`, {
      method: 'POST',
      headers: authPixazo(a.credential),
      body: JSON.stringify({ job_set_id: id }),
    }),
  ]);
  return { v1, v2, ws, segStatus, segResult, pixazo };
}

const mediaPath = (url: string) => new URL(url).pathname;

describe('one job set, many renderings', () => {
  it('submitted through Pixazo (batch of 4), read through Higgsfield v1/v2, WaveSpeed and Segmind', async () => {
    const a = await s.account(20);
    const sub = await call(`${s.url}/ai-model-api/v1/generateSoul`, {
      method: 'POST',
      headers: authPixazo(a.credential),
      body: JSON.stringify({ prompt: 'four looks', width_and_height: '1536x1536', quality: '720p', batch_size: 4, seed: 100 }),
    });
    const id = sub.body.job_set_id;
    await waitEnded(s, id, a.accountId);
    const r = await readEverywhere(a, id);
    for (const x of Object.values(r)) expect(x.status).toBe(200);

    const raw = r.v1.body.jobs.map((j: any) => mediaPath(j.results.raw.url));
    expect(raw).toHaveLength(4);
    // The same v1 job set (signed URLs may differ in their expiry second), plus Pixazo's success flag.
    expect(normalize(r.pixazo.body, s.url)).toEqual({ success: true, ...(normalize(r.v1.body, s.url) as object) });
    expect(r.v2.body).toMatchObject({ status: 'completed', request_id: id });
    expect(r.v2.body.images.map((i: any) => mediaPath(i.url))).toEqual(raw);
    expect(r.ws.body.data).toMatchObject({ id, status: 'completed', model: 'soul', has_nsfw_contents: [false, false, false, false] });
    expect(r.ws.body.data.outputs.map(mediaPath)).toEqual(raw);
    expect(r.segStatus.body).toMatchObject({ status: 'COMPLETED', request_id: id });
    expect(r.segResult.body.images.map((i: any) => mediaPath(i.url))).toEqual(raw);
    // Pixazo's 720p x4 price, as Segmind's cost in USD.
    expect(r.segResult.body.metrics.cost).toBe(0.19);
    expectGolden('cross/pixazo-read-by-wavespeed', r.ws, s.url);
    expectGolden('cross/pixazo-read-by-segmind', r.segResult, s.url);
  });

  it('submitted through WaveSpeed and Segmind, read through the others', async () => {
    const a = await s.account(20);
    const ws = await call(`${s.url}/api/v3/higgsfield/soul/text-to-image`, {
      method: 'POST',
      headers: authWs(a.credential),
      body: JSON.stringify({ prompt: 'one', seed: 8 }),
    });
    const seg = await call(`${s.url}/v2/higgsfield-text2image-soul`, {
      method: 'POST',
      headers: authSegmind(a.credential),
      body: JSON.stringify({ prompt: 'two', seed: 9 }),
    });
    for (const id of [ws.body.data.id, seg.body.request_id]) {
      await waitEnded(s, id, a.accountId);
      const r = await readEverywhere(a, id);
      const raw = mediaPath(r.v1.body.jobs[0].results.raw.url);
      expect(mediaPath(r.ws.body.data.outputs[0])).toBe(raw);
      expect(mediaPath(r.segResult.body.output)).toBe(raw);
      expect(mediaPath(r.v2.body.images[0].url)).toBe(raw);
      expect(r.pixazo.body.id).toBe(id);
    }
    expectGolden('cross/wavespeed-read-by-pixazo', (await readEverywhere(a, ws.body.data.id)).pixazo, s.url);
  });
});

describe('withheld (nsfw) images', () => {
  it('read as failed in WaveSpeed and FAILED (422) in Segmind, refunded', async () => {
    const a = await s.account(10);
    const sub = await call(`${s.url}/v2/higgsfield-text2image-soul`, {
      method: 'POST',
      headers: authSegmind(a.credential),
      body: JSON.stringify({ prompt: 'NSFW test', seed: 3 }),
    });
    const id = sub.body.request_id;
    await waitEnded(s, id, a.accountId);
    const r = await readEverywhere(a, id);
    expect(r.v1.body.jobs[0].status).toBe('nsfw');
    expect(r.ws.body.data).toMatchObject({ status: 'failed', outputs: [], has_nsfw_contents: [], error: 'The output was flagged as NSFW' });
    expect(r.segStatus.status).toBe(422);
    expect(r.segResult.body).toMatchObject({ status: 'FAILED', error: RAI_BLOCKED });
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000);
  });
});

describe('unknown paths', () => {
  it('answer 404 in the shape of the dialect that owns the prefix, for every method', async () => {
    const cases: [method: string, path: string, body: unknown][] = [
      ['GET', '/api/v3/foo', { code: 404, message: 'Not Found', error_code: 'not_found', data: null }],
      ['DELETE', '/api/v3/predictions', { code: 404, message: 'Not Found', error_code: 'not_found', data: null }],
      ['GET', '/v2/higgsfield-text2image-soul', { error: 'Not Found' }],
      ['PUT', '/v2/foo/bar', { error: 'Not Found' }],
      ['GET', '/ai-model-api-polling/getGenerationResults', { error: 'Not Found' }],
      ['GET', '/ai-model-api/v1/generateSoul', { error: 'Not Found' }],
      ['GET', '/nothing/here', { detail: 'Not Found' }],
      // GET /v1/job-sets is the job-set list now; a near miss still answers 404.
      ['GET', '/v1/job-set', { detail: 'Not Found' }],
    ];
    for (const [method, path, body] of cases) {
      const r = await call(`${s.url}${path}?x=1`, { method });
      expect({ method, path, status: r.status, body: r.body }).toEqual({ method, path, status: 404, body });
    }
  });
});

describe('isolation', () => {
  it("another account's id is not found, in each dialect's own shape", async () => {
    const owner = await s.account(10);
    const other = await s.account(10);
    const sub = await call(`${s.url}/api/v3/higgsfield/soul/text-to-image`, {
      method: 'POST',
      headers: authWs(owner.credential),
      body: JSON.stringify({ prompt: 'mine', seed: 1 }),
    });
    const id = sub.body.data.id;
    await waitEnded(s, id, owner.accountId);
    const r = await readEverywhere(other, id);
    expect(r.v1.status).toBe(404);
    expect(r.v1.body).toEqual({ detail: expect.any(String) });
    expect(r.v2.status).toBe(404);
    expect(r.ws.status).toBe(404);
    expect(r.ws.body).toEqual({ code: 404, message: 'Prediction not found', error_code: 'not_found', data: null });
    expect(r.segStatus.status).toBe(404);
    expect(r.segStatus.body).toEqual({ error: `Request ${id} not found` });
    expect(r.segResult.body).toEqual({ error: `Request ${id} not found` });
    expect(r.pixazo.status).toBe(404);
    expect(r.pixazo.body).toEqual({ error: 'Job set not found' });
    // The owner still reads it everywhere.
    const mine = await readEverywhere(owner, id);
    for (const x of Object.values(mine)) expect(x.status).toBe(200);
  });
});

describe('limits in each dialect', () => {
  it('rate limiting: 429 with Retry-After (WaveSpeed, Pixazo) or x-rate-limit-reset-at-utc (Segmind)', async () => {
    const t = await liveServer({ rateLimitPerMinute: 1 });
    try {
      const a = await t.account(10);
      const hit = async (path: string, headers: Record<string, string>) => {
        await call(`${t.url}${path}`, { headers });
        return call(`${t.url}${path}`, { headers });
      };
      const ws = await hit('/api/v3/balance', authWs(a.credential));
      expectGolden('wavespeed/error-rate-limited', ws, t.url);
      expect(Number(ws.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const seg = await hit('/v2/requests/00000000-0000-4000-8000-000000000000', authSegmind(a.credential));
      expectGolden('segmind/error-rate-limited', seg, t.url);
      expect(Date.parse(seg.headers.get('x-rate-limit-reset-at-utc')!)).toBeGreaterThan(Date.now());
      const px = await call(`${t.url}/ai-model-api-polling/getGenerationResults`, {
        method: 'POST',
        headers: authPixazo(a.credential),
        body: '{}',
      });
      expectGolden('pixazo/error-rate-limited', px, t.url);
      expect(Number(px.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });

  it('Idempotency-Key replays a WaveSpeed submit instead of charging twice', async () => {
    const a = await s.account(10);
    const headers = { ...authWs(a.credential), 'idempotency-key': 'abc-1' };
    const body = JSON.stringify({ prompt: 'once', seed: 2 });
    const first = await call(`${s.url}/api/v3/higgsfield/soul/text-to-image`, { method: 'POST', headers, body });
    const again = await call(`${s.url}/api/v3/higgsfield/soul/text-to-image`, { method: 'POST', headers, body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000 - 1440);
    const other = await call(`${s.url}/api/v3/higgsfield/soul/text-to-image`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ prompt: 'different' }),
    });
    expectGolden('wavespeed/error-idempotency-mismatch', other, s.url);
  });
});
