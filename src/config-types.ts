// The settings' shape, apart from how they are read, so config-check.ts can type them without importing config.ts.
import type { ModerationMode, ModerationPolicy } from './domain/moderation.js';
import type { NsfwModelName } from './engine/moderation/models.js';

/** Every setting in one typed object; env vars (OPENSOUL_*) then CLI flags override the defaults. */
export interface Config {
  host: string;
  port: number;
  /** Absolute base URL clients reach this server on; media and status URLs are built from it. */
  publicBaseUrl: string | null;
  dataDir: string;
  /** `sqlite` (default, file under dataDir) or a postgres:// URL. */
  databaseUrl: string;
  modelsDir: string;
  /** Model folder to use instead of the hub cache (a diffusers ONNX layout). */
  modelPath: string | null;
  defaultModel: string | null;
  executionProvider: 'cpu' | 'cuda';
  engineThreads: number;
  /** ORT thread pools spin-wait between operators (faster only with cores to spare). */
  engineSpinning: boolean;
  /** Denoising steps for Soul jobs; 0 = the model family's default. */
  soulSteps: number;
  /** In-process workers; 0 = API only (scaled deployments run `opensoul worker`). */
  workers: number;
  /**
   * Redis for BullMQ dispatch (scaled deployments); null = embedded: the jobs table is polled and
   * in-process workers are woken directly.
   */
  redisUrl: string | null;
  /** Redis key prefix of the dispatch queue, so deployments can share one Redis. */
  queuePrefix: string;
  leaseMs: number;
  heartbeatMs: number;
  maxAttempts: number;
  mediaSecret: string;
  /**
   * Seals webhook secrets at rest (AES-256-GCM): 32 bytes as base64 or hex. null = a key file made
   * in the data dir on first start. Every API and worker process of one database needs the same key.
   */
  dataKey: string | null;
  mediaUrlTtlS: number;
  outputRetentionS: number;
  /** Segmind documents 1 hour of result retention for its dialect. */
  segmindRetentionS: number;
  maxInFlightPerAccount: number;
  rateLimitPerMinute: number;
  uploadMaxBytes: number;
  uploadMaxPixels: number;
  fetchTimeoutMs: number;
  allowPrivateUrls: boolean;
  allowedFetchHosts: string[];
  bootstrapCredits: number;
  promptEnhancerUrl: string | null;
  promptEnhancerModel: string | null;
  /** Credits per job; defaults cite their sources in src/domain/pricing.ts. */
  prices: Partial<Record<string, number>>;
  logLevel: string;
  /** S3-compatible bucket for media; null = files under `<dataDir>/media`. */
  s3: S3Settings | null;
  /**
   * With a bucket: signed `/media` GETs are still checked here, then answered with a 302 to a
   * short-lived presigned bucket URL, so the bytes no longer pass through the API process.
   */
  s3Redirect: boolean;
  /** Output moderation: mode off | flag | block and per-class thresholds (src/domain/moderation.ts). */
  moderation: ModerationPolicy;
  /** Input moderation (uploads, image URLs jobs read, Soul ID photos): off | flag | block; default the output mode. */
  inputModeration: ModerationMode;
  /** Which classifier bundled with nsfwjs runs it. */
  moderationModel: NsfwModelName;
  /** Origins browsers may call the API from (CORS); empty = CORS off, `*` = any. */
  corsOrigins: string[];
  /** Bearer token that opens /metrics and the detailed /readyz to non-loopback callers; null = loopback only. */
  operatorToken: string | null;
  /** C2PA content credentials on outputs; without chain/key files, a CA of its own under the data dir. */
  /** tsaUrl: an RFC 3161 time-stamping authority stamping every signature (OPENSOUL_C2PA_TSA_URL). */
  c2pa: { enabled: boolean; chainPath: string | null; keyPath: string | null; tsaUrl?: string | null };
  /** Serve the browser studio (web/dist) at `/`; OPENSOUL_STUDIO=false leaves only the API. */
  studio: boolean;
  /** Job-set event streams (SSE): comment line this often so proxies keep the connection. */
  sseKeepAliveMs: number;
  /** Event streams re-read their set this often besides the change nudges (a missed nudge costs at most this). */
  ssePollMs: number;
}

export interface S3Settings {
  bucket: string;
  /** `scheme://host[:port][/path]` of the S3 API; null = AWS S3 in `region` (the SDK's own endpoint). */
  endpoint: string | null;
  region: string;
  /**
   * Keys given as OPENSOUL_S3_*; null = the AWS SDK's default credential provider chain
   * (AWS_* variables, shared config and SSO profiles, web identity, ECS and EC2 instance roles).
   */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string | null } | null;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key`; what MinIO and most S3-compatibles expect. */
  forcePathStyle: boolean;
  /** Prepended to every media key, e.g. `opensoul/` to share a bucket. */
  prefix: string;
}
