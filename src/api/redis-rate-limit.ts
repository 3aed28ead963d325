import { Redis } from 'ioredis';
import { redisOptions } from '../queue/redis-options.js';
import { MemoryRateLimiter, type RateLimiter } from './rate-limit.js';

/**
 * The token bucket of MemoryRateLimiter kept in Redis, so every API process behind a load
 * balancer spends the same budget per key. One Lua script reads, refills and takes atomically,
 * on Redis's own clock (the processes' clocks may disagree). Answers the wait in ms as a string:
 * Lua numbers become integers on the way out.
 */
const TAKE_SCRIPT = `
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or cap
local at = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return tostring(wait)
`;

/** A request never waits on Redis longer than this; then the process limits on its own. */
const REDIS_WAIT_MS = 250;
/** After Redis failed a request, later ones skip it this long instead of each paying the wait. */
const OUTAGE_BACKOFF_MS = 5000;

export interface RedisRateLimiterOptions {
  redisUrl: string;
  prefix: string;
  perMinute: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly fallback: MemoryRateLimiter;
  private warned = false;
  private failedAt = -Infinity;
  private readyWait: Promise<void> | null = null;

  constructor(private readonly opts: RedisRateLimiterOptions) {
    // No offline queue: while Redis is down a command fails at once instead of piling up.
    this.redis = new Redis({ ...redisOptions(opts.redisUrl), enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.redis.on('error', () => {}); // reported once per outage through take()
    this.redis.defineCommand('opensoulTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.fallback = new MemoryRateLimiter(opts.perMinute);
  }

  async take(key: string): Promise<number> {
    if (this.opts.perMinute <= 0) return 0;
    if (Date.now() - this.failedAt < OUTAGE_BACKOFF_MS) return this.fallback.take(key);
    try {
      if (this.redis.status !== 'ready') await withTimeout(this.whenReady(), REDIS_WAIT_MS);
      const waitMs = await withTimeout(
        (this.redis as unknown as { opensoulTakeToken(k: string, cap: number, rate: string): Promise<string> }).opensoulTakeToken(
          `${this.opts.prefix}:ratelimit:${key}`,
          this.opts.perMinute,
          String(this.opts.perMinute / 60_000),
        ),
        REDIS_WAIT_MS,
      );
      this.warned = false;
      return Number(waitMs) / 1000;
    } catch (e) {
      // Availability over strictness: an unreachable Redis must not turn away every request.
      if (!this.warned) this.opts.log?.('rate limit: Redis unreachable, limiting per process', { error: (e as Error).message });
      this.warned = true;
      this.failedAt = Date.now();
      return this.fallback.take(key);
    }
  }

  /** One 'ready' listener however many requests wait (ioredis reconnects on its own). */
  private whenReady(): Promise<void> {
    this.readyWait ??= new Promise((resolve) =>
      this.redis.once('ready', () => {
        this.readyWait = null;
        resolve();
      }),
    );
    return this.readyWait;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer in ${ms} ms`)), ms);
    }),
  ]);
}
