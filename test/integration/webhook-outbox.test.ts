// The webhook outbox when several processes deliver from one database: every API and worker
// process runs the delivery loop, so rows must be claimed (exactly one POST per row per attempt),
// a dead deliverer's claim must lapse, and one hanging receiver must not hold up the others.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyStandardWebhook } from '../../src/net/webhook-signing.js';
import { WebhookService } from '../../src/services/webhooks.js';
import { openDatabase } from '../../src/store/db.js';
import { type LocalServer, startLocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';
import { createPgDatabase } from '../helpers/pg-admin.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

async function receiver(handler: Parameters<typeof startLocalServer>[0]): Promise<LocalServer> {
  const r = await startLocalServer(handler);
  cleanup.push(() => r.close());
  return r;
}

/** A fresh database for one test: a SQLite file, or a PostgreSQL database. */
async function freshDatabase(database: 'sqlite' | 'postgres'): Promise<string> {
  const tag = randomBytes(4).toString('hex');
  if (database === 'sqlite') {
    const file = path.join(os.tmpdir(), `opensoul-outbox-${tag}.db`);
    cleanup.push(async () => {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    });
    return `sqlite:${file}`;
  }
  const db = await createPgDatabase('opensoul_outbox');
  cleanup.push(db.drop);
  return db.url;
}

/** Processes over one database share its data key (each has its own data dir here). */
const DATA_KEY = randomBytes(32).toString('base64');
const MEDIA_SECRET = randomBytes(32).toString('hex');

async function serverIn(databaseUrl: string): Promise<TestServer> {
  const s = await startServer({ config: { databaseUrl, maxInFlightPerAccount: 100, dataKey: DATA_KEY, mediaSecret: MEDIA_SECRET } });
  cleanup.push(() => s.close());
  return s;
}

/** A real second process (`serve` wiring, its own delivery loop) over the same database. */
async function serverProcess(databaseUrl: string): Promise<{ url: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-outbox-proc-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/webhook-process.ts')], {
    env: {
      ...process.env,
      OPENSOUL_DATA_DIR: dataDir,
      OPENSOUL_DATABASE_URL: databaseUrl,
      OPENSOUL_WORKERS: '2',
      OPENSOUL_DATA_KEY: DATA_KEY,
      OPENSOUL_MEDIA_SECRET: MEDIA_SECRET,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  cleanup.push(async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, settle(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve({ url: JSON.parse(buf.split('\n')[0]).url });
    });
    child.once('exit', (code) => reject(new Error(`server process exited ${code}`)));
  });
}

async function submitV1(url: string, a: { keyId: string; secret: string }, prompt: string, webhookUrl: string): Promise<string> {
  const r = await fetch(`${url}/v1/text2image/soul`, {
    method: 'POST',
    headers: hfHeaders(a),
    body: JSON.stringify({ params: { prompt }, webhook: { url: webhookUrl, secret: 'hook-secret' } }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { id: string }).id;
}

const headerBag = (h: http.IncomingHttpHeaders) => h as Record<string, string>;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['sqlite', 'postgres'] as const)('webhook outbox over %s', (database) => {
  it('two processes on one database deliver each finished set exactly once', async () => {
    // A receiver that answers slowly keeps rows pending long enough for both loops to see them.
    const hooks = await receiver((_req, res) => setTimeout(() => res.end('ok'), 100));
    const databaseUrl = await freshDatabase(database);
    const one = await serverIn(databaseUrl);
    const two = await serverProcess(databaseUrl);
    const a = await one.account(100);
    const N = 8;
    const sets: string[] = [];
    // Either process's workers may finish a set; both delivery loops see every row.
    for (let i = 0; i < N; i++) sets.push(await submitV1((i % 2 ? two : one).url, a, `hook ${i}`, hooks.url('/hook')));
    const db = one.ctx.db.db;
    await waitFor(async () => {
      const rows = await db.selectFrom('outbox').select('state').where('job_set_id', 'in', sets).execute();
      return rows.length === N && rows.every((r) => r.state === 'delivered');
    });
    // Both loops keep ticking: give a duplicate that was already under way time to arrive.
    await settle(500);
    const ids = hooks.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(N);
    expect(ids).toHaveLength(N);
    expect(hooks.received.map((r) => JSON.parse(r.body.toString()).id).sort()).toEqual([...sets].sort());
    const rows = await db.selectFrom('outbox').selectAll().where('job_set_id', 'in', sets).execute();
    for (const row of rows) expect(row).toMatchObject({ attempts: 1, claimed_by: null, lease_until: null });
  });

  it('a claim left by a process that died mid-delivery lapses and another process delivers it, same webhook-id', async () => {
    const received: string[] = [];
    let releaseStuck: ((status: number) => void) | null = null;
    const hooks = await receiver((_req, res, body) => {
      received.push(body.toString());
      // The first POST never gets an answer while the test runs: its sender is "dead".
      if (received.length === 1) releaseStuck = (status) => res.writeHead(status).end();
      else res.end('ok');
    });
    const databaseUrl = await freshDatabase(database);
    const one = await serverIn(databaseUrl);
    // Only the two services below deliver in this test.
    one.ctx.webhooks.stop();
    const a = await one.account(10);
    const setId = await submitV1(one.url, a, 'orphaned', hooks.url('/hook'));
    const row = await waitFor(async () => (await one.ctx.webhooks.deliveries(setId))[0]);
    // One delivery loop per process: `dead` claims with a lease that outlasts the test and never hears back.
    const dead = new WebhookService(one.ctx.db.db, one.ctx.db.engine, one.ctx.config, one.ctx.secrets, undefined, { leaseMs: 10 * 60_000 });
    const other = await openDatabase(databaseUrl, one.dataDir);
    cleanup.push(() => other.close());
    const live = new WebhookService(other.db, other.engine, one.ctx.config, one.ctx.secrets);
    const deadPass = dead.deliverDue();
    await waitFor(async () => received.length === 1);
    const claimed = (await one.ctx.webhooks.deliveries(setId))[0];
    expect(claimed.claimed_by).toBeTruthy();
    // While the lease holds, the live process leaves the row alone.
    expect(await live.deliverDue()).toBe(0);
    expect(received).toHaveLength(1);
    // The clock moves past the lease (rewritten rather than waited for, so no machine is too slow
    // for the check above); the live process then claims and delivers it.
    await other.db
      .updateTable('outbox')
      .set({ lease_until: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', row.id)
      .execute();
    await waitFor(async () => {
      await live.deliverDue();
      return received.length === 2;
    });
    await waitFor(async () => (await live.deliveries(setId))[0].state === 'delivered');
    const [first, second] = hooks.received;
    expect(first.headers['webhook-id']).toBe(row.id);
    expect(second.headers['webhook-id']).toBe(row.id);
    const signingSecret = (await one.ctx.accounts.webhookSecret(a.accountId))!;
    expect(verifyStandardWebhook(headerBag(second.headers), second.body, signingSecret)).toBe('ok');
    // The dead process's attempt finally ends (as a failure): its stale claim records nothing.
    releaseStuck!(503);
    expect(await deadPass).toBe(1);
    const final = (await live.deliveries(setId))[0];
    expect(final).toMatchObject({ state: 'delivered', attempts: 1, last_status: 200, claimed_by: null, lease_until: null });
    dead.stop();
    live.stop();
  });
});

describe('webhook delivery in one process', () => {
  let s: TestServer;
  afterEach(async () => s?.close());

  it('a receiver that hangs does not hold up delivery to another URL', async () => {
    let slowClosed = false;
    let releaseSlow: (() => void) | null = null;
    const hooks = await receiver((req, res) => {
      if (req.url === '/slow') {
        res.on('close', () => (slowClosed = true));
        releaseSlow = () => res.end('ok');
        return;
      }
      res.end('ok');
    });
    s = await startServer();
    const a = await s.account(10);
    const slowSet = await submitV1(s.url, a, 'slow', hooks.url('/slow'));
    await waitFor(async () => hooks.received.some((r) => r.url === '/slow'));
    const fastSet = await submitV1(s.url, a, 'fast', hooks.url('/fast'));
    await waitFor(async () => hooks.received.some((r) => r.url === '/fast'));
    // The fast receiver got its post while the slow one was still hanging (not after it timed out).
    expect(slowClosed).toBe(false);
    expect((await s.ctx.webhooks.deliveries(slowSet))[0].state).toBe('pending');
    await waitFor(async () => (await s.ctx.webhooks.deliveries(fastSet))[0].state === 'delivered');
    releaseSlow!();
    await waitFor(async () => (await s.ctx.webhooks.deliveries(slowSet))[0].state === 'delivered');
  });

  it('v2 ?hf_webhook= delivers the v2 status body with valid Standard Webhooks headers', async () => {
    const hooks = await receiver((_req, res) => res.end('ok'));
    s = await startServer();
    const a = await s.account(10);
    const r = await fetch(`${s.url}/higgsfield-ai/soul/standard?hf_webhook=${encodeURIComponent(hooks.url('/v2-hook'))}`, {
      method: 'POST',
      headers: { authorization: `Key ${a.keyId}:${a.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'v2 hook' }),
    });
    expect(r.status).toBe(200);
    const submitted = (await r.json()) as { request_id: string; status_url: string };
    await waitFor(async () => hooks.received.length >= 1);
    expect(hooks.received).toHaveLength(1);
    const [hook] = hooks.received;
    expect(hook.url).toBe('/v2-hook');
    expect(hook.headers['content-type']).toBe('application/json');
    // v2 targets carry no secret of their own: the account's signing secret is the proof.
    expect(hook.headers['x-webhook-secret-key']).toBeUndefined();
    const signingSecret = (await s.ctx.accounts.webhookSecret(a.accountId))!;
    expect(verifyStandardWebhook(headerBag(hook.headers), hook.body, signingSecret)).toBe('ok');
    expect(verifyStandardWebhook(headerBag(hook.headers), Buffer.concat([hook.body, Buffer.from(' ')]), signingSecret)).not.toBe('ok');
    // The receiver sees the POST before the deliverer records its answer: wait for that record.
    await waitFor(async () => (await s!.ctx.webhooks.deliveries(submitted.request_id))[0]?.state === 'delivered');
    const [row] = await s.ctx.webhooks.deliveries(submitted.request_id);
    expect(hook.headers['webhook-id']).toBe(row.id);
    expect(row).toMatchObject({ state: 'delivered', attempts: 1 });
    // The body is the v2 RequestStatus a poll returns (media URLs are signed per render, so compare their shape).
    const body = JSON.parse(hook.body.toString());
    const polled = (await (
      await fetch(submitted.status_url, { headers: { authorization: `Key ${a.keyId}:${a.secret}` } })
    ).json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(polled).sort());
    expect(body).toMatchObject({
      status: 'completed',
      request_id: submitted.request_id,
      status_url: submitted.status_url,
      cancel_url: polled.cancel_url,
      images: [{ url: expect.any(String) }],
    });
    expect((await fetch(body.images[0].url)).status).toBe(200);
  });
});
