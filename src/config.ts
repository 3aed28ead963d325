import path from 'node:path';
import { checkConfig } from './config-check.js';
import { inputModerationMode, moderationPolicy } from './domain/moderation.js';
import { nsfwModelName } from './engine/moderation/models.js';

export type { Config, S3Settings } from './config-types.js';
import type { Config, S3Settings } from './config-types.js';

type Env = Record<string, string | undefined>;

function num(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(v.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(v.toLowerCase())) return false;
  throw new Error(`${name} must be true or false (1/0, yes/no, on/off), got "${v.slice(0, 40)}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${v.slice(0, 40)}"`);
  return v as T;
}

function jsonObject(env: Env, name: string): Record<string, unknown> {
  const v = env[name];
  if (v === undefined || v === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new Error(`${name} must be a JSON object, got "${v.slice(0, 40)}"`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${name} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/** OPENSOUL_S3_* settings; null unless OPENSOUL_S3_BUCKET is set. */
function s3Settings(env: Env): S3Settings | null {
  const bucket = env.OPENSOUL_S3_BUCKET?.trim();
  if (!bucket) return null;
  const region = env.OPENSOUL_S3_REGION || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = env.OPENSOUL_S3_ENDPOINT ? env.OPENSOUL_S3_ENDPOINT.replace(/\/+$/, '') : null;
  if (endpoint !== null && !/^https?:\/\/[^/]/.test(endpoint))
    throw new Error(`OPENSOUL_S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  const accessKeyId = env.OPENSOUL_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.OPENSOUL_S3_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey))
    throw new Error(
      'OPENSOUL_S3_ACCESS_KEY_ID and OPENSOUL_S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS credential chain',
    );
  // A session token belongs to the key pair it was issued with, so OPENSOUL_S3_* keys never take AWS_SESSION_TOKEN.
  const credentials =
    accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: env.OPENSOUL_S3_SESSION_TOKEN || null } : null;
  const prefix = (env.OPENSOUL_S3_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
  return {
    bucket,
    endpoint,
    region,
    credentials,
    forcePathStyle: bool(env, 'OPENSOUL_S3_FORCE_PATH_STYLE', endpoint !== null),
    prefix: prefix ? `${prefix}/` : '',
  };
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(overrides.dataDir ?? env.OPENSOUL_DATA_DIR ?? './data');
  const base: Config = {
    host: env.OPENSOUL_HOST ?? '127.0.0.1',
    port: num(env, 'OPENSOUL_PORT', 8787),
    publicBaseUrl: env.OPENSOUL_PUBLIC_URL ?? null,
    dataDir,
    databaseUrl: env.OPENSOUL_DATABASE_URL ?? 'sqlite',
    modelsDir: path.resolve(env.OPENSOUL_MODELS_DIR ?? path.join(dataDir, 'models')),
    modelPath: env.OPENSOUL_MODEL_PATH ? path.resolve(env.OPENSOUL_MODEL_PATH) : null,
    defaultModel: env.OPENSOUL_MODEL ?? null,
    executionProvider: oneOf(env, 'OPENSOUL_EXECUTION_PROVIDER', ['cpu', 'cuda'], 'cpu'),
    engineThreads: num(env, 'OPENSOUL_ENGINE_THREADS', 0),
    engineSpinning: bool(env, 'OPENSOUL_ENGINE_SPINNING', false),
    soulSteps: num(env, 'OPENSOUL_SOUL_STEPS', 0),
    workers: num(env, 'OPENSOUL_WORKERS', 1),
    redisUrl: env.OPENSOUL_REDIS_URL || null,
    queuePrefix: env.OPENSOUL_QUEUE_PREFIX || 'opensoul',
    leaseMs: num(env, 'OPENSOUL_LEASE_MS', 30_000),
    heartbeatMs: num(env, 'OPENSOUL_HEARTBEAT_MS', 5_000),
    maxAttempts: num(env, 'OPENSOUL_MAX_ATTEMPTS', 3),
    mediaSecret: env.OPENSOUL_MEDIA_SECRET ?? '',
    dataKey: env.OPENSOUL_DATA_KEY || null,
    mediaUrlTtlS: num(env, 'OPENSOUL_MEDIA_URL_TTL_S', 7 * 24 * 3600),
    outputRetentionS: num(env, 'OPENSOUL_OUTPUT_RETENTION_S', 7 * 24 * 3600),
    segmindRetentionS: num(env, 'OPENSOUL_SEGMIND_RETENTION_S', 3600),
    maxInFlightPerAccount: num(env, 'OPENSOUL_MAX_IN_FLIGHT', 4),
    rateLimitPerMinute: num(env, 'OPENSOUL_RATE_LIMIT_PER_MINUTE', 600),
    uploadMaxBytes: num(env, 'OPENSOUL_UPLOAD_MAX_BYTES', 20 * 1024 * 1024),
    uploadMaxPixels: num(env, 'OPENSOUL_UPLOAD_MAX_PIXELS', 40_000_000),
    fetchTimeoutMs: num(env, 'OPENSOUL_FETCH_TIMEOUT_MS', 15_000),
    allowPrivateUrls: bool(env, 'OPENSOUL_ALLOW_PRIVATE_URLS', false),
    allowedFetchHosts: (env.OPENSOUL_ALLOWED_FETCH_HOSTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    bootstrapCredits: num(env, 'OPENSOUL_BOOTSTRAP_CREDITS', 1000),
    promptEnhancerUrl: env.OPENSOUL_PROMPT_ENHANCER_URL ?? null,
    promptEnhancerModel: env.OPENSOUL_PROMPT_ENHANCER_MODEL ?? null,
    prices: jsonObject(env, 'OPENSOUL_PRICES') as Record<string, number>,
    logLevel: env.OPENSOUL_LOG_LEVEL ?? 'info',
    s3: s3Settings(env),
    s3Redirect: bool(env, 'OPENSOUL_S3_REDIRECT', false),
    moderation: moderationPolicy(env.OPENSOUL_MODERATION, env.OPENSOUL_MODERATION_THRESHOLDS),
    inputModeration: inputModerationMode(env.OPENSOUL_INPUT_MODERATION, moderationPolicy(env.OPENSOUL_MODERATION, undefined).mode),
    moderationModel: nsfwModelName(env.OPENSOUL_MODERATION_MODEL),
    corsOrigins: (env.OPENSOUL_CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    operatorToken: env.OPENSOUL_OPERATOR_TOKEN || null,
    c2pa: {
      enabled: bool(env, 'OPENSOUL_C2PA', true),
      chainPath: env.OPENSOUL_C2PA_CHAIN ? path.resolve(env.OPENSOUL_C2PA_CHAIN) : null,
      keyPath: env.OPENSOUL_C2PA_KEY ? path.resolve(env.OPENSOUL_C2PA_KEY) : null,
      tsaUrl: env.OPENSOUL_C2PA_TSA_URL || null,
    },
    studio: bool(env, 'OPENSOUL_STUDIO', true),
    sseKeepAliveMs: num(env, 'OPENSOUL_SSE_KEEPALIVE_MS', 15_000),
    ssePollMs: num(env, 'OPENSOUL_SSE_POLL_MS', 1_000),
  };
  const config = { ...base, ...overrides, dataDir };
  checkConfig(config);
  return config;
}
