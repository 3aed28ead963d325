import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_MS, IN_FLIGHT_LOCK_MS, purgeIdempotencyKeys, requestHash } from '../../src/api/idempotency.js';
import { verifyStandardWebhook } from '../../src/net/webhook-signing.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

const submit = (a: { keyId: string; secret: string }, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/v1/text2image/soul`, { method: 'POST', headers: { ...hfHeaders(a), ...headers }, body: JSON.stringify(body) });

describe('Idempotency-Key', () => {
  it('replays the first response for the same body, 422 for another body, charges once', async () => {
    const a = await s.account(100);
    const key = { 'idempotency-key': 'abc-123' };
    const r1 = await submit(a, { params: { prompt: 'once', seed: 5 } }, key);
    const r2 = await submit(a, { params: { prompt: 'once', seed: 5 } }, key);
    const b1 = (await r1.json()) as any;
    const b2 = (await r2.json()) as any;
    expect(r2.status).toBe(200);
    expect(r2.headers.get('idempotent-replayed')).toBe('true');
    expect(b2.id).toBe(b1.id);
    const r3 = await submit(a, { params: { prompt: 'different', seed: 5 } }, key);
    expect(r3.status).toBe(422);
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(97_000);
  });

  it('409 while the first request with the key is still being answered', async () => {
    const a = await s.account(100);
    const body = { params: { prompt: 'x' } };
    // The first request holds the key (as it does between preHandler and onSend).
    const hash = requestHash('POST', '/v1/text2image/soul', body);
    await s.ctx.db.db
      .insertInto('idempotency')
      .values({
        account_id: a.accountId,
        key: 'busy',
        request_hash: hash,
        state: 'in_flight',
        response_status: null,
        response_body: null,
        created_at: new Date().toISOString(),
      })
      .execute();
    const r = await submit(a, body, { 'idempotency-key': 'busy' });
    expect(r.status).toBe(409);
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(100_000);
  });

  it('a key whose first request died in flight is taken over after the lock expires, once', async () => {
    const a = await s.account(100);
    const body = { params: { prompt: 'x' } };
    const hash = requestHash('POST', '/v1/text2image/soul', body);
    const longAgo = new Date(Date.now() - IN_FLIGHT_LOCK_MS - 1000).toISOString();
    await s.ctx.db.db
      .insertInto('idempotency')
      .values({
        account_id: a.accountId,
        key: 'orphan',
        request_hash: hash,
        state: 'in_flight',
        response_status: null,
        response_body: null,
        created_at: longAgo,
      })
      .execute();
    const [r1, r2] = await Promise.all([
      submit(a, body, { 'idempotency-key': 'orphan' }),
      submit(a, body, { 'idempotency-key': 'orphan' }),
    ]);
    // One retry takes the key and submits; the other sees it in flight (or replays the answer).
    expect([r1.status, r2.status].sort()).toEqual(r1.status === r2.status ? [200, 200] : [200, 409]);
    const sets = await s.ctx.generation.repo().listSetIds(a.accountId, 10);
    expect(sets).toHaveLength(1);
    const r3 = await submit(a, body, { 'idempotency-key': 'orphan' });
    expect(r3.status).toBe(200);
    expect(r3.headers.get('idempotent-replayed')).toBe('true');
  });

  it('finished keys are forgotten after a day', async () => {
    const a = await s.account(100);
    const body = { params: { prompt: 'x' } };
    expect((await submit(a, body, { 'idempotency-key': 'daily' })).status).toBe(200);
    await purgeIdempotencyKeys(s.ctx.db.db, Date.now() + IDEMPOTENCY_TTL_MS + 1000);
    const again = await submit(a, body, { 'idempotency-key': 'daily' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a failed first attempt frees the key', async () => {
    const a = await s.account(1);
    const r1 = await submit(a, { params: { prompt: 'x', quality: '1080p' } }, { 'idempotency-key': 'retry-me' });
    expect(r1.status).toBe(403);
    await s.ctx.accounts.grant(a.accountId, 10);
    const r2 = await submit(a, { params: { prompt: 'x', quality: '1080p' } }, { 'idempotency-key': 'retry-me' });
    expect(r2.status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After per key', async () => {
    const t = await startServer({ config: { rateLimitPerMinute: 3 }, workers: false });
    try {
      const a = await t.account(1);
      const codes: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${t.url}/v1/account`, { headers: hfHeaders(a) });
        codes.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });

  it("shares each key's budget across API processes through Redis", async () => {
    // Two API processes: one database, one Redis, one data key and media secret (as a scaled deployment must).
    const dbFile = path.join(os.tmpdir(), `opensoul-rl-${randomBytes(4).toString('hex')}.db`);
    const shared = {
      databaseUrl: `sqlite:${dbFile}`,
      redisUrl: process.env.OPENSOUL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      queuePrefix: `opensoul-test-${randomBytes(4).toString('hex')}`,
      rateLimitPerMinute: 4,
      dataKey: randomBytes(32).toString('base64'),
      mediaSecret: randomBytes(32).toString('hex'),
    };
    const one = await startServer({ config: shared, workers: false });
    const two = await startServer({ config: shared, workers: false });
    try {
      const a = await one.account(1);
      const codes: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${(i % 2 ? two : one).url}/v1/account`, { headers: hfHeaders(a) });
        codes.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await one.close();
      await two.close();
      for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
    }
  });
});

describe('webhooks', () => {
  it('v1: retries a receiver that is down, then delivers once with one webhook-id and a valid signature', async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    let up = false;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = up ? 200 : 503;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;
    try {
      const a = await s.account(100);
      const r = await submit(a, { params: { prompt: 'hook me' }, webhook: { url: `http://127.0.0.1:${port}/hook`, secret: 's3cret' } });
      const set = (await r.json()) as any;
      await waitFor(async () => received.length >= 1);
      up = true;
      // The deliverer records the failed attempt (and its backoff) after the receiver answered:
      // wait for that record, or it would overwrite the pulled-forward time below.
      await waitFor(async () => {
        const row = await s.ctx.db.db
          .selectFrom('outbox')
          .select(['attempts', 'claimed_by'])
          .where('job_set_id', '=', set.id)
          .executeTakeFirst();
        return row?.attempts === 1 && row.claimed_by === null;
      });
      // Pull the retry forward instead of waiting out the backoff.
      await s.ctx.db.db.updateTable('outbox').set({ next_attempt_at: new Date().toISOString() }).where('job_set_id', '=', set.id).execute();
      await waitFor(async () => received.length >= 2);
      const [first, second] = received;
      expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
      expect(second.headers['x-webhook-secret-key']).toBe('s3cret');
      const body = JSON.parse(second.body);
      expect(body).toMatchObject({ id: set.id, type: 'text2image_soul' });
      expect(body.jobs[0].status).toBe('completed');
      const signingSecret = (await s.ctx.accounts.webhookSecret(a.accountId))!;
      expect(verifyStandardWebhook(second.headers as Record<string, string>, second.body, signingSecret)).toBe('ok');
      // The delivery is recorded after the receiver answered: wait for the record it asserts.
      const rows = await waitFor(async () => {
        const r = await s.ctx.webhooks.deliveries(set.id);
        return r[0]?.state === 'delivered' && r;
      });
      expect(rows[0]).toMatchObject({ state: 'delivered', attempts: 2 });
    } finally {
      receiver.close();
    }
  });
});

describe('SSRF', () => {
  it('refuses an image_reference on a private address unless the operator allows it', async () => {
    const t = await startServer({ config: { allowPrivateUrls: false } });
    try {
      const a = await t.account(10);
      const r = await fetch(`${t.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({
          params: { prompt: 'x', image_reference: { type: 'image_url', image_url: 'http://169.254.169.254/latest/meta-data' } },
        }),
      });
      const set = (await r.json()) as any;
      const done = await waitFor(async () => {
        const g = (await (await fetch(`${t.url}/v1/job-sets/${set.id}`, { headers: hfHeaders(a) })).json()) as any;
        return g.jobs[0].status === 'failed' && g;
      });
      expect(done.jobs[0].error).toMatch(/Could not fetch image/);
      expect(Number((await t.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000);
      const hook = await fetch(`${t.url}/higgsfield-ai/soul/standard?hf_webhook=${encodeURIComponent('http://127.0.0.1:9/x')}`, {
        method: 'POST',
        headers: { authorization: `Key ${a.keyId}:${a.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'x' }),
      });
      expect(hook.status).toBe(400);
      // v1 webhook targets are checked at submit as well, before anything is charged.
      const v1 = await fetch(`${t.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'x' }, webhook: { url: 'http://169.254.169.254/x', secret: 's' } }),
      });
      expect(v1.status).toBe(400);
      expect(await v1.json()).toEqual({ detail: expect.stringMatching(/^webhook\.url is not an acceptable URL/) });
      expect(Number((await t.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000);
    } finally {
      await t.close();
    }
  });

  it('refuses a webhook secret that could never be sent as a header', async () => {
    const a = await s.account(10);
    const r = await submit(a, { params: { prompt: 'x' }, webhook: { url: 'http://127.0.0.1:9/hook', secret: 'a\r\nX-Injected: 1' } });
    expect(r.status).toBe(422);
    expect(((await r.json()) as any).detail).toEqual([
      expect.objectContaining({ type: 'string_pattern_mismatch', loc: ['body', 'webhook', 'secret'] }),
    ]);
  });
});

describe('media retention', () => {
  it('expired outputs are swept and answer 410', async () => {
    const a = await s.account(10);
    const r = (await (await submit(a, { params: { prompt: 'short lived' } })).json()) as any;
    const url = await waitFor(
      async () => ((await (await fetch(`${s.url}/v1/job-sets/${r.id}`, { headers: hfHeaders(a) })).json()) as any).jobs[0].results?.raw.url,
    );
    expect((await fetch(url)).status).toBe(200);
    await s.ctx.db.db
      .updateTable('media')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('account_id', '=', a.accountId)
      .execute();
    expect(await s.ctx.media.sweep()).toBeGreaterThanOrEqual(2);
    expect((await fetch(url)).status).toBe(410);
  });
});

describe('uploads', () => {
  it('sniffs bytes, refuses non-images and single-use slots', async () => {
    const a = await s.account(1);
    const slot = (await (
      await fetch(`${s.url}/files/generate-upload-url`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ content_type: 'image/png' }),
      })
    ).json()) as any;
    const bad = await fetch(slot.upload_url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: Buffer.from('<html>not an image</html>'),
    });
    expect(bad.status).toBe(400);
    const { default: sharp } = await import('sharp');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(
      (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status,
    ).toBe(200);
    expect(
      (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status,
    ).toBe(409);
    expect((await fetch(slot.public_url)).status).toBe(200);
    const wrongType = await fetch(`${s.url}/files/generate-upload-url`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ content_type: 'text/html' }),
    });
    expect(wrongType.status).toBe(400);
  });
});

describe('ops', () => {
  it('healthz, readyz, metrics, openapi and docs', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as any;
    expect(ready.checks).toMatchObject({ database: { ok: true }, storage: { ok: true }, workers: { ok: true } });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('opensoul_http_requests_total');
    expect(metrics).toContain('opensoul_job_duration_seconds_bucket');
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as any;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/text2image/soul', '/requests/{id}/status', '/v1/job-sets/{id}']));
    expect(await (await fetch(`${s.url}/docs`)).text()).toContain('docs/assets/swagger-ui-bundle.js');
  });
});

describe('cancel (opensoul v1 extension)', () => {
  it('stops a running job at its next step and refunds it', async () => {
    const { testSoulRunner } = await import('../helpers/test-runner.js');
    const t = await startServer({ runners: [testSoulRunner({ steps: 200, stepMs: 20 })] });
    try {
      const a = await t.account(10);
      const set = (await (
        await fetch(`${t.url}/v1/text2image/soul`, {
          method: 'POST',
          headers: hfHeaders(a),
          body: JSON.stringify({ params: { prompt: 'long', quality: '1080p' } }),
        })
      ).json()) as any;
      await waitFor(async () => (await t.ctx.generation.get(set.id, a.accountId))!.jobs[0].progress?.step);
      const c = await fetch(`${t.url}/v1/job-sets/${set.id}/cancel`, { method: 'POST', headers: hfHeaders(a) });
      expect(c.status).toBe(200);
      const done = await waitFor(async () => {
        const g = await t.ctx.generation.get(set.id, a.accountId);
        return g!.jobs[0].status === 'canceled' && g;
      });
      expect(done.jobs[0].progress!.step).toBeLessThan(200);
      expect(Number((await t.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000);
    } finally {
      await t.close();
    }
  });
});
