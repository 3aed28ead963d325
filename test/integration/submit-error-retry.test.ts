// Found by the soak (bench/soak.ts): when the database connection dropped right after a submit
// committed, reading the new set back failed, the client got a 500, the 500 freed its
// Idempotency-Key, and the client's retry with the same key submitted (and charged) a second
// set. An error answer to a submit must mean nothing was submitted.
import { afterEach, describe, expect, it } from 'vitest';
import { IN_FLIGHT_LOCK_MS } from '../../src/api/idempotency.js';
import type { JobsRepo } from '../../src/store/repos/jobs.js';
import { hfHeaders, startServer, type TestServer } from '../helpers/server.js';

let s: TestServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

describe('a submit that fails while reading its set back', () => {
  it('answers an error with nothing submitted, so the retry with the same Idempotency-Key submits once', async () => {
    s = await startServer({ workers: false });
    const a = await s.account(100);
    const generation = s.ctx.generation;
    const repo = generation.repo.bind(generation);
    let fail = true;
    // The connection is lost at the first read of a set (as pg_terminate_backend did in the soak).
    generation.repo = (db) => {
      const r = repo(db);
      return {
        ...r,
        getSet: async (...args: Parameters<JobsRepo['getSet']>) => {
          if (fail) {
            fail = false;
            throw new Error('Connection terminated unexpectedly');
          }
          return r.getSet(...args);
        },
      };
    };
    const send = () =>
      fetch(`${s!.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: { ...hfHeaders(a), 'idempotency-key': 'retry-me' },
        body: JSON.stringify({ params: { prompt: 'once', quality: '720p', batch_size: 1 } }),
      });
    expect((await send()).status).toBe(500);
    const retry = await send();
    expect(retry.status).toBe(200);
    const id = ((await retry.json()) as { id: string }).id;
    const db = s.ctx.db.db;
    expect((await db.selectFrom('job_sets').select('id').where('account_id', '=', a.accountId).execute()).map((r) => r.id)).toEqual([id]);
    const charges = await db
      .selectFrom('ledger')
      .select('delta_milli')
      .where('account_id', '=', a.accountId)
      .where('reason', '=', 'charge')
      .execute();
    expect(charges).toHaveLength(1);
    // A replay answers the same set.
    expect(((await (await send()).json()) as { id: string }).id).toBe(id);
  });
});

describe('a retry that takes over a key whose first process died after its submit committed', () => {
  it('answers the set that was committed, charged once', async () => {
    s = await startServer({ workers: false });
    const a = await s.account(100);
    const send = () =>
      fetch(`${s!.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: { ...hfHeaders(a), 'idempotency-key': 'died-after-commit' },
        body: JSON.stringify({ params: { prompt: 'once', quality: '720p', batch_size: 1 } }),
      });
    const first = await send();
    expect(first.status).toBe(200);
    const id = ((await first.json()) as { id: string }).id;
    const db = s.ctx.db.db;
    // What a process killed between the commit and recording the answer leaves: the key still in
    // flight, older than the in-flight lock, so the next attempt may take it over.
    const old = new Date(Date.now() - IN_FLIGHT_LOCK_MS - 1000).toISOString();
    await db
      .updateTable('idempotency')
      .set({ state: 'in_flight', response_status: null, response_body: null, created_at: old })
      .where('account_id', '=', a.accountId)
      .execute();
    // The same key with another body is refused as a mismatch, never answered with that set.
    const changed = await fetch(`${s.url}/v1/text2image/soul`, {
      method: 'POST',
      headers: { ...hfHeaders(a), 'idempotency-key': 'died-after-commit' },
      body: JSON.stringify({ params: { prompt: 'something else', quality: '720p', batch_size: 1 } }),
    });
    expect(changed.status).toBe(422);
    expect(await changed.text()).toContain('different request');
    const retry = await send();
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(((await retry.json()) as { id: string }).id).toBe(id);
    expect(await db.selectFrom('job_sets').select('id').where('account_id', '=', a.accountId).execute()).toHaveLength(1);
    const charges = await db
      .selectFrom('ledger')
      .select('id')
      .where('account_id', '=', a.accountId)
      .where('reason', '=', 'charge')
      .execute();
    expect(charges).toHaveLength(1);
    // Another key is another set.
    const other = await fetch(`${s.url}/v1/text2image/soul`, {
      method: 'POST',
      headers: { ...hfHeaders(a), 'idempotency-key': 'another' },
      body: JSON.stringify({ params: { prompt: 'once', quality: '720p', batch_size: 1 } }),
    });
    expect(((await other.json()) as { id: string }).id).not.toBe(id);
  });
});
