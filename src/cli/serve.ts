import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { buildApp } from '../app.js';
import { createContext, type AppContext } from '../context.js';
import { characterEngine, productionModeration, productionRunners, productionReadiness, productionSurfaces } from '../production.js';
import { purgeIdempotencyKeys } from '../api/idempotency.js';
import { registerWebhookRenderers } from '../api/webhook-renderers.js';
import { processLog } from '../log/redact.js';

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

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The studio's address; on a loopback bind also a sign-in link whose key sits in the URL
 * fragment, which browsers never send to the server (the page moves it to sessionStorage).
 */
export function studioBanner(baseUrl: string, host: string, credential: string | null): string[] {
  const lines = [`Studio: ${baseUrl}/`];
  if (credential && LOOPBACK.has(host)) lines.push(`Studio, signed in (this machine only): ${baseUrl}/#key=${encodeURIComponent(credential)}`);
  return lines;
}

export async function serve(config: Config, opts: { workers: boolean }) {
  const log = processLog('opensoul');
  const ctx = await createContext({ ...config, workers: opts.workers ? config.workers : 0 }, { runners: productionRunners(config), readiness: productionReadiness(config), characterEngine: characterEngine(config), moderation: productionModeration(config), log });
  const app = await buildApp(ctx, { logger: config.logLevel === 'debug', surfaces: productionSurfaces(config) });
  const address = await app.listen({ host: config.host, port: config.port });
  if (!config.publicBaseUrl) {
    ctx.setBaseUrl(address.replace('[::1]', 'localhost'));
    // Media, status and upload URLs carry this base: other machines cannot reach a loopback one.
    if (config.host === '0.0.0.0' || config.host === '::') log(`listening on all interfaces but OPENSOUL_PUBLIC_URL is not set: URLs in responses will use ${ctx.baseUrl()}, which other machines cannot reach`);
  }
  ctx.workers?.start(config.workers);
  ctx.webhooks.start();
  const sweep = setInterval(() => {
    void ctx.media.sweep().catch((e) => log('retention sweep failed', { err: String(e) }));
    void purgeIdempotencyKeys(ctx.db.db).catch((e) => log('idempotency purge failed', { err: String(e) }));
  }, 60_000);
  sweep.unref();
  console.log(`opensoul listening on ${ctx.baseUrl()} (database: ${ctx.db.engine}, dispatch: ${ctx.generation.dispatcher.kind}, workers: ${ctx.workers ? config.workers : 0})`);
  const cred = await bootstrapCredential(ctx);
  if (cred) console.log(`API key: ${cred}`);
  if (config.studio) for (const line of studioBanner(ctx.baseUrl(), config.host, cred)) console.log(line);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining (running jobs finish or go back to the queue)`);
    clearInterval(sweep);
    await app.close();
    await ctx.workers?.stop(25_000);
    ctx.webhooks.stop();
    await ctx.generation.dispatcher.close();
    await ctx.generation.events.close();
    await ctx.db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** A worker-only process for scaled deployments: same queue, no HTTP. */
export async function worker(config: Config) {
  const log = processLog('opensoul-worker');
  const n = Math.max(1, config.workers);
  const ctx = await createContext({ ...config, workers: n }, { runners: productionRunners(config), characterEngine: characterEngine(config), moderation: productionModeration(config), log });
  registerWebhookRenderers(ctx);
  ctx.workers!.start(n);
  ctx.webhooks.start();
  const via = ctx.generation.dispatcher.kind === 'bullmq' ? 'jobs delivered by BullMQ' : 'lease loops polling';
  console.log(`opensoul worker running ${n} slot(s), ${via}, against ${ctx.db.engine}`);
  const stop = async () => {
    await ctx.workers?.stop(25_000);
    ctx.webhooks.stop();
    await ctx.generation.dispatcher.close();
    await ctx.generation.events.close();
    await ctx.db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
