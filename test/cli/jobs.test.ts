// `opensoul jobs` against a running server's data dir (the CLI opens the same SQLite database):
// list with a header row, watch a running set to its end with a progress bar, cancel a queued one
// (refunded). Also: the `--compact` key works as `Authorization: Key …`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactToken } from '../../src/domain/api-key.js';
import type { JobRunner } from '../../src/worker/runner.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';

const root = path.resolve(__dirname, '../..');
// Asynchronous: the servers live in this process, and their workers must keep running meanwhile.
function cliLive(dataDir: string, ...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 90_000,
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, ...out })),
  );
  return { out, done };
}
const cli = (dataDir: string, ...args: string[]) => cliLive(dataDir, ...args).done;

// Holds its job at 1/4 until the test has seen the watcher draw that, then finishes.
let release: () => void = () => {};
const held: JobRunner = {
  kind: 'soul',
  async run(ctx) {
    ctx.progress(1, 4);
    await new Promise<void>((r) => (release = r));
    return testSoulRunner({ steps: 3, stepMs: 50 }).run(ctx);
  },
};

let running: TestServer;
let idle: TestServer;
beforeAll(async () => {
  running = await startServer({ runners: [held] });
  idle = await startServer({ workers: false });
});
afterAll(async () => {
  await running?.close();
  await idle?.close();
});

async function submit(s: TestServer, a: { keyId: string; secret: string }, prompt: string): Promise<string> {
  const r = await fetch(`${s.url}/v1/text2image/soul`, {
    method: 'POST',
    headers: hfHeaders(a),
    body: JSON.stringify({ params: { prompt } }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { id: string }).id;
}

describe('opensoul jobs', () => {
  it('watch follows a running set with a progress bar to completed; list shows it under a header row', async () => {
    const a = await running.account(10);
    const id = await submit(running, a, 'a lighthouse');
    const live = cliLive(running.dataDir, 'jobs', 'watch', id, '--interval', '100');
    await waitFor(async () => live.out.stderr.includes(' 25%  in_progress  0/1 jobs ended'), 60_000, 50);
    release();
    const w = await live.done;
    expect(w.status).toBe(0);
    expect(w.stdout.trim()).toBe('completed');
    const bars = w.stderr.split('\n').filter((l) => l.startsWith('['));
    expect(bars.at(-1)).toBe(`[${'#'.repeat(30)}] 100%  completed  1/1 jobs ended`);
    // A pipe gets one line per change: the held quarter, then the end.
    expect(bars[0]).toBe(`[${'#'.repeat(8)}${'-'.repeat(22)}]  25%  in_progress  0/1 jobs ended`);

    const list = (await cli(running.dataDir, 'jobs', 'list', '--account', a.keyId)).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(list[0]).toEqual(['created_at', 'job_set_id', 'account_id', 'dialect', 'model', 'status', 'jobs', 'progress']);
    expect(list.slice(1)).toEqual([[expect.any(String), id, a.accountId, 'higgsfield', expect.any(String), 'completed', '1', '100%']]);
  });

  it('cancel ends a queued set and refunds it; watch then exits 1; cancelling again is refused', async () => {
    const a = await idle.account(10);
    const id = await submit(idle, a, 'never runs');
    const balance = async () => Number((await idle.ctx.accounts.listKeys()).find((k) => k.id === a.keyId)!.balance_milli);
    const before = await balance();
    expect((await cli(idle.dataDir, 'jobs', 'list', '--open')).stdout).toContain(id);
    const c = await cli(idle.dataDir, 'jobs', 'cancel', id);
    expect(c.status).toBe(0);
    expect(c.stdout.trim()).toBe('canceled');
    const set = (await (await fetch(`${idle.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as { jobs: { status: string }[] };
    expect(set.jobs[0].status).toBe('canceled');
    const after = await balance();
    expect(after).toBe(10_000);
    expect(after).toBeGreaterThan(before);
    expect((await cli(idle.dataDir, 'jobs', 'list', '--open')).stdout).not.toContain(id);
    const w = await cli(idle.dataDir, 'jobs', 'watch', id);
    expect(w.status).toBe(1);
    expect(w.stdout.trim()).toBe('canceled');
    const again = await cli(idle.dataDir, 'jobs', 'cancel', id);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already ended: canceled');
  });
});

describe('the --compact key', () => {
  it('authenticates as `Authorization: Key os_…` (v2) like KEY_ID:KEY_SECRET does', async () => {
    const a = await idle.account(3);
    const compact = compactToken(a.keyId, a.secret);
    const res = await fetch(`${idle.url}/v1/account`, { headers: { authorization: `Key ${compact}` } });
    expect(res.status).toBe(200);
    // Change the secret's last character to a different one (replacing it with a fixed '0' was a no-op 1 time in 16).
    const last = compact.slice(-1);
    const tampered = `${compact.slice(0, -1)}${last === '0' ? '1' : '0'}`;
    const wrong = await fetch(`${idle.url}/v1/account`, { headers: { authorization: `Key ${tampered}` } });
    expect(wrong.status).toBe(401);
  });
});
