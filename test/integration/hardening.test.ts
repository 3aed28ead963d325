import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { API_CSP } from '../../src/api/security.js';
import { createContext } from '../../src/context.js';
import { loadConfig } from '../../src/config.js';
import { resellerSurfaces } from '../dialects/servers.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

let s: TestServer;
let a: Awaited<ReturnType<TestServer['account']>>;
const OPERATOR_TOKEN = 'op-token-0123456789abcdef';
beforeAll(async () => {
  s = await startServer({ surfaces: resellerSurfaces(), config: { operatorToken: OPERATOR_TOKEN } });
  a = await s.account(100);
});
afterAll(async () => {
  await s?.close();
});

const tinyPng = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
const bearer = () => ({ authorization: `Bearer ${a.credential}` });

describe('malformed multipart on POST /api/v3/media/upload/binary', () => {
  const post = (contentType: string, body: string) =>
    fetch(`${s.url}/api/v3/media/upload/binary`, { method: 'POST', headers: { ...bearer(), 'content-type': contentType }, body });
  it('answers 400 in the WaveSpeed shape for a missing boundary and for a truncated part', async () => {
    for (const r of [
      await post('multipart/form-data', 'abc'),
      await post(
        'multipart/form-data; boundary=XX',
        '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nabcdef',
      ),
    ]) {
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({
        code: 400,
        message: expect.stringMatching(/^Upload failed: the multipart\/form-data body is malformed/),
        error_code: 'bad_input',
        data: null,
      });
    }
  });
});

describe('own media URL with bad percent-encoding', () => {
  it('as a job input: the job fails with a clear message, refunded', async () => {
    const bad = `${s.url}/media/%E0%A4%A`;
    const r = await fetch(`${s.url}/api/v3/higgsfield/soul/image-to-image`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', image: bad }),
    });
    const id = ((await r.json()) as any).data.id;
    const data = await waitFor(async () => {
      const b = (await (await fetch(`${s.url}/api/v3/predictions/${id}/result`, { headers: bearer() })).json()) as any;
      return b.data.status === 'failed' && b.data;
    });
    expect(data.error).toBe(`Image URL is malformed (invalid percent-encoding in its path): ${bad}`);
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(100_000);
  });

  it('fetched directly: a 4xx, never a 500', async () => {
    for (const p of ['/media/%E0%A4%A', '/media/%E0%A4%A?exp=1&sig=x', '/v1/job-sets/%E0%A4%A']) {
      const r = await fetch(`${s.url}${p}`, { headers: hfHeaders(a) });
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
    }
  });
});

describe('validation errors echo a bounded part of the input', () => {
  const huge = 'x'.repeat(1_000_000);
  it('in every dialect', async () => {
    const answers = [
      await fetch(`${s.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: huge, width_and_height: huge } }),
      }),
      await fetch(`${s.url}/api/v3/higgsfield/soul/text-to-image`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: huge, size: huge }),
      }),
      await fetch(`${s.url}/v2/higgsfield-text2image-soul`, {
        method: 'POST',
        headers: { 'x-api-key': a.credential, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: huge, [huge]: 1 }),
      }),
    ];
    for (const r of answers) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      const text = await r.text();
      expect(text.length).toBeLessThan(5000);
      expect(text).not.toContain('x'.repeat(201));
    }
  });

  it('in a job error about an image URL (own media and fetched)', async () => {
    const long = 'a'.repeat(4000);
    for (const image of [`${s.url}/media/${long}.png`, `http://127.0.0.1:1/${long}.png`]) {
      const r = await fetch(`${s.url}/api/v3/higgsfield/soul/image-to-image`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'x', image }),
      });
      const id = ((await r.json()) as any).data.id;
      const data = await waitFor(async () => {
        const b = (await (await fetch(`${s.url}/api/v3/predictions/${id}/result`, { headers: bearer() })).json()) as any;
        return b.data.status === 'failed' && b.data;
      });
      expect(data.error).toMatch(
        /^(Image not found:|Could not fetch image) http:\/\/127\.0\.0\.1:\d+\/(media\/)?a+… \(\d+ more characters\)/,
      );
      expect(data.error).not.toContain('a'.repeat(201));
    }
  });
});

describe('credentials', () => {
  it('a malformed credential is "invalid", an absent one "missing"', async () => {
    const detail = async (headers: Record<string, string>) =>
      ((await (await fetch(`${s.url}/v1/account`, { headers })).json()) as any).detail;
    expect(await detail({ authorization: 'Key abc' })).toBe('Invalid API credentials');
    expect(await detail({ authorization: 'Key ' + a.keyId })).toBe('Invalid API credentials');
    expect(await detail({ authorization: 'Basic Zm9vOmJhcg==' })).toBe('Invalid API credentials');
    expect(await detail({ 'hf-api-key': a.keyId })).toBe('Invalid API credentials');
    expect(await detail({ 'hf-secret': a.secret })).toBe('Invalid API credentials');
    expect(await detail({})).toBe('Not authenticated: API credentials are missing');
    expect(await detail({ authorization: `Key ${a.credential}` })).toBeUndefined();
  });
});

describe('security headers', () => {
  it('on JSON, media, errors and 404s; a route that sets its own CSP keeps it', async () => {
    const ref = await s.ctx.media.upload(a.accountId, await tinyPng());
    const answers = [
      await fetch(`${s.url}/v1/account`, { headers: hfHeaders(a) }),
      await fetch(s.ctx.media.url(ref.key)),
      await fetch(`${s.url}/v1/account`),
      await fetch(`${s.url}/no/such/path`),
      await fetch(`${s.url}/healthz`),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 404, 200]);
    for (const r of answers) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('content-security-policy')).toBe(API_CSP);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    }
    // /docs sets its own policy (Swagger UI needs inline styles, never inline scripts); it is kept.
    const docsCsp = (await fetch(`${s.url}/docs`)).headers.get('content-security-policy') ?? '';
    expect(docsCsp).not.toBe(API_CSP);
    expect(docsCsp).toMatch(/style-src [^;]*'unsafe-inline'/);
    expect(docsCsp).toMatch(/script-src 'self'(;|$)/);
    expect(docsCsp).toContain("frame-ancestors 'none'");
  });
});

describe('CORS', () => {
  it('is off by default: no CORS headers, preflight not answered', async () => {
    const r = await fetch(`${s.url}/v1/account`, { headers: { ...hfHeaders(a), origin: 'https://evil.example' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${s.url}/v1/account`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('with an allow-list, answers only the listed origins', async () => {
    const c = await startServer({ config: { corsOrigins: ['https://app.example.com'] } });
    try {
      const b = await c.account(1);
      const ok = await fetch(`${c.url}/v1/account`, { headers: { ...hfHeaders(b), origin: 'https://app.example.com' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const pre = await fetch(`${c.url}/v1/account`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
      const other = await fetch(`${c.url}/v1/account`, { headers: { ...hfHeaders(b), origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await c.close();
    }
  });
});

describe('operator-only endpoints', () => {
  // A relayed request (as from a reverse proxy on this machine) is not local.
  const remote = { 'x-forwarded-for': '203.0.113.9' };
  it('/metrics: loopback or the operator token', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(200);
    const denied = await fetch(`${s.url}/metrics`, { headers: remote });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).detail).toMatch(/Operator only/);
    expect((await fetch(`${s.url}/metrics`, { headers: { ...remote, authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(403);
    const ok = await fetch(`${s.url}/metrics`, { headers: { ...remote, authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('opensoul_queue_jobs');
  });

  it('/readyz: a bare status for others, details for operators; /healthz public', async () => {
    expect(await (await fetch(`${s.url}/readyz`, { headers: remote })).json()).toEqual({ status: 'ready' });
    const detailed = (await (
      await fetch(`${s.url}/readyz`, { headers: { ...remote, authorization: `Bearer ${OPERATOR_TOKEN}` } })
    ).json()) as any;
    expect(detailed.checks.database.ok).toBe(true);
    expect(((await (await fetch(`${s.url}/readyz`)).json()) as any).checks.database.ok).toBe(true);
    expect(await (await fetch(`${s.url}/healthz`, { headers: remote })).json()).toEqual({ status: 'ok' });
  });
});

describe('secrets at rest', () => {
  it('the database and media files are owner-only', async () => {
    const ref = await s.ctx.media.upload(a.accountId, await tinyPng());
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect(mode(path.join(s.dataDir, 'opensoul.db'))).toBe(0o600);
    // WAL mode: both side files exist while the database is open (and the upload just wrote to it).
    for (const suffix of ['-wal', '-shm']) expect(mode(path.join(s.dataDir, `opensoul.db${suffix}`)), suffix).toBe(0o600);
    const file = path.join(s.dataDir, 'media', ref.key);
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(path.join(s.dataDir, 'media'))).toBe(0o700);
  });
});

describe('request logs', () => {
  it('never print media signatures or credentials', async () => {
    const config = loadConfig(
      {},
      { dataDir: s.dataDir + '-log', port: 0, workers: 0, logLevel: 'debug', moderation: { mode: 'off', thresholds: {} } },
    );
    const ctx = await createContext(config, { runners: [] });
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => lines.push(d.toString()));
    const app = await buildApp(ctx, { logger: true, logStream: stream });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      ctx.setBaseUrl(url);
      const k = await ctx.accounts.createAccountWithKey('log', 1);
      const ref = await ctx.media.upload(k.accountId, await tinyPng());
      const signed = ctx.media.url(ref.key);
      const sig = new URL(signed).searchParams.get('sig')!;
      expect((await fetch(signed)).status).toBe(200);
      await fetch(`${url}/v1/account?token=abc123secret`, { headers: { authorization: `Key ${k.keyId}:${k.secret}` } });
      // The access line is written when the response ends, which can come after fetch resolves.
      const log = await waitFor(async () => {
        const text = lines.join('');
        return text.split('"msg":"request completed"').length - 1 >= 2 && text;
      }, 5000);
      expect(log).toContain('sig=[REDACTED]');
      expect(log).not.toContain(sig);
      expect(log).not.toContain('abc123secret');
      expect(log).not.toContain(k.secret);
    } finally {
      await app.close();
      await ctx.close();
    }
  });
});
