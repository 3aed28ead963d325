import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { type AppContext, createContext } from '../context.js';
import { readSoulParams } from '../domain/soul.js';

// How jobs end outside a worker's happy path: v2 cancel, lease recovery, and what /metrics counts.
let ctx: AppContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-generation-'));
  ctx = await createContext(loadConfig({}, { dataDir, workers: 0, maxInFlightPerAccount: 100 }), { runners: [] });
});
afterAll(async () => {
  await ctx.db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const params = readSoulParams({ prompt: 'x', quality: '720p', batch_size: 4 }, ['body']);
const submit = (accountId: string) => ctx.soul.submit(accountId, params, { model: 'soul', dialect: 'higgsfield', webhook: null });
const balance = async (accountId: string) => Number((await ctx.accounts.get(accountId))!.balance_milli);
const counted = (status: string) =>
  Number(new RegExp(`opensoul_jobs_finished_total\\{kind="soul",status="${status}"\\} (\\d+)`).exec(ctx.metrics.render([]))?.[1] ?? 0);

describe('ending jobs', () => {
  it('v2 cancel of a batch is all or nothing when a worker claims a job in between', async () => {
    const { accountId } = await ctx.accounts.createAccountWithKey('race', 100);
    const set = await submit(accountId);
    const charged = await balance(accountId);
    // The cancel read the set while all four were queued; a worker then claimed the third.
    const snapshot = await ctx.generation.getOrThrow(set.id, accountId);
    await ctx.db.db
      .updateTable('jobs')
      .set({ status: 'in_progress', started_at: new Date().toISOString() })
      .where('id', '=', set.jobs[2].id)
      .execute();
    const spy = vi.spyOn(ctx.generation, 'getOrThrow').mockResolvedValueOnce(snapshot);
    expect(await ctx.generation.cancelIfQueued(set.id, accountId)).toBe(false);
    // The cancel decided on the all-queued snapshot, so it was the guarded update that refused.
    expect(spy).toHaveBeenCalledOnce();
    expect(spy).toHaveBeenCalledWith(set.id, accountId);
    spy.mockRestore();
    const after = await ctx.generation.get(set.id, accountId);
    expect(after!.jobs.map((j) => j.status)).toEqual(['queued', 'queued', 'in_progress', 'queued']);
    expect(await balance(accountId)).toBe(charged);
  });

  it('v2 cancel of an all-queued batch cancels and refunds every job, and /metrics counts them', async () => {
    const { accountId } = await ctx.accounts.createAccountWithKey('cancel', 100);
    const before = await balance(accountId);
    const canceledBefore = counted('canceled');
    const set = await submit(accountId);
    expect(await ctx.generation.cancelIfQueued(set.id, accountId)).toBe(true);
    expect((await ctx.generation.get(set.id, accountId))!.jobs.every((j) => j.status === 'canceled')).toBe(true);
    expect(await balance(accountId)).toBe(before);
    expect(counted('canceled') - canceledBefore).toBe(4);
  });

  it('lease recovery ends a job canceled while its worker died, with its refund, instead of requeueing it', async () => {
    const { accountId } = await ctx.accounts.createAccountWithKey('dead-worker', 100);
    const set = await submit(accountId);
    const charged = await balance(accountId);
    const job = set.jobs[0];
    const past = new Date(Date.now() - 60_000).toISOString();
    await ctx.db.db
      .updateTable('jobs')
      .set({ status: 'in_progress', lease_owner: 'dead:1', lease_expires_at: past, started_at: past, attempts: 1, cancel_requested: 1 })
      .where('id', '=', job.id)
      .execute();
    await ctx.generation.recoverExpiredLeases();
    const ended = (await ctx.generation.get(set.id, accountId))!.jobs[0];
    expect(ended.status).toBe('canceled');
    expect(await balance(accountId)).toBe(charged + job.cost);
  });
});
