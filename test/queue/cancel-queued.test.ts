import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, waitFor } from '../helpers/server.js';
import { BACKENDS, type Deployment, deploy, recording } from './backends.js';

describe.each(BACKENDS)('cancel of a queued job ($name)', (backend) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(backend);
  });
  afterAll(async () => d?.close());

  const submit = async (a: { keyId: string; secret: string }, prompt: string) =>
    (await (
      await fetch(`${d.api.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt, quality: '720p' } }),
      })
    ).json()) as { id: string; jobs: { id: string }[] };

  it('is refunded and never run, though its dispatch was already sent', async () => {
    const a = await d.api.account(10);
    const canceled = await submit(a, 'cancel me');
    const c = await fetch(`${d.api.url}/v1/job-sets/${canceled.id}/cancel`, { method: 'POST', headers: hfHeaders(a) });
    expect(c.status).toBe(200);
    // Submitted after the canceled one: once it has run, the canceled one was offered first (FIFO).
    const sentinel = await submit(a, 'after it');
    const runner = recording();
    await d.startWorker({ runners: [runner], workers: 1 });
    await waitFor(async () => (await d.api.ctx.generation.get(sentinel.id, a.accountId))!.jobs[0].status === 'completed');
    const g = await d.api.ctx.generation.get(canceled.id, a.accountId);
    expect(g!.jobs[0].status).toBe('canceled');
    expect(g!.jobs[0].attempts).toBe(0);
    expect(runner.runs).toEqual([sentinel.jobs[0].id]);
    expect(Number((await d.api.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(8500);
    if (backend.dispatch === 'bullmq') {
      // The stale delivery reached the worker and was acknowledged without running.
      await waitFor(async () => d.deliveries().find((x) => x.bullId === canceled.jobs[0].id));
      expect(d.deliveries().find((x) => x.bullId === canceled.jobs[0].id)!.returnvalue).toBe('skipped');
    }
  });
});
