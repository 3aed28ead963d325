// bench/queue.ts — queue pick-up latency across processes: an API process (this one, no
// workers) submits one job at a time; an idle `opensoul worker`-style child process picks it up.
// Compares db dispatch (the child polls the jobs table) with BullMQ dispatch on Redis.
// Needs PostgreSQL (OPENSOUL_BENCH_PG_ADMIN, default postgres://root@127.0.0.1:5432/postgres)
// and Redis (OPENSOUL_BENCH_REDIS_URL, default redis://127.0.0.1:6379).
// Run: npx tsx bench/queue.ts [pollJobs=40] [bullmqJobs=200]
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { readSoulParams } from '../src/domain/soul.js';
import { QUEUE_NAME } from '../src/queue/bullmq-dispatcher.js';
import { redisOptions } from '../src/queue/redis-options.js';
import { percentile } from './load.js';

const pollJobs = Number(process.argv[2] ?? 40);
const bullJobs = Number(process.argv[3] ?? 200);
const pgAdmin = process.env.OPENSOUL_BENCH_PG_ADMIN ?? 'postgres://root@127.0.0.1:5432/postgres';
const redisUrl = process.env.OPENSOUL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const clock = () => performance.timeOrigin + performance.now();

async function admin(q: string) {
  const c = new pg.Client({ connectionString: pgAdmin });
  await c.connect();
  await c.query(q);
  await c.end();
}

type Msg = { ready?: true; started?: string; t: number; pong?: number };

async function measure(name: string, jobs: number, opts: { postgres: boolean; bullmq: boolean }) {
  const tag = randomBytes(4).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-bench-queue-'));
  const dbName = `opensoul_bench_${tag}`;
  const env: Record<string, string> = { OPENSOUL_DATA_DIR: dataDir, OPENSOUL_WORKERS: '1' };
  if (opts.postgres) {
    await admin(`create database ${dbName}`);
    const u = new URL(pgAdmin);
    u.pathname = `/${dbName}`;
    env.OPENSOUL_DATABASE_URL = u.toString();
  }
  if (opts.bullmq) Object.assign(env, { OPENSOUL_REDIS_URL: redisUrl, OPENSOUL_QUEUE_PREFIX: `opensoul-bench-${tag}` });
  const config = loadConfig(env, { workers: 0, maxInFlightPerAccount: 1e9 });
  const api = await createContext(config, { runners: [] });
  const account = await api.accounts.createAccountWithKey('bench', 1e9);

  const child: ChildProcess = fork(path.join(import.meta.dirname, 'queue-worker.ts'), {
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters = new Map<string, (t: number) => void>();
  const early = new Map<string, number>();
  let onPong: ((m: Msg) => void) | null = null;
  const ready = new Promise<void>((resolve) =>
    child.on('message', (m: Msg) => {
      if (m.ready) resolve();
      if (m.started) {
        const w = waiters.get(m.started);
        if (w) w(m.t);
        else early.set(m.started, m.t);
      }
      if (m.pong !== undefined) onPong?.(m);
    }),
  );
  await ready;
  // The child's clock relative to ours, from the fastest of 20 IPC round trips.
  let offset = 0;
  let best = Infinity;
  for (let i = 0; i < 20; i++) {
    const t0 = clock();
    const m = await new Promise<Msg>((r) => {
      onPong = r;
      child.send({ ping: i });
    });
    const t1 = clock();
    if (t1 - t0 < best) {
      best = t1 - t0;
      offset = m.t - (t0 + t1) / 2;
    }
  }

  const params = readSoulParams({ prompt: 'latency', quality: '720p' }, ['body']);
  const latencies: number[] = [];
  const submits: number[] = [];
  const afterReturn: number[] = [];
  for (let i = 0; i < jobs; i++) {
    // A random idle gap; under polling it spans a whole interval, so submits do not phase-lock with it.
    await new Promise((r) => setTimeout(r, 5 + Math.random() * (opts.bullmq ? 20 : 500)));
    const t0 = clock();
    const set = await api.soul.submit(account.accountId, params, { model: 'soul', dialect: 'higgsfield', webhook: null });
    const t1 = clock();
    submits.push(t1 - t0);
    const id = set.jobs[0].id;
    // The worker may start the job before submit returns (`early`).
    const t = early.get(id) ?? (await new Promise<number>((r) => waiters.set(id, r)));
    latencies.push(t - offset - t0);
    afterReturn.push(t - offset - t1);
  }
  console.log(
    `${name.padEnd(30)} p50 ${percentile(latencies, 50).toFixed(2).padStart(7)} ms  p99 ${percentile(latencies, 99).toFixed(2).padStart(7)} ms  (${jobs} jobs)`,
  );
  console.log(
    `${''.padEnd(30)} of which the submit call p50 ${percentile(submits, 50).toFixed(2)} ms; start after submit returned p50 ${percentile(afterReturn, 50).toFixed(2)} ms; clock offset ±${(best / 2).toFixed(2)} ms`,
  );

  child.send({ stop: true });
  await new Promise((r) => child.once('exit', r));
  if (opts.bullmq) {
    const q = new Queue(QUEUE_NAME, { connection: redisOptions(redisUrl), prefix: env.OPENSOUL_QUEUE_PREFIX });
    await q.obliterate({ force: true });
    await q.close();
  }
  await api.close();
  if (opts.postgres) {
    await new Promise((r) => setTimeout(r, 200));
    await admin(`drop database if exists ${dbName} with (force)`);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  return percentile(latencies, 50);
}

console.log(
  `opensoul bench/queue — pick-up latency, submit call in the API process to runner start in an idle worker process (${os.cpus().length} cores)`,
);
const sqlitePoll = await measure('sqlite + db dispatch (poll)', pollJobs, { postgres: false, bullmq: false });
const pgPoll = await measure('postgres + db dispatch (poll)', pollJobs, { postgres: true, bullmq: false });
const bull = await measure('postgres + bullmq', bullJobs, { postgres: true, bullmq: true });
console.log(`p50 ratio db-poll / bullmq: ${(sqlitePoll / bull).toFixed(0)}x (sqlite), ${(pgPoll / bull).toFixed(0)}x (postgres)`);
