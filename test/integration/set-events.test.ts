// Job-set event streams (SSE): GET /v1/job-sets/:id/events and GET /requests/:id/status/stream.
// Events for a job run by a separate worker process (SQLite + row re-reads; PostgreSQL + Redis
// pub/sub with re-reads turned down), resume with Last-Event-ID, the end of the stream at the
// end state, isolation, keep-alive comments and clean teardown.
import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createPgDatabase } from '../helpers/pg-admin.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';
import { openSse, type SseEvent, type SseStream } from '../helpers/sse-client.js';
import { testSoulRunner } from '../helpers/test-runner.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

async function server(opts: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(opts);
  cleanup.push(() => s.close());
  return s;
}

/** `opensoul worker` wiring in a child process, over the server's data dir (and database). */
async function workerProcess(s: TestServer, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/worker-process.ts')], {
    env: { ...process.env, OPENSOUL_DATA_DIR: s.dataDir, OPENSOUL_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  cleanup.push(async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker process exited ${code}`)));
  });
  return child;
}

async function pgDatabase(): Promise<string> {
  const db = await createPgDatabase('opensoul_sse');
  cleanup.push(db.drop);
  return db.url;
}

type Acct = Awaited<ReturnType<TestServer['account']>>;

async function submit(s: TestServer, a: Acct, prompt: string, batch: 1 | 4 = 1): Promise<string> {
  const r = await fetch(`${s.url}/v1/text2image/soul`, {
    method: 'POST',
    headers: hfHeaders(a),
    body: JSON.stringify({ params: { prompt, quality: '720p', batch_size: batch } }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as any).id;
}

function stream(s: TestServer, a: Acct, id: string, extra: Record<string, string> = {}): Promise<SseStream> {
  const sse = openSse(`${s.url}/v1/job-sets/${id}/events`, { 'hf-api-key': a.keyId, 'hf-secret': a.secret, ...extra });
  return sse.then((x) => (cleanup.push(async () => x.abort()), x));
}

const ids = (events: SseEvent[]) => events.map((e) => Number(e.id));

/** What every complete stream of a set obeys, from its first event to its end. */
function expectOrdered(events: SseEvent[]) {
  expect(events.length).toBeGreaterThan(0);
  expect(events.every((e) => e.id !== null && /^\d+$/.test(e.id))).toBe(true);
  // Ids never go back; only the final status and done share one.
  const n = ids(events);
  for (let i = 1; i < n.length; i++) expect(n[i]).toBeGreaterThanOrEqual(n[i - 1]);
  expect(events.filter((e) => e.event === 'done')).toHaveLength(1);
  expect(events.at(-1)!.event).toBe('done');
  // Progress of a job only moves forward (one attempt per job here).
  const steps = new Map<string, number>();
  for (const e of events) {
    const seen: [string, number][] =
      e.event === 'progress'
        ? [[e.data.job_id, e.data.step]]
        : e.data.jobs.filter((j: any) => j.progress).map((j: any) => [j.id, j.progress.step]);
    for (const [job, step] of seen) {
      expect(step).toBeGreaterThanOrEqual(steps.get(job) ?? 0);
      steps.set(job, step);
    }
  }
  // Status order: queued (if seen) before in_progress before completed.
  const rank = { queued: 0, in_progress: 1, completed: 2, failed: 2, nsfw: 2, canceled: 2 } as Record<string, number>;
  const statuses = events.filter((e) => e.event !== 'progress').map((e) => rank[e.data.status]);
  expect(statuses).toEqual([...statuses].sort((x, y) => x - y));
}

describe('job-set event streams', () => {
  const crossProcess: [string, () => Promise<{ config: Partial<Config>; env: Record<string, string> }>][] = [
    // Nothing crosses the process boundary but the database: the 150 ms re-read carries every event.
    ['SQLite, events found by re-reading the row', async () => ({ config: { ssePollMs: 150 }, env: {} })],
    // Re-reads turned down to once a minute: every event before the end arrives through Redis pub/sub.
    [
      'PostgreSQL + Redis, events published by the worker process',
      async () => {
        const databaseUrl = await pgDatabase();
        const redisUrl = process.env.OPENSOUL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
        const queuePrefix = `sse-${randomBytes(4).toString('hex')}`;
        return {
          config: { databaseUrl, redisUrl, queuePrefix, ssePollMs: 60_000 },
          env: { OPENSOUL_DATABASE_URL: databaseUrl, OPENSOUL_REDIS_URL: redisUrl, OPENSOUL_QUEUE_PREFIX: queuePrefix },
        };
      },
    ],
  ];

  it.each(crossProcess)(
    'sends status, progress and done in order for a job run by a separate worker process (%s)',
    async (_name, setup) => {
      const { config, env } = await setup();
      const s = await server({ workers: false, config });
      const a = await s.account(100);
      await workerProcess(s, { ...env, TEST_STEPS: '6', TEST_STEP_MS: '400' });
      const id = await submit(s, a, 'streamed');
      const sse = await stream(s, a, id);
      expect(sse.status).toBe(200);
      expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(sse.headers.get('cache-control')).toMatch(/no-cache/);
      expect(sse.headers.get('x-accel-buffering')).toBe('no');
      await Promise.race([sse.ended, new Promise((r) => setTimeout(r, 30_000))]);
      expect(sse.isEnded()).toBe(true);
      const ev = sse.events;
      expectOrdered(ev);
      expect(ev[0].event).toBe('status');
      expect(ev.some((e) => e.event === 'status' && e.data.status === 'in_progress')).toBe(true);
      expect(ev.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(2);
      const done = ev.at(-1)!;
      const polled = (await (await fetch(`${s.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;
      expect(done.data).toEqual({ ...polled, status: 'completed' });
      expect(done.data.jobs[0].results.raw.url).toContain('/media/');
      expect(s.ctx.generation.events.listenerCount()).toBe(0);
    },
    90_000,
  );

  it('resumes with Last-Event-ID: only what the client has not seen, then the end; the end state is never lost', async () => {
    // A slow job in this process, re-reads turned down: the in-process bus carries the events.
    const s = await server({ runners: [testSoulRunner({ steps: 10, stepMs: 300 })], config: { ssePollMs: 60_000, workers: 1 } });
    const a = await s.account(100);
    const id = await submit(s, a, 'resume me');

    const first = await stream(s, a, id);
    await waitFor(async () => first.events.filter((e) => e.event === 'progress').length >= 2, 20_000);
    first.abort();
    const seen = [...first.events];
    const lastId = seen.at(-1)!.id!;
    const lastStep = Math.max(...seen.filter((e) => e.event === 'progress').map((e) => e.data.step));
    // The job moves on while nobody listens.
    await waitFor(async () => ((await s.ctx.generation.get(id, a.accountId))!.jobs[0].progress?.step ?? 0) >= lastStep + 2, 20_000);

    const second = await stream(s, a, id, { 'last-event-id': lastId });
    await Promise.race([second.ended, new Promise((r) => setTimeout(r, 20_000))]);
    expect(second.isEnded()).toBe(true);
    const resumed = second.events;
    // No duplicate: every id is newer than the last one seen.
    expect(ids(resumed).every((n) => n > Number(lastId))).toBe(true);
    // No gap: the first event is the whole current state, which holds what was missed.
    expect(resumed[0].event).toBe('status');
    expect(resumed[0].data.jobs[0].progress.step).toBeGreaterThanOrEqual(lastStep + 2);
    expectOrdered([...seen, ...resumed]);
    expect(resumed.at(-1)!.data.status).toBe('completed');

    // A client that lost the connection right at the end still gets the end state.
    const late = await stream(s, a, id, { 'last-event-id': resumed.at(-1)!.id! });
    await late.ended;
    expect(late.events.map((e) => e.event)).toEqual(['done']);
    expect(late.events[0].data.status).toBe('completed');
    // An id the set never issued is no resume: the whole state again.
    const bogus = await stream(s, a, id, { 'last-event-id': '999999999' });
    await bogus.ended;
    expect(bogus.events.map((e) => e.event)).toEqual(['status', 'done']);
  }, 60_000);

  it('answers the v2 stream with the bodies of /requests/:id/status, and a failed set ends with done', async () => {
    const s = await server({ config: { ssePollMs: 60_000 } });
    const a = await s.account(100);
    const id = await submit(s, a, 'FAIL on purpose', 4);
    const sse = await openSse(`${s.url}/requests/${id}/status/stream`, { authorization: `Key ${a.keyId}:${a.secret}` });
    cleanup.push(async () => sse.abort());
    await Promise.race([sse.ended, new Promise((r) => setTimeout(r, 20_000))]);
    expect(sse.isEnded()).toBe(true);
    expect(sse.events[0].event).toBe('status');
    const done = sse.events.at(-1)!;
    expect(done.event).toBe('done');
    const polled = await (
      await fetch(`${s.url}/requests/${id}/status`, { headers: { authorization: `Key ${a.keyId}:${a.secret}` } })
    ).json();
    expect(done.data).toEqual(polled);
    expect(done.data).toMatchObject({ status: 'failed', request_id: id, error: 'the test engine was asked to fail' });
  });

  it("answers 404 in the dialect's shape for another account's set, 401 without a key", async () => {
    const s = await server({ workers: false });
    const a = await s.account(100);
    const b = await s.account(100);
    const id = await submit(s, a, 'mine');
    const v1 = await fetch(`${s.url}/v1/job-sets/${id}/events`, { headers: hfHeaders(b) });
    expect(v1.status).toBe(404);
    expect(await v1.json()).toEqual({ detail: 'Job set not found' });
    const v2 = await fetch(`${s.url}/requests/${id}/status/stream`, { headers: { authorization: `Key ${b.keyId}:${b.secret}` } });
    expect(v2.status).toBe(404);
    expect(((await v2.json()) as any).detail).toMatch(/does not exist/);
    expect((await fetch(`${s.url}/v1/job-sets/${id}/events`)).status).toBe(401);
    expect(s.ctx.metrics.eventStreams).toBe(0);
  });

  it('sends keep-alive comments while nothing happens, and leaves no listener or stream behind when the client goes', async () => {
    const s = await server({ workers: false, config: { sseKeepAliveMs: 100, ssePollMs: 50 } });
    const a = await s.account(100);
    const id = await submit(s, a, 'stays queued');
    const streams = await Promise.all([
      stream(s, a, id),
      stream(s, a, id),
      openSse(`${s.url}/requests/${id}/status/stream`, { authorization: `Key ${a.keyId}:${a.secret}` }),
    ]);
    await waitFor(async () => streams.every((x) => x.comments.filter((c) => c === 'keep-alive').length >= 3), 10_000);
    for (const x of streams) expect(x.events.map((e) => e.event)).toEqual(['status']);
    expect(s.ctx.metrics.eventStreams).toBe(3);
    expect(s.ctx.generation.events.listenerCount()).toBe(3);
    for (const x of streams) x.abort();
    await waitFor(async () => s.ctx.metrics.eventStreams === 0 && s.ctx.generation.events.listenerCount() === 0, 5000);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('opensoul_event_streams 0');
  });

  it('answers a resume with nothing new at once (headers, no event), then sends what comes next', async () => {
    const s = await server({ workers: false, config: { sseKeepAliveMs: 60_000, ssePollMs: 60_000 } });
    const a = await s.account(100);
    const id = await submit(s, a, 'resume while queued');
    const first = await stream(s, a, id);
    await waitFor(async () => first.events.length === 1);
    first.abort();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no headers: the stream held them back')), 10_000));
    const again = await Promise.race([stream(s, a, id, { 'last-event-id': first.events[0].id! }), timeout]);
    expect(again.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.events).toEqual([]);
    // A cancel ends the set: the stream wakes on the in-process bus and ends with done.
    await fetch(`${s.url}/v1/job-sets/${id}/cancel`, { method: 'POST', headers: hfHeaders(a), body: '{}' });
    await Promise.race([again.ended, timeout]);
    expect(again.events.map((e) => e.event)).toEqual(['status', 'done']);
    expect(Number(again.events[0].id)).toBeGreaterThan(Number(first.events[0].id));
    expect(again.events[1].data.status).toBe('canceled');
  });

  it('ends open streams when the server closes', async () => {
    const s = await startServer({ workers: false });
    const a = await s.account(100);
    const id = await submit(s, a, 'server goes');
    const sse = await stream(s, a, id);
    await waitFor(async () => sse.events.length === 1);
    await s.close();
    await Promise.race([sse.ended, new Promise((r) => setTimeout(r, 5000))]);
    expect(sse.isEnded()).toBe(true);
    expect(s.ctx.generation.events.listenerCount()).toBe(0);
  });
});
