import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSoulParams } from '../../src/domain/soul.js';
import { waitFor } from '../helpers/server.js';
import { BACKENDS, type Deployment, deploy, recording } from './backends.js';

describe.each(BACKENDS)('priority then FIFO ($name)', (backend) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(backend);
  });
  afterAll(async () => d?.close());

  it('a single worker runs higher priorities first and equal priorities in submit order', async () => {
    const a = await d.api.account(100);
    const submitted: { label: string; id: string }[] = [];
    // Submitted while no worker runs, so the whole backlog is waiting when the worker starts.
    for (const [label, priority] of [
      ['a0', 0],
      ['b10', 10],
      ['c0', 0],
      ['d5', 5],
      ['e10', 10],
      ['f-3', -3],
      ['g5', 5],
    ] as const) {
      const set = await d.api.ctx.soul.submit(a.accountId, readSoulParams({ prompt: label }, ['body']), {
        model: 'soul',
        dialect: 'higgsfield',
        webhook: null,
        priority,
      });
      submitted.push({ label, id: set.jobs[0].id });
    }
    const runner = recording();
    await d.startWorker({ runners: [runner], workers: 1 });
    await waitFor(async () => runner.runs.length === submitted.length);
    const label = new Map(submitted.map((s) => [s.id, s.label]));
    expect(runner.runs.map((id) => label.get(id))).toEqual(['b10', 'e10', 'd5', 'g5', 'a0', 'c0', 'f-3']);
    await waitFor(async () => {
      const jobs = await Promise.all(submitted.map((s) => d.api.ctx.generation.repo().getJob(s.id)));
      return jobs.every((j) => j!.status === 'completed');
    });
  });
});
