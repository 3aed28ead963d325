import fs from 'node:fs';
import { DEFAULT_PRICES } from './domain/pricing.js';
import { MAX_STEPS } from './engine/diffusion/limits.js';
import type { Config } from './config-types.js';
import { parseDataKey } from './services/secret-box.js';
import { MODERATION_MODES } from './domain/moderation.js';

/** A configuration that cannot work: every problem found, one per line, naming the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOUR_S = 3600;
const YEAR_S = 366 * 24 * HOUR_S;

/**
 * Checks every setting once, at start (after env vars and CLI flags are applied), so a value that
 * would make every job or request fail stops the process with a clear message instead.
 */
export function checkConfig(c: Config): void {
  const problems: string[] = [];
  const int = (name: string, v: number, min: number, max: number, why = '') => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer from ${min} to ${max}${why}, got ${v}`);
  };
  const httpUrl = (name: string, v: string | null) => {
    if (v === null) return;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    } catch {
      problems.push(`${name} must be an http(s) URL, got "${v.slice(0, 80)}"`);
    }
  };

  int('OPENSOUL_PORT', c.port, 0, 65535);
  if (!c.host.trim()) problems.push('OPENSOUL_HOST must not be empty');
  httpUrl('OPENSOUL_PUBLIC_URL', c.publicBaseUrl);
  if (!/^(sqlite(:.+)?|postgres(ql)?:\/\/.+)$/.test(c.databaseUrl))
    problems.push(`OPENSOUL_DATABASE_URL must be sqlite, sqlite:/path.db or postgres://…, got "${c.databaseUrl.slice(0, 20)}…"`);
  int('OPENSOUL_ENGINE_THREADS', c.engineThreads, 0, 1024, ' (0 = the runtime default)');
  int('OPENSOUL_SOUL_STEPS', c.soulSteps, 0, MAX_STEPS, ' (0 = the model family default)');
  int('OPENSOUL_WORKERS', c.workers, 0, 256);
  if (c.redisUrl !== null && !/^rediss?:\/\//.test(c.redisUrl)) problems.push('OPENSOUL_REDIS_URL must start with redis:// or rediss://');
  if (!/^[\w.:-]{1,64}$/.test(c.queuePrefix)) problems.push('OPENSOUL_QUEUE_PREFIX must be 1-64 letters, digits, _ . : -');
  int('OPENSOUL_LEASE_MS', c.leaseMs, 500, 24 * HOUR_S * 1000);
  int('OPENSOUL_HEARTBEAT_MS', c.heartbeatMs, 10, 24 * HOUR_S * 1000);
  if (Number.isInteger(c.leaseMs) && Number.isInteger(c.heartbeatMs) && c.heartbeatMs >= c.leaseMs) {
    problems.push(
      `OPENSOUL_HEARTBEAT_MS (${c.heartbeatMs}) must be shorter than OPENSOUL_LEASE_MS (${c.leaseMs}), or every running job loses its lease`,
    );
  }
  int('OPENSOUL_MAX_ATTEMPTS', c.maxAttempts, 1, 100);
  // Checked here for its form; start-up checks it is the secret the database's URLs are signed with.
  if (c.mediaSecret && !/^[\x21-\x7e]{16,512}$/.test(c.mediaSecret)) {
    problems.push(
      `OPENSOUL_MEDIA_SECRET must be 16 to 512 printable characters without spaces (got ${c.mediaSecret.length}), e.g. \`openssl rand -hex 32\`, or unset (then the data dir's media-secret file is used or made); use the same value on every API and worker process`,
    );
  }
  // Checked here for its form; start-up checks it is the key the database was sealed with.
  if (c.dataKey !== null && !parseDataKey(c.dataKey)) {
    problems.push(
      'OPENSOUL_DATA_KEY must be 32 bytes as base64 (44 characters) or hex (64), e.g. `openssl rand -base64 32`; use the same value on every API and worker process',
    );
  }
  int('OPENSOUL_MEDIA_URL_TTL_S', c.mediaUrlTtlS, 1, 10 * YEAR_S);
  int('OPENSOUL_OUTPUT_RETENTION_S', c.outputRetentionS, 1, 100 * YEAR_S);
  int('OPENSOUL_SEGMIND_RETENTION_S', c.segmindRetentionS, 1, 100 * YEAR_S);
  int('OPENSOUL_MAX_IN_FLIGHT', c.maxInFlightPerAccount, 1, 1_000_000);
  int('OPENSOUL_RATE_LIMIT_PER_MINUTE', c.rateLimitPerMinute, 0, 100_000_000, ' (0 = off)');
  int('OPENSOUL_UPLOAD_MAX_BYTES', c.uploadMaxBytes, 1024, 1024 ** 3);
  int('OPENSOUL_UPLOAD_MAX_PIXELS', c.uploadMaxPixels, 1, 400_000_000);
  int('OPENSOUL_FETCH_TIMEOUT_MS', c.fetchTimeoutMs, 100, 10 * 60_000);
  for (const h of c.allowedFetchHosts)
    if (!/^[a-z0-9.*:[\]-]+$/i.test(h)) problems.push(`OPENSOUL_ALLOWED_FETCH_HOSTS has "${h.slice(0, 60)}", which is not a host name`);
  if (!Number.isFinite(c.bootstrapCredits) || c.bootstrapCredits < 0)
    problems.push(`OPENSOUL_BOOTSTRAP_CREDITS must be a number of at least 0, got ${c.bootstrapCredits}`);
  httpUrl('OPENSOUL_PROMPT_ENHANCER_URL', c.promptEnhancerUrl);
  for (const [key, v] of Object.entries(c.prices)) {
    if (!(key in DEFAULT_PRICES))
      problems.push(`OPENSOUL_PRICES has unknown key "${key.slice(0, 60)}" (keys: ${Object.keys(DEFAULT_PRICES).join(', ')})`);
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      problems.push(`OPENSOUL_PRICES "${key}" must be a number of at least 0`);
  }
  if (!LOG_LEVELS.includes(c.logLevel))
    problems.push(`OPENSOUL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${c.logLevel.slice(0, 20)}"`);
  for (const o of c.corsOrigins)
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o))
      problems.push(`OPENSOUL_CORS_ORIGINS entries must be origins like https://app.example.com (or *), got "${o.slice(0, 80)}"`);
  if (c.operatorToken !== null && c.operatorToken.length < 16) problems.push('OPENSOUL_OPERATOR_TOKEN must be at least 16 characters');
  httpUrl('OPENSOUL_C2PA_TSA_URL', c.c2pa.tsaUrl ?? null);
  if (Boolean(c.c2pa.chainPath) !== Boolean(c.c2pa.keyPath))
    problems.push('OPENSOUL_C2PA_CHAIN and OPENSOUL_C2PA_KEY go together: set both or neither');
  for (const [name, file] of [
    ['OPENSOUL_C2PA_CHAIN', c.c2pa.chainPath],
    ['OPENSOUL_C2PA_KEY', c.c2pa.keyPath],
  ] as const) {
    if (file && !fs.existsSync(file)) problems.push(`${name} names a file that does not exist: ${file}`);
  }
  if (!MODERATION_MODES.includes(c.inputModeration))
    problems.push(`OPENSOUL_INPUT_MODERATION must be one of ${MODERATION_MODES.join(', ')}`);
  int('OPENSOUL_SSE_KEEPALIVE_MS', c.sseKeepAliveMs, 10, HOUR_S * 1000);
  int('OPENSOUL_SSE_POLL_MS', c.ssePollMs, 10, 60_000);
  if (c.s3Redirect && !c.s3) problems.push('OPENSOUL_S3_REDIRECT needs OPENSOUL_S3_BUCKET');
  if (problems.length) throw new ConfigError(problems);
}
