import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, waitFor } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';
import { BACKENDS, type Deployment, deploy, recording } from './backends.js';

describe.each(BACKENDS)('a draining worker hands its job back ($name)', (backend) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(backend);
  });
  afterAll(async () => d?.close());

  it('a job released after the grace period is re-dispatched and finished by another worker', async () => {
    const a = await d.api.account(10);
    const slow = recording(testSoulRunner({ steps: 500, stepMs: 20 }));
    const draining = await d.startWorker({ runners: [slow] });
    const set = (await (
      await fetch(`${d.api.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'drain me', quality: '720p' } }),
      })
    ).json()) as { id: string; jobs: { id: string }[] };
    const jobId = set.jobs[0].id;
    await waitFor(async () => (await d.api.ctx.generation.get(set.id, a.accountId))!.jobs[0].progress);
    await draining.workers!.stop(50);
    const released = await d.api.ctx.generation.repo().getJob(jobId);
    expect(released).toMatchObject({ status: 'queued', attempts: 1 });
    const fast = recording();
    await d.startWorker({ runners: [fast] });
    const done = await waitFor(async () => {
      const g = await d.api.ctx.generation.get(set.id, a.accountId);
      return g!.jobs[0].status === 'completed' && g;
    });
    expect(slow.runs).toEqual([jobId]);
    expect(fast.runs).toEqual([jobId]);
    expect(done.jobs[0].attempts).toBe(2);
    expect(Number((await d.api.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(8500);
    if (backend.dispatch === 'bullmq') {
      // The first delivery ended when the draining run returned; the re-dispatch has its own BullMQ id.
      await waitFor(async () => d.deliveries().length === 2);
      expect(d.deliveries()).toEqual([
        { bullId: jobId, returnvalue: 'ran' },
        { bullId: `${jobId}.1`, returnvalue: 'ran' },
      ]);
    }
  });
});
