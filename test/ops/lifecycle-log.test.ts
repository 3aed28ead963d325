// The job lifecycle as the log tells it: the lines a job's life writes, captured from the
// logger's own stream (pino JSON), for a job that completes (with its webhook) and one that fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { startLocalServer, type LocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, waitFor, type TestServer } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';

interface Line {
  level: number;
  msg: string;
  event?: string;
  job_set_id?: string;
  job_id?: string;
  account_id?: string;
  dialect?: string;
  [k: string]: unknown;
}

const lines: Line[] = [];
const stream = { write: (s: string) => void lines.push(JSON.parse(s) as Line) };
let s: TestServer;
let hooks: LocalServer;

beforeAll(async () => {
  hooks = await startLocalServer((_req, res) => res.end('ok'));
  // 8 steps so progress crosses each quarter.
  s = await startServer({ logger: createLogger({ level: 'info', stream }), runners: [testSoulRunner({ steps: 8, stepMs: 5 })] });
});
afterAll(async () => {
  await s.close();
  await hooks.close();
});

async function submit(a: { keyId: string; secret: string }, prompt: string, webhook?: string): Promise<string> {
  const r = await fetch(`${s.url}/v1/text2image/soul`, {
    method: 'POST',
    headers: hfHeaders(a),
    body: JSON.stringify({ params: { prompt }, ...(webhook ? { webhook: { url: webhook, secret: 'x' } } : {}) }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { id: string }).id;
}

const of = (setId: string) => lines.filter((l) => l.job_set_id === setId);

describe('job lifecycle log', () => {
  it('a completed job: submitted, started, progress by quarters, completed with its duration, webhook delivered', async () => {
    const a = await s.account(10);
    const setId = await submit(a, 'a lighthouse', hooks.url('/hook'));
    await waitFor(async () => of(setId).some((l) => l.event === 'webhook.delivered'));
    const mine = of(setId);
    expect(mine.map((l) => l.event)).toEqual([
      'job.submitted',
      'job.started',
      'job.progress',
      'job.progress',
      'job.progress',
      'job.completed',
      'webhook.delivered',
    ]);
    const jobId = mine[0].job_id;
    for (const l of mine) {
      expect(l.level).toBe(30); // info
      expect(l).toMatchObject({ account_id: a.accountId, dialect: 'higgsfield' });
      if (l.event !== 'webhook.delivered') expect(l.job_id).toBe(jobId);
    }
    expect(mine.filter((l) => l.event === 'job.progress').map((l) => l.percent)).toEqual([25, 50, 75]);
    const done = mine.find((l) => l.event === 'job.completed')!;
    expect(done.duration_ms).toEqual(expect.any(Number));
    expect(mine.find((l) => l.event === 'webhook.delivered')).toMatchObject({ http_status: 200, attempt: 1 });
  });

  it('a failed job: failed with its reason at warn, then refunded with the credits', async () => {
    const a = await s.account(10);
    const setId = await submit(a, 'FAIL please');
    await waitFor(async () => of(setId).some((l) => l.event === 'job.refunded'));
    const mine = of(setId);
    expect(mine.map((l) => l.event)).toEqual([
      'job.submitted',
      'job.started',
      'job.progress',
      'job.progress',
      'job.progress',
      'job.failed',
      'job.refunded',
    ]);
    const failed = mine.find((l) => l.event === 'job.failed')!;
    expect(failed.level).toBe(40);
    expect(failed.reason).toBe('the test engine was asked to fail');
    expect(mine.find((l) => l.event === 'job.refunded')!.credits).toBeGreaterThan(0);
  });

  it('nothing at warn level below warn', async () => {
    const quiet: Line[] = [];
    const q = await startServer({
      logger: createLogger({ level: 'warn', stream: { write: (x: string) => void quiet.push(JSON.parse(x) as Line) } }),
    });
    try {
      const a = await q.account(10);
      const r = await fetch(`${q.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'FAIL quietly' } }),
      });
      const setId = ((await r.json()) as { id: string }).id;
      await waitFor(async () => quiet.some((l) => l.job_set_id === setId));
      expect(quiet.filter((l) => l.job_set_id === setId).map((l) => l.event)).toEqual(['job.failed']);
    } finally {
      await q.close();
    }
  });
});
