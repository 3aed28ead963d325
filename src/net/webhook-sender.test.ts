import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../test/helpers/local-http-server.js';
import {
  deliverWebhook,
  nextRetryDelay,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_DELAYS_MS,
  WEBHOOK_RETRY_WINDOW_MS,
} from './webhook-sender.js';
import { generateWebhookSecret, newWebhookId, standardWebhookHeaders, verifyStandardWebhook } from './webhook-signing.js';

const LOCAL = { allowPrivate: true };
const BODY = JSON.stringify({ status: 'completed', request_id: 'r-1', images: [{ url: 'https://x/a.png' }] });

const servers: LocalServer[] = [];
async function serve(handler: Parameters<typeof startLocalServer>[0]): Promise<LocalServer> {
  const s = await startLocalServer(handler);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A port that nothing listens on right now (bound, then released). */
async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('deliverWebhook', () => {
  it('POSTs the exact body with the given headers and a JSON content type', async () => {
    const secret = generateWebhookSecret();
    const receiver = await serve((_req, res) => res.writeHead(204).end());
    const signed = standardWebhookHeaders({ id: newWebhookId(), timestamp: Math.floor(Date.now() / 1000), body: BODY, secret });
    const r = await deliverWebhook({
      url: receiver.url('/hooks?x=1'),
      body: BODY,
      headers: { ...signed, 'X-Webhook-Secret-Key': 'shared' },
      timeoutMs: 5000,
      fetchVia: LOCAL,
    });
    expect(r).toMatchObject({ ok: true, status: 204 });
    expect(r.error).toBeUndefined();
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    const got = receiver.received[0];
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hooks?x=1');
    expect(got.body.toString()).toBe(BODY);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-webhook-secret-key']).toBe('shared');
    expect(verifyStandardWebhook(got.headers, got.body, secret)).toBe('ok');
  });

  it('keeps a caller-provided Content-Type', async () => {
    const receiver = await serve((_req, res) => res.end('ok'));
    await deliverWebhook({
      url: receiver.url('/'),
      body: 'a=1',
      headers: { 'Content-Type': 'text/plain' },
      timeoutMs: 5000,
      fetchVia: LOCAL,
    });
    expect(receiver.received[0].headers['content-type']).toBe('text/plain');
  });

  it('fails against a receiver that is down, then succeeds once it is up, with one webhook-id throughout', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const id = newWebhookId();
    const secret = generateWebhookSecret();
    const attempt = () =>
      deliverWebhook({
        url,
        body: BODY,
        headers: standardWebhookHeaders({ id, timestamp: Math.floor(Date.now() / 1000), body: BODY, secret }),
        timeoutMs: 5000,
        fetchVia: LOCAL,
      });

    const down = await attempt();
    expect(down.ok).toBe(false);
    expect(down.status).toBeUndefined();
    expect(down.error).toMatch(/refused/);

    // Up, but unhealthy: a 503 is a failed attempt too.
    let healthy = false;
    const seenIds: string[] = [];
    const receiver = http.createServer((req, res) => {
      seenIds.push(String(req.headers['webhook-id']));
      req.resume();
      res.writeHead(healthy ? 200 : 503).end();
    });
    await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
    try {
      const unhealthy = await attempt();
      expect(unhealthy).toMatchObject({ ok: false, status: 503 });
      expect(unhealthy.error).toContain('503');
      healthy = true;
      const up = await attempt();
      expect(up).toMatchObject({ ok: true, status: 200 });
      expect(seenIds).toEqual([id, id]);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it('applies the address rules to the receiver URL', async () => {
    const receiver = await serve((_req, res) => res.end());
    const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const viaName = await deliverWebhook({
      url: receiver.url('/', 'hooks.example.com'),
      body: BODY,
      headers: {},
      timeoutMs: 5000,
      fetchVia: { lookup },
    });
    expect(viaName.ok).toBe(false);
    expect(viaName.error).toMatch(/not allowed/);
    const literal = await deliverWebhook({ url: 'http://169.254.169.254/', body: BODY, headers: {}, timeoutMs: 5000, fetchVia: LOCAL });
    expect(literal.ok).toBe(false);
    const badScheme = await deliverWebhook({ url: 'ftp://example.com/', body: BODY, headers: {}, timeoutMs: 5000 });
    expect(badScheme.ok).toBe(false);
    expect(receiver.received).toHaveLength(0);
    // The allowlist lets an operator's internal receiver through.
    const allowed = await deliverWebhook({
      url: receiver.url('/', 'hooks.example.com'),
      body: BODY,
      headers: {},
      timeoutMs: 5000,
      fetchVia: { lookup, allowedHosts: ['hooks.example.com'] },
    });
    expect(allowed.ok).toBe(true);
  });

  it('does not follow redirects', async () => {
    const target = await serve((_req, res) => res.end());
    const redirector = await serve((_req, res) => res.writeHead(307, { location: target.url('/') }).end());
    const r = await deliverWebhook({ url: redirector.url('/'), body: BODY, headers: {}, timeoutMs: 5000, fetchVia: LOCAL });
    expect(r).toMatchObject({ ok: false, status: 307 });
    expect(r.error).toMatch(/redirect/);
    expect(target.received).toHaveLength(0);
  });

  it('gives up on a receiver that does not answer within timeoutMs', async () => {
    const silent = await serve(() => {});
    const r = await deliverWebhook({ url: silent.url('/'), body: BODY, headers: {}, timeoutMs: 300, fetchVia: LOCAL });
    expect(r.ok).toBe(false);
    expect(r.status).toBeUndefined();
    expect(r.error).toMatch(/did not complete within 300 ms/);
  });

  it('ignores a large response body but still reports the status', async () => {
    const chatty = await serve((_req, res) => res.writeHead(200).end(Buffer.alloc(1024 * 1024, 0x61)));
    const r = await deliverWebhook({ url: chatty.url('/'), body: BODY, headers: {}, timeoutMs: 5000, fetchVia: LOCAL });
    expect(r).toMatchObject({ ok: true, status: 200 });
  });
});

describe('nextRetryDelay', () => {
  it('follows the documented schedule, jitter only shortening delays', () => {
    expect(WEBHOOK_RETRY_DELAYS_MS).toEqual([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 900_000]);
    for (let attempt = 1; attempt < WEBHOOK_MAX_ATTEMPTS; attempt++) {
      const base = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
      expect(nextRetryDelay(attempt, () => 0)).toBe(base);
      expect(nextRetryDelay(attempt, () => 1)).toBe(base * 0.8);
      const d = nextRetryDelay(attempt)!;
      expect(d).toBeGreaterThanOrEqual(base * 0.8);
      expect(d).toBeLessThanOrEqual(base);
    }
  });

  it('ends the schedule inside the 2-hour window', () => {
    let elapsed = 0;
    let attempts = 1;
    for (let d = nextRetryDelay(1, () => 0); d !== null; d = nextRetryDelay(attempts, () => 0)) {
      elapsed += d;
      attempts++;
    }
    expect(attempts).toBe(WEBHOOK_MAX_ATTEMPTS);
    expect(elapsed).toBeLessThanOrEqual(WEBHOOK_RETRY_WINDOW_MS);
    expect(elapsed).toBeGreaterThan(WEBHOOK_RETRY_WINDOW_MS * 0.9); // uses most of the window
  });

  it('returns null past the last attempt and for nonsense input', () => {
    expect(nextRetryDelay(WEBHOOK_MAX_ATTEMPTS)).toBeNull();
    expect(nextRetryDelay(0)).toBeNull();
    expect(nextRetryDelay(1.5)).toBeNull();
  });
});
