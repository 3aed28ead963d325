import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, waitFor } from '../helpers/server.js';
import { BACKENDS, type Deployment, deploy, recording } from './backends.js';

describe.each(BACKENDS)('duplicate delivery of one job ($name)', (backend) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(backend);
  });
  afterAll(async () => d?.close());

  it('runs it once, charges it once', async () => {
    const a = await d.api.account(10);
    const set = (await (
      await fetch(`${d.api.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'twice?', quality: '720p' } }),
      })
    ).json()) as { id: string; jobs: { id: string; priority?: number }[] };
    const jobId = set.jobs[0].id;
    const ref = { id: jobId, kind: 'soul' as const, priority: 0, attempts: 0 };
    // A second announce of the same row (e.g. the sweep racing submit) is deduplicated by BullMQ job id.
    await d.api.ctx.generation.announce([ref]);
    if (d.queue) {
      expect(await d.queue.getJobCounts('prioritized')).toMatchObject({ prioritized: 1 });
      // At-least-once delivery: the same id delivered again under another BullMQ job.
      await d.queue.add('soul', { id: jobId }, { jobId: `dup-${jobId}`, priority: 1, removeOnComplete: true });
    }
    // Two worker processes, two slots each, all offered the same job at once.
    const runners = [recording(), recording()];
    await Promise.all(runners.map((r) => d.startWorker({ runners: [r], workers: 2 })));
    const done = await waitFor(async () => {
      const g = await d.api.ctx.generation.get(set.id, a.accountId);
      return g!.jobs[0].status === 'completed' && g;
    });
    expect(runners.flatMap((r) => r.runs)).toEqual([jobId]);
    expect(done.jobs[0].attempts).toBe(1);
    const ledger = await d.api.ctx.accounts.ledger(a.accountId);
    expect(ledger.filter((l) => l.reason === 'charge')).toHaveLength(1);
    expect(Number((await d.api.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(8500);
    if (backend.dispatch === 'bullmq') {
      await waitFor(async () => d.deliveries().length === 2);
      expect(
        d
          .deliveries()
          .map((x) => x.returnvalue)
          .sort(),
      ).toEqual(['ran', 'skipped']);
    }
  });
});
