import path from 'node:path';
import type { Config } from './config.js';
import { PriceTable } from './domain/pricing.js';
import { openSecretBox, sealPlainSecrets } from './services/data-key.js';
import { openMediaSecret } from './services/media-secret.js';
import type { SecretBox } from './services/secret-box.js';
import { AccountService } from './services/accounts.js';
import { type CharacterEngine, CharacterService } from './services/characters.js';
import { DopService } from './services/dop-service.js';
import { GenerationService } from './services/generation.js';
import { MediaService } from './services/media.js';
import type { ModerationService } from './services/moderation.js';
import { loadSigningIdentity, ProvenanceService } from './services/provenance.js';
import { Metrics } from './services/metrics.js';
import { PopcornService } from './services/popcorn-service.js';
import { CarouselService } from './services/carousel.js';
import { VideoSeriesService } from './services/video-series-service.js';
import { SoulService } from './services/soul-service.js';
import { WebhookService } from './services/webhooks.js';
import type { BlobStore } from './storage/blob-store.js';
import { FsBlobStore } from './storage/fs-store.js';
import { S3BlobStore } from './storage/s3-store.js';
import { MemoryRateLimiter, type RateLimiter } from './api/rate-limit.js';
import { RedisRateLimiter } from './api/redis-rate-limit.js';
import { type OpenedDb, openDatabase } from './store/db.js';
import type { JobRunner } from './worker/runner.js';
import { WorkerPool } from './worker/worker.js';
import { createDispatcher } from './queue/dispatcher.js';
import { type Logger, logCallback, silentLogger } from './log/logger.js';
import { JobLifecycleLog } from './services/job-log.js';
import { RedisSetEventBus } from './services/set-events.js';

/** One named part of /readyz. `fix` is the command that repairs a missing part (e.g. a model pull). */
export interface Readiness {
  ready: boolean;
  model?: string;
  reason?: string;
  fix?: string;
  /** The execution provider the part's sessions run on, once loaded. */
  provider?: string;
}
export type ReadinessProbe = () => Promise<Readiness>;

/** Everything the HTTP surfaces, the CLI and the workers share; built once per process. */
export interface AppContext {
  config: Config;
  db: OpenedDb;
  store: BlobStore;
  metrics: Metrics;
  prices: PriceTable;
  accounts: AccountService;
  generation: GenerationService;
  media: MediaService;
  webhooks: WebhookService;
  soul: SoulService;
  dop: DopService;
  popcorn: PopcornService;
  carousel: CarouselService;
  videoSeries: VideoSeriesService;
  characters: CharacterService;
  workers: WorkerPool | null;
  /** Per-key request budget: in this process, or shared through Redis when one is configured. */
  rateLimiter: RateLimiter;
  readiness: Record<string, ReadinessProbe>;
  /** Seals and opens webhook secrets at rest with the data key (src/services/data-key.ts). */
  secrets: SecretBox;
  /** C2PA signing of outputs (OPENSOUL_C2PA); null when off. */
  provenance: ProvenanceService | null;
  /** The process logger (pino); silent unless the process gave one. */
  logger: Logger;
  /**
   * The execution provider this process's engines run on, verified at start by the processes
   * that run jobs; null where no engine runs (API only, tests).
   */
  executionProvider: string | null;
  baseUrl(): string;
  setBaseUrl(url: string): void;
  /**
   * The one shutdown sequence (serve, worker, tests): workers stop claiming and running jobs get
   * `graceMs` to finish before they go back to the queue; then webhook delivery, dispatch, set
   * events, the rate limiter and the database close. HTTP stops first, by its owner.
   */
  close(graceMs?: number): Promise<void>;
}

export interface ContextOptions {
  /** Job runners; production passes the engine-backed ones (src/worker/runners), tests their own. */
  runners: JobRunner[] | ((ctx: AppContext) => JobRunner[]);
  /** Face engine for Soul ID; without it character requests are refused at submit. */
  characterEngine?: CharacterEngine | null;
  readiness?: Record<string, ReadinessProbe>;
  /** Moderation (src/production.ts builds it from config): outputs of this process's workers, uploads and the images jobs read; null = off. */
  moderation?: ModerationService | null;
  /** Job lifecycle and service lines; default silent. */
  logger?: Logger;
  /** Warnings of services that take a callback; default: the logger at warn. */
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** /readyz's moderation line: the loaded classifier, or that moderation is off by config. */
function moderationProbe(config: Config, moderation: ModerationService | null | undefined): Record<string, ReadinessProbe> {
  if (moderation) return { moderation_model: () => moderation.readiness() };
  if (config.moderation.mode === 'off') return { moderation_model: async () => ({ ready: true, model: 'off (OPENSOUL_MODERATION=off)' }) };
  return {};
}

export async function createContext(config: Config, opts: ContextOptions): Promise<AppContext> {
  const logger = opts.logger ?? silentLogger();
  opts = { ...opts, log: opts.log ?? (opts.logger ? logCallback(logger) : undefined) };
  const db = await openDatabase(config.databaseUrl, config.dataDir, {
    onConnectionError: (err) => opts.log?.('database connection lost; the pool opens a new one', { err: String(err) }),
  });
  let secrets: SecretBox;
  try {
    secrets = await openSecretBox(config, db.db);
    await sealPlainSecrets(db.db, secrets);
    // Checked against the database like the data key: URLs signed by one process verify in every other.
    config = { ...config, mediaSecret: await openMediaSecret(config, db.db) };
  } catch (e) {
    await db.close();
    throw e;
  }
  // One bucket shared by every API and worker process is what lets media outlive a single machine.
  const store: BlobStore = config.s3 ? new S3BlobStore(config.s3) : new FsBlobStore(path.join(config.dataDir, 'media'));
  let base = (config.publicBaseUrl ?? `http://${config.host}:${config.port}`).replace(/\/$/, '');
  const baseUrl = () => base;
  const metrics = new Metrics();
  const prices = new PriceTable(config.prices);
  const accounts = new AccountService(db.db, secrets);
  const generation = new GenerationService(db.db, db.engine, config, secrets);
  generation.dispatcher = await createDispatcher(config, generation.wake, opts.log);
  // Set changes reach event streams in other processes through Redis when there is one.
  if (config.redisUrl) generation.events = new RedisSetEventBus({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log: opts.log });
  const media = new MediaService(db.db, store, config, baseUrl, opts.moderation ?? null);
  const webhooks = new WebhookService(db.db, db.engine, config, secrets, metrics);
  generation.onSetFinished(webhooks.enqueue);
  generation.lifecycle = new JobLifecycleLog(logger, (id) => generation.dialectOfSet(id));
  webhooks.lifecycle = generation.lifecycle;
  generation.onJobFinished((job, status) => {
    metrics.jobsFinished.inc({ kind: job.kind, status });
    if (job.startedAt) metrics.jobDuration.observe({ kind: job.kind, status }, (Date.now() - Date.parse(job.startedAt)) / 1000);
  });
  const soul = new SoulService(generation, prices);
  const rateLimiter: RateLimiter = config.redisUrl
    ? new RedisRateLimiter({ redisUrl: config.redisUrl, prefix: config.queuePrefix, perMinute: config.rateLimitPerMinute, log: opts.log })
    : new MemoryRateLimiter(config.rateLimitPerMinute);
  const characters = new CharacterService(db.db, generation, media, prices, opts.characterEngine ?? null);
  soul.setCharacterGate(characters.gate);
  // Built in every process: workers sign with it, the API serves its chain at /.well-known.
  const provenance = config.c2pa.enabled
    ? new ProvenanceService(loadSigningIdentity({ dataDir: config.dataDir, ...config.c2pa }), { tsaUrl: config.c2pa.tsaUrl, log: opts.log })
    : null;
  const ctx: AppContext = {
    config,
    secrets,
    provenance,
    db,
    store,
    metrics,
    prices,
    accounts,
    generation,
    media,
    webhooks,
    soul,
    dop: new DopService(generation, prices),
    popcorn: new PopcornService(generation, prices),
    carousel: new CarouselService(generation, prices, () => characters.gate),
    videoSeries: new VideoSeriesService(generation, prices, () => characters.gate),
    characters,
    workers: null,
    rateLimiter,
    readiness: { ...opts.readiness, ...moderationProbe(config, opts.moderation) },
    logger,
    executionProvider: null,
    baseUrl,
    setBaseUrl: (url) => {
      base = url.replace(/\/$/, '');
    },
    async close(graceMs = 0) {
      await ctx.workers?.stop(graceMs);
      webhooks.stop();
      await generation.dispatcher.close();
      await generation.events.close();
      await rateLimiter.close?.();
      await db.close();
    },
  };
  if (config.workers > 0) {
    const runners = typeof opts.runners === 'function' ? opts.runners(ctx) : opts.runners;
    ctx.workers = new WorkerPool({ config, generation, media, runners, moderation: opts.moderation, provenance, log: opts.log });
  }
  return ctx;
}
