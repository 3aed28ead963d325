import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// The scaled deployment's database: the same flows on a real PostgreSQL (a fresh database per run).
const admin = process.env.OPENSOUL_TEST_PG_ADMIN ?? 'postgres://root@127.0.0.1:5432/postgres';
const dbName = `opensoul_test_${randomBytes(4).toString('hex')}`;
let s: TestServer;

beforeAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${dbName}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  s = await startServer({ config: { databaseUrl: url.toString() } });
});

afterAll(async () => {
  await s?.close();
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`drop database if exists ${dbName} with (force)`);
  await c.end();
});

describe('PostgreSQL backend', () => {
  it('submits, leases with SKIP LOCKED, completes, refunds and enforces the concurrency limit', async () => {
    expect(s.ctx.db.engine).toBe('postgres');
    const a = await s.account(100);
    const sets: string[] = [];
    for (const prompt of ['one', 'FAIL two', 'three']) {
      const r = await fetch(`${s.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt, quality: '720p', batch_size: 1 } }),
      });
      expect(r.status).toBe(200);
      sets.push(((await r.json()) as any).id);
    }
    const final = await waitFor(async () => {
      const all = await Promise.all(sets.map((id) => s.ctx.generation.get(id, a.accountId)));
      return all.every((x) => x!.jobs.every((j) => ['completed', 'failed'].includes(j.status))) && all;
    });
    expect(final.map((x) => x!.jobs[0].status)).toEqual(['completed', 'failed', 'completed']);
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(97_000);
    // The unique refund index holds on PostgreSQL too.
    const refunds = await s.ctx.accounts.ledger(a.accountId);
    expect(refunds.filter((l) => l.reason === 'refund')).toHaveLength(1);
  });

  it('a video series: the waiting join is queued by the last clip, and v1 cancel ends a waiting join with its refund', async () => {
    const a = await s.account(400);
    const submit = async () =>
      (
        (await (
          await fetch(`${s.url}/social/video-series/tutorial`, {
            method: 'POST',
            headers: hfHeaders(a),
            body: JSON.stringify({ topic: 'repotting', seed: 4 }),
          })
        ).json()) as any
      ).request_id as string;
    const first = await submit();
    for (let i = 0; i < 20; i++) {
      const job = (await s.ctx.generation.claimNext('pg-test', ['series_clip']))!;
      await s.ctx.generation.finishJob(
        job,
        { status: 'in_progress', workerId: 'pg-test' },
        { status: 'completed', results: null, extras: {} },
      );
    }
    expect((await s.ctx.generation.get(first, a.accountId))!.jobs.at(-1)!.status).toBe('queued');
    expect((await s.ctx.generation.claimNext('pg-test', ['series_concat']))!.jobSetId).toBe(first);
    const second = await submit();
    await s.ctx.generation.claimNext('pg-test', ['series_clip']);
    await s.ctx.generation.cancel(second, a.accountId);
    const set = (await s.ctx.generation.get(second, a.accountId))!;
    expect(set.jobs.at(-1)!.status).toBe('canceled');
    expect(set.jobs.filter((j) => j.status === 'canceled')).toHaveLength(20);
    // 20 clips of the first set stay charged; of the second, only the clip still running.
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(400_000 - 21 * 8000);
  });

  it('recovers an expired lease', async () => {
    const a = await s.account(10);
    const idle = s.ctx.generation;
    const set = (await (
      await fetch(`${s.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'lease' } }),
      })
    ).json()) as any;
    await waitFor(async () => (await idle.get(set.id, a.accountId))!.jobs[0].status === 'completed');
    // Forge a dead worker's lease on a fresh queued job and let recovery requeue it.
    const again = (await (
      await fetch(`${s.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'lease 2' } }),
      })
    ).json()) as any;
    await waitFor(async () => (await idle.get(again.id, a.accountId))!.jobs[0].status === 'completed');
    const jobId = (await idle.get(again.id, a.accountId))!.jobs[0].id;
    await s.ctx.db.db
      .updateTable('jobs')
      .set({ status: 'in_progress', lease_owner: 'dead', lease_expires_at: new Date(Date.now() - 1000).toISOString(), attempts: 1 })
      .where('id', '=', jobId)
      .execute();
    const r = await idle.recoverExpiredLeases();
    expect(r.requeued).toBe(1);
    await waitFor(async () => (await idle.get(again.id, a.accountId))!.jobs[0].status === 'completed');
  });
});
