import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

async function submit(a: { keyId: string; secret: string }, params: Record<string, unknown>, extra: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/v1/text2image/soul`, {
    method: 'POST',
    headers: { ...hfHeaders(a), ...extra },
    body: JSON.stringify({ params }),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}
async function getSet(a: { keyId: string; secret: string }, id: string) {
  const res = await fetch(`${s.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) });
  return { status: res.status, body: (await res.json()) as any };
}
const balance = async (accountId: string) => Number((await s.ctx.accounts.get(accountId))!.balance_milli) / 1000;

describe('v1 text2image/soul over HTTP', () => {
  it('queues a job set, runs it to completed and serves signed media', async () => {
    const a = await s.account(100);
    const r = await submit(a, { prompt: 'a lighthouse at dawn', width_and_height: '1536x1536', quality: '720p', seed: 42 });
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('text2image_soul');
    expect(r.body.jobs).toHaveLength(1);
    expect(r.body.input_params).toMatchObject({
      prompt: 'a lighthouse at dawn',
      width: 1536,
      height: 1536,
      seed: 42,
      custom_reference: null,
    });
    const done = await waitFor(async () => {
      const g = await getSet(a, r.body.id);
      return g.body.jobs.every((j: any) => j.status === 'completed') && g.body;
    });
    const job = done.jobs[0];
    expect(job.results.raw).toMatchObject({ type: 'image' });
    expect(job.results.raw.url.startsWith(s.url + '/media/')).toBe(true);
    const img = await fetch(job.results.raw.url);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    // The signature is the credential: tampering with it is refused.
    const tampered = await fetch(job.results.raw.url.replace(/sig=[^&]+/, 'sig=AAAA'));
    expect(tampered.status).toBe(404);
    expect(job.progress).toEqual({ step: 3, total: 3 });
    expect(await balance(a.accountId)).toBe(100 - 1.5);
  });

  it('batch_size 4 gives four jobs with distinct seeds and charges per image', async () => {
    const a = await s.account(100);
    const r = await submit(a, { prompt: 'four cats', batch_size: 4, seed: 999_999 });
    expect(r.body.jobs).toHaveLength(4);
    expect(await balance(a.accountId)).toBe(100 - 4 * 3);
    const done = await waitFor(async () => {
      const g = await getSet(a, r.body.id);
      return g.body.jobs.every((j: any) => j.status === 'completed') && g.body;
    });
    const seeds = await Promise.all(done.jobs.map(async (j: any) => (await s.ctx.generation.repo().getJob(j.id))!.extras.seed));
    expect(new Set(seeds).size).toBe(4);
    expect(seeds).toContain(1); // 999_999 + 2 wraps back into range
  });

  it('echoes a random seed when none is given', async () => {
    const a = await s.account(10);
    const r = await submit(a, { prompt: 'no seed' });
    expect(r.body.input_params.seed).toBeGreaterThanOrEqual(1);
    expect(r.body.input_params.seed).toBeLessThanOrEqual(1_000_000);
  });

  it('refunds exactly what a failed or nsfw job cost, once', async () => {
    const a = await s.account(20);
    const f = await submit(a, { prompt: 'FAIL please', quality: '1080p' });
    const n = await submit(a, { prompt: 'NSFW please', quality: '720p' });
    const failed = await waitFor(
      async () => (await getSet(a, f.body.id)).body.jobs[0].status === 'failed' && (await getSet(a, f.body.id)).body,
    );
    expect(failed.jobs[0].error).toContain('asked to fail');
    await waitFor(async () => (await getSet(a, n.body.id)).body.jobs[0].status === 'nsfw');
    await waitFor(async () => (await balance(a.accountId)) === 20);
    const ledger = await s.ctx.accounts.ledger(a.accountId);
    expect(
      ledger
        .filter((l) => l.reason === 'refund')
        .map((l) => Number(l.delta_milli))
        .sort(),
    ).toEqual([1500, 3000]);
    // The account audits the same movements over HTTP, newest first, each tied to its job.
    const own = (await (await fetch(`${s.url}/v1/account/ledger`, { headers: hfHeaders(a) })).json()) as { items: any[] };
    expect(own.items.map((i) => [i.reason, i.credits]).sort()).toEqual(
      [
        ['charge', -1.5],
        ['charge', -3],
        ['grant', 20],
        ['refund', 1.5],
        ['refund', 3],
      ].sort(),
    );
    expect(own.items[0].balance_after).toBe(20);
    expect(own.items.filter((i) => i.reason === 'refund').every((i) => i.job_id && [f.body.id, n.body.id].includes(i.job_set_id))).toBe(
      true,
    );
    for (const limit of ['0', '1001', 'ten'])
      expect((await fetch(`${s.url}/v1/account/ledger?limit=${limit}`, { headers: hfHeaders(a) })).status).toBe(422);
    expect((await (await fetch(`${s.url}/v1/account/ledger?limit=2`, { headers: hfHeaders(a) })).json()).items).toHaveLength(2);
  });

  it('answers 403 Not enough credits without creating anything', async () => {
    const a = await s.account(2);
    const r = await submit(a, { prompt: 'too expensive', quality: '1080p' });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ detail: 'Not enough credits' });
    expect(await balance(a.accountId)).toBe(2);
  });

  it('404s an unknown or foreign job set', async () => {
    const a = await s.account(10);
    const b = await s.account(10);
    const r = await submit(a, { prompt: 'mine' });
    expect((await getSet(b, r.body.id)).status).toBe(404);
    expect((await getSet(a, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const media = await waitFor(async () => (await getSet(a, r.body.id)).body.jobs[0].results?.raw.url);
    // Media URLs are capabilities, but another account cannot use them as inputs.
    const other = await submit(b, { prompt: 'steal', image_reference: { type: 'image_url', image_url: media } });
    const set = await waitFor(async () => {
      const g = await getSet(b, other.body.id);
      return g.body.jobs[0].status === 'failed' && g.body;
    });
    expect(set.jobs[0].error).toMatch(/not found/i);
  });

  it('lists styles and reports the account', async () => {
    const a = await s.account(7);
    const styles = (await (await fetch(`${s.url}/v1/text2image/soul-styles`, { headers: hfHeaders(a) })).json()) as any[];
    expect(styles.length).toBeGreaterThanOrEqual(40);
    expect(styles.find((x) => x.id === '1cb4b936-77bf-4f9a-9039-f3d349a4cdbe')).toMatchObject({
      name: expect.any(String),
      preview_url: expect.any(String),
    });
    const acct = (await (await fetch(`${s.url}/v1/account`, { headers: hfHeaders(a) })).json()) as any;
    expect(acct).toMatchObject({ credits: 7, in_flight_requests: 0, limits: { max_concurrent_requests: 4 } });
  });
});
