import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { loadConfig } from '../../src/config.js';
import { hfHeaders, waitFor } from '../helpers/server.js';

const children: ChildProcess[] = [];
afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

function startProcess(dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/server-process.ts')], {
    env: { ...process.env, OPENSOUL_DATA_DIR: dataDir, OPENSOUL_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const line = buf.split('\n')[0];
      if (buf.includes('\n')) resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

async function account(dataDir: string) {
  const ctx = await createContext(loadConfig({}, { dataDir, workers: 0 }), { runners: [] });
  const a = await ctx.accounts.createAccountWithKey('crash', 10);
  await ctx.db.close();
  return a;
}

const getSet = async (url: string, a: { keyId: string; secret: string }, id: string) =>
  (await (await fetch(`${url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;

describe('durability across process death', () => {
  it('SIGKILL mid-job: after restart the job runs again, is charged once, and completes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-crash-'));
    // The data dir is created before the first server, so the key exists for both processes.
    fs.mkdirSync(dataDir, { recursive: true });
    const a = await account(dataDir);
    const first = await startProcess(dataDir);
    const set = (await (
      await fetch(`${first.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'survive', quality: '720p' } }),
      })
    ).json()) as any;
    await waitFor(async () => (await getSet(first.url, a, set.id)).jobs[0].progress?.step >= 2);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await startProcess(dataDir, { TEST_STEPS: '2', TEST_STEP_MS: '10' });
    const done = await waitFor(async () => {
      const g = await getSet(second.url, a, set.id);
      return g.jobs[0].status === 'completed' && g;
    }, 30_000);
    expect(done.jobs[0].results.raw.url).toContain('/media/');
    const ctx = await createContext(loadConfig({}, { dataDir, workers: 0 }), { runners: [] });
    const job = await ctx.generation.repo().getJob(done.jobs[0].id);
    expect(job!.attempts).toBe(2);
    const ledger = await ctx.accounts.ledger(a.accountId);
    expect(ledger.filter((l) => l.reason === 'charge')).toHaveLength(1);
    expect(Number((await ctx.accounts.get(a.accountId))!.balance_milli)).toBe(8500);
    await ctx.db.close();
  });

  it('SIGTERM drains: a running job goes back to the queue when it cannot finish in the grace period', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-drain-'));
    const a = await account(dataDir);
    const first = await startProcess(dataDir, { TEST_GRACE_MS: '100', TEST_STEPS: '100' });
    const set = (await (
      await fetch(`${first.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'drain' } }),
      })
    ).json()) as any;
    await waitFor(async () => (await getSet(first.url, a, set.id)).jobs[0].status === 'in_progress');
    first.child.kill('SIGTERM');
    const code = await new Promise((r) => first.child.once('exit', r));
    expect(code).toBe(0);
    const ctx = await createContext(loadConfig({}, { dataDir, workers: 0 }), { runners: [] });
    const s = await ctx.generation.get(set.id, a.accountId);
    expect(s!.jobs[0].status).toBe('queued');
    await ctx.db.close();
  });
});
