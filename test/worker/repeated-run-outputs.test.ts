// Found by the soak (bench/soak.ts): a worker SIGKILLed after storing a job's files but before
// ending the job left those files behind (media rows and objects no job names) once another
// worker ran the job again, or once the job was given up. Outputs are named by their job now, so
// a repeated run overwrites them, and a job that ends without results hands them to the sweep.
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { jobOutputKey } from '../../src/domain/output-keys.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

async function server(config: Partial<Config> = {}): Promise<TestServer> {
  const s = await startServer({ workers: false, config });
  cleanup.push(() => s.close());
  return s;
}

/** Submits one image, claims it as a worker that stores its files and then dies (lease run out). */
async function diedAfterStoring(s: TestServer) {
  const a = await s.account(100);
  const r = await fetch(`${s.url}/v1/text2image/soul`, {
    method: 'POST',
    headers: hfHeaders(a),
    body: JSON.stringify({ params: { prompt: 'x', quality: '720p', batch_size: 1 } }),
  });
  const setId = ((await r.json()) as { id: string }).id;
  const job = (await s.ctx.generation.claimNext('doomed-worker'))!;
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
    .png()
    .toBuffer();
  const jpg = await sharp(png).jpeg().toBuffer();
  // What WorkerPool.storeOutputs writes before finishJob.
  for (const [name, bytes, type] of [
    ['raw', png, 'image/png'],
    ['min', jpg, 'image/jpeg'],
  ] as const) {
    await s.ctx.media.put(
      a.accountId,
      'output',
      { bytes, contentType: type, type: 'image' },
      3600,
      jobOutputKey(a.accountId, job.id, name, type),
    );
  }
  await s.ctx.db.db
    .updateTable('jobs')
    .set({ lease_expires_at: new Date(Date.now() - 1000).toISOString() })
    .where('id', '=', job.id)
    .execute();
  return { a, setId, job };
}

const mediaRows = (s: TestServer, accountId: string) =>
  s.ctx.db.db.selectFrom('media').selectAll().where('account_id', '=', accountId).execute();

describe('outputs of a run whose worker died after storing them', () => {
  it('the repeated run overwrites them: every output row is named by the job, each has its file', async () => {
    const s = await server();
    const { a, setId, job } = await diedAfterStoring(s);
    s.ctx.workers!.start(1);
    const set = await waitFor(async () => {
      const got = await s.ctx.generation.get(setId, a.accountId);
      return got?.jobs[0].status === 'completed' ? got : null;
    });
    const results = set.jobs[0].results!;
    expect(results.raw.key).toBe(jobOutputKey(a.accountId, job.id, 'raw', 'image/png'));
    const rows = await mediaRows(s, a.accountId);
    expect(rows.map((r) => r.key).sort()).toEqual([results.raw.key, results.min.key].sort());
    // The repeated run's bytes (the test engine draws 64x48), not the dead run's 8x8.
    expect(rows.find((r) => r.key === results.raw.key)).toMatchObject({ width: 64, height: 48, deleted_at: null });
    for (const r of rows) expect(await s.ctx.media.readOwn(r.key, a.accountId)).not.toBeNull();
  });

  it('a job given up after its last worker died hands them to the retention sweep', async () => {
    const s = await server({ maxAttempts: 1 });
    const { a, setId } = await diedAfterStoring(s);
    expect(await s.ctx.generation.recoverExpiredLeases()).toEqual({ requeued: 0, failed: 1 });
    expect((await s.ctx.generation.get(setId, a.accountId))!.jobs[0].status).toBe('failed');
    const before = await mediaRows(s, a.accountId);
    expect(before).toHaveLength(2);
    for (const r of before) expect(Date.parse(r.expires_at!)).toBeLessThanOrEqual(Date.now());
    expect(await s.ctx.media.sweep()).toBe(2);
    for (const r of await mediaRows(s, a.accountId)) {
      expect(r.deleted_at).not.toBeNull();
      expect(await s.ctx.media.readOwn(r.key, a.accountId)).toBeNull();
    }
  });
});
