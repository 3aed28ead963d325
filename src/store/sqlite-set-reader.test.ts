import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { type AppContext, createContext } from '../context.js';
import { readSoulParams } from '../domain/soul.js';
import { jobsRepo } from './repos/jobs.js';

let ctx: AppContext;
let dataDir: string;
let accountId: string;
let setId: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-set-reader-'));
  ctx = await createContext(loadConfig({}, { dataDir, workers: 0 }), { runners: [] });
  accountId = (await ctx.accounts.createAccountWithKey('reader', 100)).accountId;
  const set = await ctx.soul.submit(accountId, readSoulParams({ prompt: 'reader', quality: '720p', batch_size: 4 }, ['body']), {
    model: 'soul',
    dialect: 'higgsfield',
    webhook: null,
  });
  setId = set.id;
  // One job with every optional column filled, so the mapping is checked on real values.
  await ctx.db.db
    .updateTable('jobs')
    .set({
      status: 'in_progress',
      progress_step: 3,
      progress_total: 8,
      extras: JSON.stringify({ identity_score: 0.71 }),
      started_at: new Date().toISOString(),
      attempts: 1,
    })
    .where('id', '=', set.jobs[1].id)
    .execute();
});

afterAll(async () => {
  await ctx.db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The Kysely path: transactions never take the raw fast path. */
const viaKysely = (id: string, owner?: string) => ctx.db.db.transaction().execute((trx) => jobsRepo(trx, 'sqlite').getSet(id, owner));

describe('SQLite fast set reader', () => {
  it('reads the same job set as the Kysely query, jobs in order', async () => {
    const fast = await ctx.generation.repo().getSet(setId, accountId);
    const slow = await viaKysely(setId, accountId);
    expect(fast).toEqual(slow);
    expect(fast!.jobs.map((j) => j.index)).toEqual([0, 1, 2, 3]);
    expect(fast!.jobs[1]).toMatchObject({
      status: 'in_progress',
      progress: { step: 3, total: 8 },
      extras: { identity_score: 0.71 },
      attempts: 1,
    });
    expect(fast!.jobs[0].input).toMatchObject({ prompt: 'reader' });
  });

  it("reads another account's set as missing, and unknown ids as missing", async () => {
    expect(await ctx.generation.repo().getSet(setId, 'someone-else')).toBeUndefined();
    expect(await ctx.generation.repo().getSet('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect((await ctx.generation.repo().getSet(setId))!.id).toBe(setId);
  });

  it('never shows rows of a transaction that is still open (and later rolls back)', async () => {
    const jobId = (await ctx.generation.repo().getSet(setId))!.jobs[0].id;
    let readDuringTransaction: Promise<unknown> | undefined;
    await expect(
      ctx.db.db.transaction().execute(async (trx) => {
        await trx.updateTable('jobs').set({ status: 'completed' }).where('id', '=', jobId).execute();
        readDuringTransaction = ctx.generation.repo().getSet(setId);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const seen = (await readDuringTransaction) as Awaited<ReturnType<ReturnType<AppContext['generation']['repo']>['getSet']>>;
    expect(seen!.jobs[0].status).toBe('queued');
  });

  it('answers repeated reads from memory but never across a commit of this process', async () => {
    const repo = ctx.generation.repo();
    const before = await repo.getSet(setId);
    const jobId = before!.jobs[2].id;
    expect(before!.jobs[2].status).toBe('queued');
    await ctx.db.db.updateTable('jobs').set({ status: 'failed', error: 'boom' }).where('id', '=', jobId).execute();
    expect((await repo.getSet(setId))!.jobs[2]).toMatchObject({ status: 'failed', error: 'boom' });
    await ctx.db.db.updateTable('jobs').set({ status: 'queued', error: null }).where('id', '=', jobId).execute();
    expect((await repo.getSet(setId))!.jobs[2]).toMatchObject({ status: 'queued', error: null });
  });

  it('sees commits of another connection (a worker process) on the next read', async () => {
    const repo = ctx.generation.repo();
    const jobId = (await repo.getSet(setId))!.jobs[3].id;
    const other = new Database(path.join(dataDir, 'opensoul.db'));
    try {
      other.prepare("update jobs set status = 'completed' where id = ?").run(jobId);
      expect((await repo.getSet(setId))!.jobs[3].status).toBe('completed');
      other.prepare("update jobs set status = 'queued' where id = ?").run(jobId);
      expect((await repo.getSet(setId))!.jobs[3].status).toBe('queued');
    } finally {
      other.close();
    }
  });

  it('hands out fresh objects: a caller changing its copy changes nothing for the next', async () => {
    const repo = ctx.generation.repo();
    const first = await repo.getSet(setId);
    first!.jobs[0].status = 'canceled';
    first!.inputParams.prompt = 'changed';
    const second = await repo.getSet(setId);
    expect(second!.jobs[0].status).toBe('queued');
    expect(second!.inputParams.prompt).toBe('reader');
  });
});
