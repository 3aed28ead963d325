import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// `/soul` and `/soul-id` are catalogue ids in the official docs, served as aliases of the v1
// routes: the same reader, service, queue, webhook and answer.
let s: TestServer;
let idle: TestServer;
let hooks: LocalServer;
beforeAll(async () => {
  [s, idle, hooks] = await Promise.all([startServer(), startServer({ workers: false }), startLocalServer((_req, res) => res.end('ok'))]);
});
afterAll(async () => Promise.all([s.close(), idle.close(), hooks.close()]));

type Account = Awaited<ReturnType<TestServer['account']>>;
const post = async (t: TestServer, a: Account, path: string, body: unknown) => {
  const r = await fetch(`${t.url}${path}`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as any };
};
const getSet = async (t: TestServer, a: Account, id: string) =>
  (await (await fetch(`${t.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;
const balance = async (t: TestServer, a: Account) => Number((await t.ctx.accounts.get(a.accountId))!.balance_milli) / 1000;

describe('POST /soul', () => {
  it('takes the v1 {params, webhook} body, completes, is polled and webhooked like /v1/text2image/soul', async () => {
    const a = await s.account(10);
    const params = { prompt: 'a lighthouse at dawn', width_and_height: '1536x1536', quality: '720p', seed: 42 };
    const r = await post(s, a, '/soul', { params, webhook: { url: hooks.url('/soul'), secret: 'alias-secret' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      type: 'text2image_soul',
      input_params: { prompt: 'a lighthouse at dawn', seed: 42, width: 1536, height: 1536 },
    });
    const done = await waitFor(async () => {
      const g = await getSet(s, a, r.body.id);
      return g.jobs.every((j: any) => j.status === 'completed') && g;
    });
    expect(done.jobs[0].results.raw.type).toBe('image');
    expect((await fetch(done.jobs[0].results.raw.url)).headers.get('content-type')).toBe('image/png');
    expect(await balance(s, a)).toBe(10 - 1.5);
    const hook = await waitFor(async () => hooks.received.find((h) => h.url === '/soul'));
    expect(hook.headers['x-webhook-secret-key']).toBe('alias-secret');
    expect(JSON.parse(hook.body.toString()).id).toBe(r.body.id);
    // The same answer shape as the route it aliases.
    const direct = await post(s, a, '/v1/text2image/soul', { params });
    expect(Object.keys(direct.body)).toEqual(Object.keys(r.body));
  });

  it('422s bad params with pydantic issues under body.params, like the v1 route', async () => {
    const a = await s.account(10);
    const r = await post(s, a, '/soul', { params: { width_and_height: '1x1' }, extra: 1 });
    expect(r.status).toBe(422);
    expect(r.body.detail.map((i: any) => [i.type, i.loc.join('.')])).toEqual([
      ['missing', 'body.params.prompt'],
      ['literal_error', 'body.params.width_and_height'],
      ['extra_forbidden', 'body.extra'],
    ]);
    expect(await balance(s, a)).toBe(10);
  });

  it('cancel refunds; another account sees 404', async () => {
    const a = await idle.account(10);
    const b = await idle.account(10);
    const r = await post(idle, a, '/soul', { params: { prompt: 'wait for me', quality: '1080p' } });
    expect(await balance(idle, a)).toBe(7);
    expect((await fetch(`${idle.url}/v1/job-sets/${r.body.id}`, { headers: hfHeaders(b) })).status).toBe(404);
    const c = await post(idle, a, `/v1/job-sets/${r.body.id}/cancel`, {});
    expect(c.body.jobs[0].status).toBe('canceled');
    expect(await balance(idle, a)).toBe(10);
  });
});

describe('POST /soul-id', () => {
  it('validates like /v1/custom-references, and model_version v1|v2|cinema', async () => {
    const a = await s.account(100);
    const r = await post(s, a, '/soul-id', { name: 'x', input_images: [], model_version: 'v3' });
    expect(r.status).toBe(422);
    expect(r.body.detail.map((i: any) => [i.type, i.loc.join('.')])).toEqual([
      ['literal_error', 'body.model_version'],
      ['too_short', 'body.input_images'],
    ]);
    const direct = await post(s, a, '/v1/custom-references', { name: 'x', input_images: [], model_version: 'v3' });
    expect(direct.body).toEqual(r.body);
    expect(await balance(s, a)).toBe(100);
  });
});
