// Queue tests run one file per feature against every backend (the BullMQ test layout):
// SQLite + db dispatch (embedded), PostgreSQL + db dispatch, PostgreSQL + BullMQ on Redis.
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { type Config, loadConfig } from '../../src/config.js';
import { type AppContext, createContext } from '../../src/context.js';
import { resellerDialects } from '../../src/api/dialects.js';
import { installWebhookRenderers } from '../../src/api/webhook-renderers.js';
import { QUEUE_NAME } from '../../src/queue/bullmq-dispatcher.js';
import { redisOptions } from '../../src/queue/redis-options.js';
import type { JobRunner } from '../../src/worker/runner.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';
import { PG_ADMIN, pgAdmin as admin } from '../helpers/pg-admin.js';

export interface Backend {
  name: string;
  database: 'sqlite' | 'postgres';
  dispatch: 'db' | 'bullmq';
}

export const BACKENDS: Backend[] = [
  { name: 'sqlite + db dispatch', database: 'sqlite', dispatch: 'db' },
  { name: 'postgres + db dispatch', database: 'postgres', dispatch: 'db' },
  { name: 'postgres + bullmq', database: 'postgres', dispatch: 'bullmq' },
];

const REDIS_URL = process.env.OPENSOUL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * pg.Pool#end resolves before its sockets have closed; terminating those (drop … with force)
 * makes the pool emit an unhandled 'error'. Wait for them to go first.
 */
async function dropDatabase(name: string) {
  for (let i = 0; i < 100; i++) {
    const [{ n }] = await admin<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await admin(`drop database if exists ${name} with (force)`);
}

/** What a delivered BullMQ job ended with: 'ran' or 'skipped' (see bullmq-dispatcher). */
export interface Delivery {
  bullId: string;
  returnvalue: unknown;
}

/**
 * One deployment per test file and backend: an API process (`serve --no-workers`) on a fresh
 * database (and a fresh Redis key prefix), plus worker contexts started on demand against the
 * same database, data dir and queue. Everything is dropped in `close`.
 */
export interface Deployment {
  backend: Backend;
  api: TestServer;
  /** Config every process of this deployment shares (database, redis, data dir). */
  shared: Partial<Config>;
  /** BullMQ handles for inspection (bullmq backend only). */
  queue: Queue | null;
  /** Completed BullMQ deliveries, in the order Redis recorded them (bullmq backend only). */
  deliveries(): Delivery[];
  startWorker(opts?: { runners?: JobRunner[]; workers?: number; config?: Partial<Config> }): Promise<AppContext>;
  close(): Promise<void>;
}

export async function deploy(backend: Backend, opts: { api?: Partial<Config> } = {}): Promise<Deployment> {
  const tag = randomBytes(4).toString('hex');
  let dbName: string | null = null;
  const shared: Partial<Config> = {};
  if (backend.database === 'postgres') {
    dbName = `opensoul_queue_${tag}`;
    await admin(`create database ${dbName}`);
    const url = new URL(PG_ADMIN);
    url.pathname = `/${dbName}`;
    shared.databaseUrl = url.toString();
  }
  if (backend.dispatch === 'bullmq') {
    shared.redisUrl = REDIS_URL;
    shared.queuePrefix = `opensoul-test-${tag}`;
  }
  const api = await startServer({ config: { ...shared, workers: 0, maxInFlightPerAccount: 100, ...opts.api } });
  let queue: Queue | null = null;
  let events: QueueEvents | null = null;
  const seen: Delivery[] = [];
  if (backend.dispatch === 'bullmq') {
    queue = new Queue(QUEUE_NAME, { connection: redisOptions(REDIS_URL), prefix: shared.queuePrefix });
    // From the start of the stream: no delivery is missed however late this reader connects.
    events = new QueueEvents(QUEUE_NAME, { connection: redisOptions(REDIS_URL), prefix: shared.queuePrefix, lastEventId: '0-0' });
    events.on('completed', ({ jobId, returnvalue }) => seen.push({ bullId: jobId, returnvalue }));
    await events.waitUntilReady();
  }
  const workers: AppContext[] = [];
  return {
    backend,
    api,
    shared,
    queue,
    deliveries: () => [...seen],
    async startWorker(w = {}) {
      const n = w.workers ?? 1;
      const config = loadConfig({}, { ...api.ctx.config, ...shared, dataDir: api.dataDir, workers: n, ...w.config });
      const ctx = await createContext(config, { runners: w.runners ?? [testSoulRunner()] });
      installWebhookRenderers(ctx, resellerDialects()); // as src/cli/serve.ts#worker does
      ctx.workers!.start(n);
      workers.push(ctx);
      return ctx;
    },
    async close() {
      for (const w of workers) await w.close();
      await api.close();
      await events?.close();
      if (queue) {
        await queue.obliterate({ force: true });
        await queue.close();
      }
      if (dbName) await dropDatabase(dbName);
    },
  };
}

/** Wraps a runner to record which job ids it started, in order. */
export function recording(runner: JobRunner = testSoulRunner()): JobRunner & { runs: string[] } {
  const runs: string[] = [];
  return {
    kind: runner.kind,
    runs,
    run(ctx) {
      runs.push(ctx.job.id);
      return runner.run(ctx);
    },
  };
}
