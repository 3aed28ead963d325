// The soak's short form (issue 15; the long form is bench/soak.ts): the scaled deployment of
// real CLI processes (2 API, 3 workers) on PostgreSQL, a private Redis and an S3-protocol
// server, a small load in every dialect with cancels and idempotent replays, while a worker is
// SIGKILLed, an API process is killed, Redis restarts, the database's backends are terminated
// and the webhook receiver fails for a while. It asserts the invariants, never the timings.
import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from '../../bench/soak/run.js';

describe('soak (short form)', () => {
  it('nothing is lost or doubled while processes, Redis, database connections and the webhook receiver fail', async () => {
    const report = await runSoak({
      accounts: 6,
      apis: 2,
      workers: 3,
      concurrency: 2,
      load: { sets: 30, durationMs: 15_000, clients: 6, pollMs: 400, cancelEvery: 6, replayEvery: 5 },
      faults: {
        workerKillEveryMs: 7_000,
        apiKillAtMs: 8_000,
        apiDownMs: 3_000,
        redisRestartAtMs: 10_000,
        redisDownMs: 1_000,
        pgTerminateAtMs: [4_000, 12_000],
        webhookFailAtMs: 5_000,
        webhookFailMs: 3_000,
        chaosEndMs: 15_000,
        seed: 15,
      },
      // Webhooks refused during the outage wait out their retry backoff (5 s, then 30 s).
      drainMs: 120_000,
      // Content credentials cost a signature per output; the flows under test do not depend on them.
      env: { OPENSOUL_C2PA: 'false' },
      log: (m) => console.log(`[soak] ${m}`),
    });
    const text = formatReport(report);
    console.log(text);
    for (const c of report.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    for (const f of report.faults) expect(f.recovered, `${f.what}: ${f.detail}`).toBe(true);
    // Every kind of fault ran.
    expect(report.faults.map((f) => f.what.split(' ')[0])).toEqual(
      expect.arrayContaining(['SIGKILL', 'Redis', 'pg_terminate_backend', 'webhook']),
    );
    expect(report.faults.filter((f) => f.what.startsWith('SIGKILL api'))).toHaveLength(1);
    expect(new Set(report.records.map((r) => r.dialect)).size).toBe(5);
  }, 300_000);
});
