// One soak run (issue 15): start the deployment, create the accounts, run the load while the
// faults are injected, let the queue and the webhook outbox drain, then check the invariants and
// measure what the clients got. Everything started is stopped at the end, also on failure.
// bench/soak.ts runs it by hand (long form); test/soak/soak.test.ts runs a short form in CI.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AccountService } from '../../src/services/accounts.js';
import { openDatabase } from '../../src/store/db.js';
import { openSecretBox } from '../../src/services/data-key.js';
import { FailoverClient, LatencyLog, percentile } from './client.js';
import { Deployment } from './deployment.js';
import { type FaultPlan, type FaultRecord, runFaults } from './faults.js';
import { type Check, checkInvariants } from './invariants.js';
import { type LoadOptions, type LoadProgress, runLoad, type SetRecord } from './load.js';
import { WebhookReceiver } from './receiver.js';
import type { SoakAccount } from './dialects.js';

export interface SoakOptions {
  accounts: number;
  load: Omit<LoadOptions, 'runTag'>;
  apis: number;
  workers: number;
  /** Lease loops per worker process. */
  concurrency: number;
  faults: FaultPlan;
  /** How long the queue and the outbox may take to drain after the load. */
  drainMs: number;
  /** Keep the run's folder (process logs) after the run. */
  keepLogs?: boolean;
  /** Extra OPENSOUL_* settings for every process. */
  env?: Record<string, string>;
  log?: (msg: string) => void;
  /** A progress line (sets ended, jobs/s, faults) this often while the load runs; 0 = none. */
  progressEveryMs?: number;
}

export interface SoakFigures {
  startupMs: number;
  loadMs: number;
  drainMs: number;
  jobsEnded: number;
  jobsCompleted: number;
  /** Jobs ended per second over the load, and the slowest 10 s window while faults ran. */
  throughput: number;
  minWindowThroughput: number;
  p99SubmitMsDuringFaults: number;
  p99PollMsDuringFaults: number;
  p50SubmitMs: number;
  p50PollMs: number;
  failovers: number;
  retries: Record<string, number>;
  webhookAttempts: number;
}

export interface SoakReport {
  ok: boolean;
  checks: Check[];
  faults: FaultRecord[];
  figures: SoakFigures;
  records: SetRecord[];
  logsDir?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drained(databaseUrl: string): Promise<{ open: number; pending: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const open = (await c.query("select count(*)::int as n from jobs where status in ('queued', 'in_progress')")).rows[0].n;
    const pending = (await c.query("select count(*)::int as n from outbox where state = 'pending'")).rows[0].n;
    return { open, pending };
  } finally {
    await c.end();
  }
}

async function endTimes(databaseUrl: string): Promise<{ finished: number[]; completed: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const rows = (await c.query('select finished_at, status from jobs where finished_at is not null')).rows as {
      finished_at: string;
      status: string;
    }[];
    return { finished: rows.map((r) => Date.parse(r.finished_at)), completed: rows.filter((r) => r.status === 'completed').length };
  } finally {
    await c.end();
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => {});
  const receiver = new WebhookReceiver();
  const dep = new Deployment({ apis: opts.apis, workers: opts.workers, concurrency: opts.concurrency, env: opts.env, log });
  let failed = true;
  try {
    await receiver.start();
    const startAt = Date.now();
    await dep.start();
    const startupMs = Date.now() - startAt;
    log(`deployment up in ${startupMs} ms: ${opts.apis} API, ${opts.workers} worker processes (${dep.dir})`);

    const opened = await openDatabase(dep.databaseUrl, dep.dir);
    const accounts: SoakAccount[] = [];
    try {
      const service = new AccountService(opened.db, await openSecretBox({ dataDir: dep.dir, dataKey: dep.dataKey }, opened.db));
      for (let i = 0; i < opts.accounts; i++) accounts.push(await service.createAccountWithKey(`soak-${i}`, 1_000_000));
    } finally {
      await opened.close();
    }

    const latency = new LatencyLog();
    const t0 = Date.now();
    const client = new FailoverClient(dep.apiUrls(), t0, latency);
    let loadDone = false;
    const progress: LoadProgress = { submitted: 0, ended: 0, errors: 0 };
    let faultCount = 0;
    const faultsRun = runFaults(
      dep,
      receiver,
      opts.faults,
      t0,
      () => loadDone,
      (f) => {
        faultCount++;
        log(`fault at ${(f.at / 1000).toFixed(1)} s: ${f.what} ${f.recovered ? 'recovered' : `NOT recovered: ${f.detail}`}`);
      },
    );
    const ticker = opts.progressEveryMs
      ? setInterval(() => {
          const s = (Date.now() - t0) / 1000;
          log(
            `load ${s.toFixed(0)} s: ${progress.submitted}/${opts.load.sets} sets submitted, ${progress.ended} seen ended` +
              `${progress.errors ? `, ${progress.errors} client errors` : ''} (${(progress.ended / s).toFixed(2)} sets/s), ${faultCount} faults`,
          );
        }, opts.progressEveryMs)
      : null;
    const records = await runLoad(
      client,
      accounts,
      receiver,
      { ...opts.load, runTag: randomBytes(3).toString('hex'), progress },
      t0,
    ).finally(() => {
      loadDone = true;
      if (ticker) clearInterval(ticker);
    });
    const loadMs = Date.now() - t0;
    const faults = await faultsRun;
    log(`load done in ${loadMs} ms (${records.length} sets); ${faults.length} faults`);

    const drainStart = Date.now();
    let state = await drained(dep.databaseUrl);
    const lastSeen = { jobs: 0, webhooks: 0 };
    while ((state.open > 0 || state.pending > 0) && Date.now() - drainStart < opts.drainMs) {
      if (state.open > 0) lastSeen.jobs = Date.now() - drainStart;
      if (state.pending > 0) lastSeen.webhooks = Date.now() - drainStart;
      await sleep(500);
      state = await drained(dep.databaseUrl);
    }
    log(`drain: last open job seen at ${lastSeen.jobs} ms, last pending webhook at ${lastSeen.webhooks} ms`);
    // A delivery under way when the outbox row was read: give it time to arrive.
    await sleep(1000);
    const drainMs = Date.now() - drainStart;
    log(`drained in ${drainMs} ms (${state.open} jobs open, ${state.pending} webhooks pending)`);

    const checks = await checkInvariants(dep, records, receiver);
    const ends = await endTimes(dep.databaseUrl);
    const chaosFrom = Math.min(...faults.map((f) => f.at), opts.faults.chaosEndMs);
    const chaosTo = Math.min(opts.faults.chaosEndMs, loadMs);
    const inChaos = (s: { at: number }) => s.at >= chaosFrom && s.at <= chaosTo;
    const loadEnds = ends.finished.map((t) => t - t0).filter((t) => t >= 0 && t <= loadMs);
    const windows: number[] = [];
    for (let w = Math.max(0, chaosFrom); w + 10_000 <= chaosTo; w += 10_000)
      windows.push(loadEnds.filter((t) => t >= w && t < w + 10_000).length / 10);
    const figures: SoakFigures = {
      startupMs,
      loadMs,
      drainMs,
      jobsEnded: ends.finished.length,
      jobsCompleted: ends.completed,
      throughput: loadEnds.length / (loadMs / 1000),
      minWindowThroughput: windows.length ? Math.min(...windows) : NaN,
      p99SubmitMsDuringFaults: percentile(
        latency.samples.submit.filter(inChaos).map((s) => s.ms),
        99,
      ),
      p99PollMsDuringFaults: percentile(
        latency.samples.poll.filter(inChaos).map((s) => s.ms),
        99,
      ),
      p50SubmitMs: percentile(
        latency.samples.submit.map((s) => s.ms),
        50,
      ),
      p50PollMs: percentile(
        latency.samples.poll.map((s) => s.ms),
        50,
      ),
      failovers: latency.failovers,
      retries: Object.fromEntries(latency.retries),
      webhookAttempts: receiver.deliveries.length,
    };
    const ok = checks.every((c) => c.ok) && faults.every((f) => f.recovered);
    failed = !ok;
    if (!ok) for (const name of dep.processNames()) log(`--- ${name} log tail ---\n${dep.logTail(name, 15)}`);
    return { ok, checks, faults, figures, records, ...(opts.keepLogs || !ok ? { logsDir: dep.dir } : {}) };
  } finally {
    await dep.stop({ keepDir: opts.keepLogs || failed });
    await receiver.close();
  }
}

export function formatReport(r: SoakReport): string {
  const f = r.figures;
  const lines = [
    `soak: ${r.ok ? 'PASS' : 'FAIL'}  (${r.records.length} sets, ${f.jobsEnded} jobs ended, ${f.jobsCompleted} completed)`,
    '',
    'invariants:',
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
    '',
    'faults survived:',
    ...r.faults.map(
      (x) => `  ${(x.at / 1000).toFixed(1).padStart(6)} s  ${x.recovered ? 'ok  ' : 'FAIL'} ${x.what}${x.detail ? ` (${x.detail})` : ''}`,
    ),
    '',
    'figures:',
    `  start-up ${(f.startupMs / 1000).toFixed(1)} s, load ${(f.loadMs / 1000).toFixed(1)} s, drain ${(f.drainMs / 1000).toFixed(1)} s`,
    `  throughput held: ${f.throughput.toFixed(2)} jobs/s over the load; slowest 10 s window during faults ${f.minWindowThroughput.toFixed(1)} jobs/s`,
    `  during faults: p99 submit ${f.p99SubmitMsDuringFaults} ms, p99 poll ${f.p99PollMsDuringFaults} ms (whole run p50: submit ${f.p50SubmitMs} ms, poll ${f.p50PollMs} ms)`,
    `  client failovers ${f.failovers}; retried answers ${JSON.stringify(f.retries)}; webhook attempts received ${f.webhookAttempts}`,
  ];
  if (r.logsDir) lines.push(`  process logs: ${r.logsDir}`);
  return lines.join('\n');
}
