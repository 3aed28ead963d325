import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hfHeaders, waitFor } from '../helpers/server.js';
import { BACKENDS, type Deployment, deploy, recording } from './backends.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe.each(BACKENDS)('a worker killed mid-job ($name)', (backend) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(backend);
  });
  afterAll(async () => d?.close());

  /** A separate worker process on this deployment; resolves once its slots run. */
  function startChild(): Promise<ChildProcess> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      OPENSOUL_DATA_DIR: d.api.dataDir,
      OPENSOUL_WORKERS: '1',
      OPENSOUL_LEASE_MS: '1500',
      OPENSOUL_HEARTBEAT_MS: '200',
      OPENSOUL_ALLOW_PRIVATE_URLS: 'true',
    };
    if (d.shared.databaseUrl) env.OPENSOUL_DATABASE_URL = d.shared.databaseUrl;
    if (d.shared.redisUrl) Object.assign(env, { OPENSOUL_REDIS_URL: d.shared.redisUrl, OPENSOUL_QUEUE_PREFIX: d.shared.queuePrefix });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.once('data', () => resolve(child));
      child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
    });
  }

  async function killMidJob(a: { keyId: string; secret: string; accountId: string }) {
    const child = await startChild();
    const r = await fetch(`${d.api.url}/v1/text2image/soul`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ params: { prompt: 'killed', quality: '720p' } }),
    });
    const set = (await r.json()) as { id: string };
    await waitFor(async () => ((await d.api.ctx.generation.get(set.id, a.accountId))!.jobs[0].progress?.step ?? 0) >= 2);
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    return set.id;
  }

  it('the job runs again on another worker, once, and is charged once', async () => {
    const a = await d.api.account(10);
    const setId = await killMidJob(a);
    const runner = recording();
    const survivor = await d.startWorker({ runners: [runner], config: { leaseMs: 1500, heartbeatMs: 200 } });
    const done = await waitFor(async () => {
      const g = await d.api.ctx.generation.get(setId, a.accountId);
      return g!.jobs[0].status === 'completed' && g;
    });
    expect(done.jobs[0].attempts).toBe(2);
    expect(runner.runs).toEqual([done.jobs[0].id]);
    const ledger = await d.api.ctx.accounts.ledger(a.accountId);
    expect(ledger.filter((l) => l.reason === 'charge')).toHaveLength(1);
    expect(ledger.filter((l) => l.reason === 'refund')).toHaveLength(0);
    expect(Number((await d.api.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(8500);
    await survivor.close();
  });

  it('after maxAttempts the job fails with its refund and is not run again', async () => {
    const a = await d.api.account(10);
    const setId = await killMidJob(a);
    const runner = recording();
    const survivor = await d.startWorker({ runners: [runner], config: { leaseMs: 1500, heartbeatMs: 200, maxAttempts: 1 } });
    const done = await waitFor(async () => {
      const g = await d.api.ctx.generation.get(setId, a.accountId);
      return g!.jobs[0].status === 'failed' && g;
    });
    expect(done.jobs[0].error).toMatch(/stopped 1 times/);
    expect(runner.runs).toEqual([]);
    const ledger = await d.api.ctx.accounts.ledger(a.accountId);
    expect(ledger.filter((l) => l.reason === 'charge')).toHaveLength(1);
    expect(ledger.filter((l) => l.reason === 'refund')).toHaveLength(1);
    expect(Number((await d.api.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000);
    await survivor.close();
  });
});
