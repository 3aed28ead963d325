import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, waitFor } from '../helpers/server.js';
import { BACKENDS, type Deployment, deploy, recording } from './backends.js';

describe.each(BACKENDS)('pick-up by a separate worker process ($name)', (backend) => {
  let d: Deployment;
  const runner = recording();
  beforeAll(async () => {
    // The API process runs no workers; the worker has its own context (own wake emitter, own pools).
    d = await deploy(backend);
    await d.startWorker({ runners: [runner], workers: 2 });
  });
  afterAll(async () => d?.close());

  const submit = async (a: { keyId: string; secret: string }, prompt: string) => {
    const r = await fetch(`${d.api.url}/v1/text2image/soul`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ params: { prompt, quality: '720p' } }),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as { id: string; jobs: { id: string }[] };
  };

  it('a job submitted to the API process is run by the worker process and charged once', async () => {
    const a = await d.api.account(10);
    const set = await submit(a, 'elsewhere');
    const done = await waitFor(async () => {
      const g = await d.api.ctx.generation.get(set.id, a.accountId);
      return g!.jobs[0].status === 'completed' && g;
    });
    expect(runner.runs).toContain(done.jobs[0].id);
    expect(done.jobs[0].attempts).toBe(1);
    expect(Number((await d.api.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(8500);
    if (backend.dispatch === 'bullmq') {
      // Delivered by BullMQ under our job id, and run by that delivery (not found by a poll).
      await waitFor(async () => d.deliveries().find((x) => x.bullId === done.jobs[0].id));
      expect(d.deliveries().find((x) => x.bullId === done.jobs[0].id)!.returnvalue).toBe('ran');
    }
  });

  it('a job whose dispatch was lost is still picked up (queued-job sweep)', async () => {
    const a = await d.api.account(10);
    // Committed but never announced: as if Redis was unreachable at submit.
    const announce = d.api.ctx.generation.dispatcher.announce;
    d.api.ctx.generation.dispatcher.announce = async () => {};
    let set: { id: string };
    try {
      set = await submit(a, 'lost dispatch');
    } finally {
      d.api.ctx.generation.dispatcher.announce = announce;
    }
    if (d.queue)
      expect(await d.queue.getJobCounts('waiting', 'prioritized', 'active')).toMatchObject({ waiting: 0, prioritized: 0, active: 0 });
    const done = await waitFor(async () => {
      const g = await d.api.ctx.generation.get(set.id, a.accountId);
      return g!.jobs[0].status === 'completed' && g;
    });
    expect(runner.runs.filter((id) => id === done.jobs[0].id)).toHaveLength(1);
  });
});
