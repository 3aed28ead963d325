import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { buildApp } from '../app.js';
import { createContext, type AppContext } from '../context.js';
import {
  characterEngine,
  productionModeration,
  productionRunners,
  productionReadiness,
  productionSurfaces,
  productionWarmTargets,
  soulModelLine,
} from '../production.js';
import { verifyExecutionProvider } from '../engine/onnx/index.js';
import { createLogger, logCallback, type Logger } from '../log/logger.js';
import { EngineWarmup } from '../services/warmup.js';
import { purgeIdempotencyKeys } from '../api/idempotency.js';
import { resellerDialects } from '../api/dialects.js';
import { installWebhookRenderers } from '../api/webhook-renderers.js';

/**
 * First start creates a bootstrap account and keeps its credential in the data dir (mode 600)
 * so every start can print a working `API key:` line. Delete the file to stop printing it.
 */
async function bootstrapCredential(ctx: AppContext): Promise<string | null> {
  const file = path.join(ctx.config.dataDir, 'bootstrap-credentials');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const keys = await ctx.accounts.listKeys();
  if (keys.length > 0) return null;
  const k = await ctx.accounts.createAccountWithKey('bootstrap', ctx.config.bootstrapCredits);
  const cred = `${k.keyId}:${k.secret}`;
  fs.writeFileSync(file, cred + '\n', { mode: 0o600 });
  return cred;
}

/**
 * What a process that runs jobs does before it takes any: refuse to start on an execution
 * provider that cannot run (no silent CPU fallback), then load its engines (src/services/warmup.ts).
 */
async function jobEngines(config: Config, logger: Logger) {
  const provider = await verifyExecutionProvider(config.executionProvider);
  logger.info({ event: 'engines.provider', provider }, `execution provider: ${provider}`);
  return { provider, warmup: new EngineWarmup(productionWarmTargets(config), logger) };
}

/** How long running jobs get to finish on SIGTERM before they go back to the queue. */
const DRAIN_GRACE_MS = 25_000;

/**
 * SIGTERM or SIGINT (once): `stopIntake` (a server stops listening first), then the context's one
 * shutdown sequence, then exit.
 */
function exitOnSignal(ctx: AppContext, log: (msg: string) => void, stopIntake: () => Promise<void> = async () => {}) {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining (running jobs finish or go back to the queue)`);
    await stopIntake();
    await ctx.close(DRAIN_GRACE_MS);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The studio's address; on a loopback bind also a sign-in link whose key sits in the URL
 * fragment, which browsers never send to the server (the page moves it to sessionStorage).
 */
export function studioBanner(baseUrl: string, host: string, credential: string | null): string[] {
  const lines = [`Studio: ${baseUrl}/`];
  if (credential && LOOPBACK.has(host))
    lines.push(`Studio, signed in (this machine only): ${baseUrl}/#key=${encodeURIComponent(credential)}`);
  return lines;
}

export async function serve(config: Config, opts: { workers: boolean }) {
  const logger = createLogger({ level: config.logLevel });
  const log = logCallback(logger);
  const runsJobs = opts.workers && config.workers > 0;
  const engines = runsJobs ? await jobEngines(config, logger) : null;
  // Model probes belong to the processes that load models; an API-only process reports none.
  const readiness = engines ? engines.warmup.readiness(productionReadiness(config)) : {};
  // An API-only process classifies uploads as they arrive (input moderation), so it loads the classifier too.
  const ctx = await createContext(
    { ...config, workers: opts.workers ? config.workers : 0 },
    {
      runners: productionRunners(config),
      readiness,
      characterEngine: characterEngine(config),
      moderation: runsJobs || config.inputModeration !== 'off' ? productionModeration(config) : null,
      logger,
      log,
    },
  );
  ctx.executionProvider = engines?.provider ?? null;
  const app = await buildApp(ctx, { logger, surfaces: productionSurfaces(config) });
  const address = await app.listen({ host: config.host, port: config.port });
  if (!config.publicBaseUrl) {
    ctx.setBaseUrl(address.replace('[::1]', 'localhost'));
    // Media, status and upload URLs carry this base: other machines cannot reach a loopback one.
    if (config.host === '0.0.0.0' || config.host === '::')
      log(
        `listening on all interfaces but OPENSOUL_PUBLIC_URL is not set: URLs in responses will use ${ctx.baseUrl()}, which other machines cannot reach`,
      );
  }
  ctx.workers?.start(config.workers);
  ctx.webhooks.start();
  const sweep = setInterval(() => {
    void ctx.media.sweep().catch((e) => log('retention sweep failed', { err: String(e) }));
    void purgeIdempotencyKeys(ctx.db.db).catch((e) => log('idempotency purge failed', { err: String(e) }));
  }, 60_000);
  sweep.unref();
  console.log(
    `opensoul listening on ${ctx.baseUrl()} (database: ${ctx.db.engine}, dispatch: ${ctx.generation.dispatcher.kind}, workers: ${ctx.workers ? config.workers : 0})`,
  );
  console.log(
    engines ? await soulModelLine(config) : 'Soul model: loaded by `npx opensoul worker` processes (this one serves the API only)',
  );
  const cred = await bootstrapCredential(ctx);
  if (cred)
    console.log(`API key: ${cred}  (kept in ${path.join(config.dataDir, 'bootstrap-credentials')}; delete that file to stop printing it)`);
  if (config.studio) for (const line of studioBanner(ctx.baseUrl(), config.host, cred)) console.log(line);
  // Loads while the API already answers; /readyz says `degraded` (loading) until it is done.
  void engines?.warmup.start();

  exitOnSignal(ctx, log, async () => {
    clearInterval(sweep);
    await app.close();
  });
}

/** A worker-only process for scaled deployments: same queue, no HTTP. */
export async function worker(config: Config) {
  const logger = createLogger({ level: config.logLevel });
  const n = Math.max(1, config.workers);
  const engines = await jobEngines(config, logger);
  const ctx = await createContext(
    { ...config, workers: n },
    {
      runners: productionRunners(config),
      characterEngine: characterEngine(config),
      moderation: productionModeration(config),
      logger,
      log: logCallback(logger),
    },
  );
  ctx.executionProvider = engines.provider;
  installWebhookRenderers(ctx, resellerDialects());
  console.log(await soulModelLine(config));
  // Jobs are claimed once the engines are loaded, so a warm worker elsewhere takes them meanwhile.
  await engines.warmup.start();
  ctx.workers!.start(n);
  ctx.webhooks.start();
  const via = ctx.generation.dispatcher.kind === 'bullmq' ? 'jobs delivered by BullMQ' : 'lease loops polling';
  console.log(`opensoul worker running ${n} slot(s), ${via}, against ${ctx.db.engine}`);
  exitOnSignal(ctx, logCallback(logger));
}
