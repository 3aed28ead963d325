// POST /v1/quote prices a body for a submit path with the code that charges it: for every
// dialect, the quote equals the charge the ledger records when the same body is submitted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { authPixazo, authSegmind, authWs, ownImageUrl, resellerSurfaces } from '../dialects/servers.js';
import { hfHeaders, startServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let a: Awaited<ReturnType<TestServer['account']>>;
let image: string;

beforeAll(async () => {
  // Workers off: charges happen at submit, and nothing runs. Prices changed from the defaults,
  // so a quote that read a table of its own would disagree.
  s = await startServer({
    workers: false,
    surfaces: [...resellerSurfaces(), dopRoutes(async () => Buffer.alloc(0))],
    config: {
      maxInFlightPerAccount: 100,
      prices: { 'soul.720p': 2.25, 'dop.turbo': 7.5, 'wavespeed.soul.high': 3.5, 'pixazo.soul.720p.4': 4.125 },
    },
  });
  a = await s.account(10_000);
  image = await ownImageUrl(s, a.accountId);
});
afterAll(() => s?.close());

const quote = async (path: string, body: unknown) => {
  const r = await fetch(`${s.url}/v1/quote`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify({ path, body }) });
  return { status: r.status, body: (await r.json()) as any };
};

const lastCharge = async () => {
  const rows = await s.ctx.accounts.ledger(a.accountId, 5);
  return -Number(rows.find((r) => r.reason === 'charge')!.delta_milli) / 1000;
};

describe('POST /v1/quote', () => {
  const cases = () => [
    {
      path: '/v1/text2image/soul',
      body: { params: { prompt: 'q', quality: '720p', batch_size: 4 } },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 9,
      jobs: 4,
    },
    {
      path: '/higgsfield-ai/soul/standard',
      body: { prompt: 'q', resolution: '1080p' },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 3,
      jobs: 1,
    },
    {
      path: '/higgsfield-ai/soul/v2/standard',
      body: { prompt: 'q', resolution: '720p', batch_size: 4 },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 9,
      jobs: 4,
    },
    {
      path: '/v1/image2video/dop',
      body: { params: { model: 'dop-turbo', prompt: 'q', input_images: [{ type: 'image_url', image_url: image }] } },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 7.5,
      jobs: 1,
    },
    {
      path: '/higgsfield-ai/dop/standard',
      body: { prompt: 'q', image_url: image },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 9,
      jobs: 1,
    },
    {
      path: '/v1/custom-references',
      body: { name: 'me', input_images: [{ type: 'image_url', image_url: image }] },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 40,
      jobs: 1,
    },
    {
      path: '/api/v3/higgsfield/soul/text-to-image',
      body: { prompt: 'q', quality: 'high' },
      headers: authWs(`${a.keyId}:${a.secret}`),
      currency: 'usd',
      credits: 3.5,
      jobs: 1,
    },
    {
      path: '/api/v3/higgsfield/soul/image-to-image',
      body: { prompt: 'q', image, quality: 'medium' },
      headers: authWs(`${a.keyId}:${a.secret}`),
      currency: 'usd',
      credits: 1.44,
      jobs: 1,
    },
    {
      path: '/v2/higgsfield-text2image-soul',
      body: { prompt: 'q', quality: '720p' },
      headers: authSegmind(`${a.keyId}:${a.secret}`),
      currency: 'usd',
      credits: 2.25,
      jobs: 1,
    },
    {
      path: '/ai-model-api/v1/generateSoul',
      body: { prompt: 'q', width_and_height: '1536x2048', quality: '720p', batch_size: 4 },
      headers: authPixazo(`${a.keyId}:${a.secret}`),
      currency: 'usd',
      credits: 4.125,
      jobs: 4,
    },
    // Catalogue routes (issue 13): aliases, Popcorn ($0.092 an image), Kling ($0.49 per 5 s).
    {
      path: '/soul',
      body: { params: { prompt: 'q', quality: '720p' } },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 2.25,
      jobs: 1,
    },
    {
      path: '/soul-id',
      body: { name: 'me', input_images: [{ type: 'image_url', image_url: image }], model_version: 'v2' },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 40,
      jobs: 1,
    },
    {
      path: '/higgsfield-ai/popcorn/auto',
      body: { prompt: 'q', num_images: 3 },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 4.416,
      jobs: 3,
    },
    {
      path: '/v1/text2image/keyframes',
      body: { params: { prompt: 'q', count: 2, aspect_ratio: '16:9' } },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 2.944,
      jobs: 2,
    },
    {
      path: '/social/carousel/instagram',
      body: { topic: 'q', slide_count: 3 },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 9,
      jobs: 3,
    },
    // 20 clips of Soul 720p + DoP turbo (2.25 + 7.5 here) and the free join; 13 clips of 10 s at 480p (DoP lite, 2).
    { path: '/social/video-series/pov', body: { topic: 'q' }, headers: hfHeaders(a), currency: 'credits', credits: 195, jobs: 21 },
    {
      path: '/social/video-series/cinematic',
      body: { topic: 'q', resolution: '480p', clip_duration: 10, target_duration: 120 },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 55.25,
      jobs: 14,
    },
    {
      path: '/kling-video/v2.1/pro/image-to-video',
      body: { prompt: 'slow push in', image_url: image, duration: 10 },
      headers: hfHeaders(a),
      currency: 'credits',
      credits: 15.68,
      jobs: 1,
    },
  ];

  it('equals the credits the ledger charges for the same body, in each dialect and its own money', async () => {
    for (const c of cases()) {
      const q = await quote(c.path, c.body);
      expect(q.status, c.path).toBe(200);
      const usd = Math.round((c.credits / 16) * 1e6) / 1e6;
      expect(q.body, c.path).toEqual({
        credits: c.credits,
        usd,
        currency: c.currency,
        amount: c.currency === 'usd' ? usd : c.credits,
        jobs: c.jobs,
      });
      const submit = await fetch(`${s.url}${c.path}`, { method: 'POST', headers: c.headers, body: JSON.stringify(c.body) });
      expect(submit.status, `${c.path}: ${await submit.clone().text()}`).toBe(200);
      expect(await lastCharge(), c.path).toBe(q.body.credits);
    }
  });

  it("prices Segmind's sync route like its queue route (the sync answer holds, so only the quote is compared)", async () => {
    const body = { prompt: 'q', quality: '720p' };
    const sync = await quote('/v1/higgsfield-text2image-soul', body);
    expect(sync.status).toBe(200);
    expect(sync.body).toEqual((await quote('/v2/higgsfield-text2image-soul', body)).body);
  });

  it('charges and stores nothing', async () => {
    const before = await s.ctx.accounts.ledger(a.accountId, 1000);
    const sets = await s.ctx.generation.repo().listSetIds(a.accountId, 1000);
    for (const c of cases()) expect((await quote(c.path, c.body)).status).toBe(200);
    expect(await s.ctx.accounts.ledger(a.accountId, 1000)).toEqual(before);
    expect(await s.ctx.generation.repo().listSetIds(a.accountId, 1000)).toEqual(sets);
  });

  it('answers an invalid body with the issues its submit answers', async () => {
    const v1 = { params: { prompt: 7, batch_size: 3, extra: true } };
    const q = await quote('/v1/text2image/soul', v1);
    const sub = await fetch(`${s.url}/v1/text2image/soul`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify(v1) });
    expect(q.status).toBe(422);
    expect(sub.status).toBe(422);
    expect(q.body).toEqual(await sub.json());
    expect(q.body.detail.length).toBe(3);
    // A reseller body: the same issues, in the v1 shape of the quote endpoint.
    const ws = { prompt: '', quality: 'ultra', size: '1*1' };
    const wq = await quote('/api/v3/higgsfield/soul/text-to-image', ws);
    const wsub = (await (
      await fetch(`${s.url}/api/v3/higgsfield/soul/text-to-image`, {
        method: 'POST',
        headers: authWs(`${a.keyId}:${a.secret}`),
        body: JSON.stringify(ws),
      })
    ).json()) as any;
    expect(wq.status).toBe(422);
    expect(wq.body.detail).toEqual(wsub.details);
  });

  it('answers 404 in the v1 shape for a path with no submit, 422 for a quote body without path or body, 401 without a key', async () => {
    for (const path of ['/v1/nope', '/v1/job-sets', '/requests/x/cancel']) {
      const r = await quote(path, {});
      expect(r.status, path).toBe(404);
      expect(typeof r.body.detail).toBe('string');
    }
    const r = await fetch(`${s.url}/v1/quote`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify({ what: 1 }) });
    expect(r.status).toBe(422);
    expect(((await r.json()) as any).detail.map((d: any) => d.loc)).toEqual([
      ['body', 'path'],
      ['body', 'body'],
      ['body', 'what'],
    ]);
    expect((await fetch(`${s.url}/v1/quote`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(
      401,
    );
  });

  it('is documented in the OpenAPI with the other studio routes (query parameters, response shapes)', async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as any;
    const quoteOp = doc.paths['/v1/quote'].post;
    expect(Object.keys(quoteOp.responses[200].content['application/json'].schema.properties).sort()).toEqual([
      'amount',
      'credits',
      'currency',
      'jobs',
      'usd',
    ]);
    const list = doc.paths['/v1/job-sets'].get;
    expect(list.parameters.map((p: any) => `${p.in}:${p.name}`)).toEqual(['query:limit', 'query:cursor', 'query:kind', 'query:status']);
    expect(list.responses[200].content['application/json'].schema.properties.next_cursor).toBeDefined();
    for (const path of ['/v1/job-sets/{id}/events', '/requests/{id}/status/stream']) {
      const op = doc.paths[path].get;
      expect(op.responses[200].content['text/event-stream'], path).toBeDefined();
      expect(
        op.parameters.map((p: any) => `${p.in}:${p.name}`),
        path,
      ).toEqual(['path:id', 'header:last-event-id']);
    }
  });
});
