// bench/soak.ts — the scaled deployment under load and faults (issue 15), long form by hand.
// Starts PostgreSQL database + private redis-server + S3-protocol server + API and worker
// processes of the real CLI (fixture model) on loopback, runs the load while faults are
// injected, checks the invariants and prints them with the figures. Exit code 1 when any fails.
// Needs PostgreSQL at OPENSOUL_SOAK_PG_ADMIN (default postgres://root@127.0.0.1:5432/postgres)
// and redis-server on the PATH.
// Run: npx tsx bench/soak.ts [--sets 2000] [--accounts 50] [--duration 300] [--clients 24] ...
// (every flag also as SOAK_<NAME>, e.g. SOAK_SETS=500; --help lists them)
import { parseArgs } from 'node:util';
import { formatReport, runSoak } from './soak/run.js';

const FLAGS = {
  sets: ['2000', 'job sets submitted'],
  accounts: ['50', 'accounts the sets come from'],
  duration: ['300', 'seconds the submits are spread over'],
  clients: ['24', 'concurrent clients (each submits, polls to the end, then takes the next set)'],
  'poll-ms': ['1000', 'poll interval of a client'],
  'cancel-every': ['10', 'every n-th set is canceled after submit'],
  'replay-every': ['7', 'every n-th set is submitted again with the same Idempotency-Key'],
  apis: ['2', 'API processes (serve --no-workers)'],
  workers: ['3', 'worker processes'],
  concurrency: ['2', 'lease loops per worker process'],
  'worker-kill-every': ['20', 'seconds between SIGKILLs of a random worker'],
  'api-kill-at': ['45', 'second at which one API process is killed (-1: never)'],
  'api-down': ['10', 'seconds it stays down'],
  'redis-restart-at': ['90', 'second at which Redis is killed and restarted (-1: never)'],
  'pg-terminate-at': ['30,120,200', 'seconds at which every database backend is terminated'],
  'webhook-fail-at': ['60', 'second at which the webhook receiver starts answering 503 (-1: never)'],
  'webhook-fail': ['60', 'seconds it keeps failing'],
  'chaos-end': ['240', 'no fault starts after this second'],
  drain: ['600', 'seconds the queue and the webhook outbox may take to drain'],
  seed: ['15', 'seed of the fault choices'],
  'keep-logs': ['false', 'keep the process logs folder'],
  progress: ['15', 'seconds between progress lines while the load runs (0: none)'],
} as const;

const { values } = parseArgs({
  options: { ...Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }])), help: { type: 'boolean' } },
});
if (values.help) {
  for (const [k, [d, what]] of Object.entries(FLAGS))
    console.log(`  --${k.padEnd(18)} ${what} (default ${d}; SOAK_${k.toUpperCase().replace(/-/g, '_')})`);
  process.exit(0);
}
const opt = (k: keyof typeof FLAGS): string =>
  (values as Record<string, string | undefined>)[k] ?? process.env[`SOAK_${k.toUpperCase().replace(/-/g, '_')}`] ?? FLAGS[k][0];
const num = (k: keyof typeof FLAGS) => {
  const v = Number(opt(k));
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got ${opt(k)}`);
  return v;
};
const s = (k: keyof typeof FLAGS) => num(k) * 1000;

const report = await runSoak({
  accounts: num('accounts'),
  apis: num('apis'),
  workers: num('workers'),
  concurrency: num('concurrency'),
  load: {
    sets: num('sets'),
    durationMs: s('duration'),
    clients: num('clients'),
    pollMs: num('poll-ms'),
    cancelEvery: num('cancel-every'),
    replayEvery: num('replay-every'),
  },
  faults: {
    workerKillEveryMs: s('worker-kill-every'),
    apiKillAtMs: s('api-kill-at'),
    apiDownMs: s('api-down'),
    redisRestartAtMs: s('redis-restart-at'),
    redisDownMs: 2000,
    pgTerminateAtMs: opt('pg-terminate-at')
      .split(',')
      .filter(Boolean)
      .map((x) => Number(x) * 1000),
    webhookFailAtMs: s('webhook-fail-at'),
    webhookFailMs: s('webhook-fail'),
    chaosEndMs: s('chaos-end'),
    seed: num('seed'),
  },
  drainMs: s('drain'),
  keepLogs: opt('keep-logs') === 'true',
  progressEveryMs: s('progress'),
  log: (m) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`),
});
console.log(formatReport(report));
process.exit(report.ok ? 0 : 1);
