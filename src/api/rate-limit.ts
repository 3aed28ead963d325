/** Seconds until the key may make a request: 0 when allowed now. */
export interface RateLimiter {
  take(key: string): number | Promise<number>;
  close?(): Promise<void>;
}

/**
 * Per-key token bucket: `perMinute` sustained, the same number as burst. State in this process:
 * the embedded default, and the fallback of the shared limiter while Redis is unreachable.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  take(key: string, now = Date.now()): number {
    if (this.perMinute <= 0) return 0;
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / rate / 1000;
  }
}
