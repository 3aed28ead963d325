import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, type RateLimiter } from './rate-limit.js';
import { RedisRateLimiter } from './redis-rate-limit.js';

const REDIS_URL = process.env.OPENSOUL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const open: RateLimiter[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (l) => l.close?.()));
});

const prefix = () => `opensoul-test-${randomBytes(4).toString('hex')}`;
function redisLimiter(perMinute: number, p: string, url = REDIS_URL) {
  const l = new RedisRateLimiter({ redisUrl: url, prefix: p, perMinute });
  open.push(l);
  return l;
}

const kinds: [string, (perMinute: number) => RateLimiter][] = [
  ['in process', (n) => new MemoryRateLimiter(n)],
  ['shared through Redis', (n) => redisLimiter(n, prefix())],
];

describe.each(kinds)('rate limiter %s', (_name, make) => {
  it('allows a burst of perMinute, then says how long to wait for the next token', async () => {
    const l = make(6);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push(await l.take('key-a'));
    expect(waits.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    // 6 per minute refill one token every 10 s.
    expect(waits[6]).toBeGreaterThan(9);
    expect(waits[6]).toBeLessThanOrEqual(10);
    expect(waits[7]).toBeGreaterThan(9);
  });

  it('keeps one budget per key', async () => {
    const l = make(2);
    expect([await l.take('a'), await l.take('a'), await l.take('b'), await l.take('b')]).toEqual([0, 0, 0, 0]);
    expect(await l.take('a')).toBeGreaterThan(0);
    expect(await l.take('b')).toBeGreaterThan(0);
  });

  it('is off at 0 per minute', async () => {
    const l = make(0);
    for (let i = 0; i < 50; i++) expect(await l.take('k')).toBe(0);
  });
});

describe('rate limiter shared through Redis', () => {
  it('makes API processes spend one budget per key', async () => {
    const p = prefix();
    const a = redisLimiter(4, p);
    const b = redisLimiter(4, p);
    const waits = [await a.take('k'), await b.take('k'), await a.take('k'), await b.take('k'), await a.take('k'), await b.take('k')];
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(waits[4]).toBeGreaterThan(0);
    expect(waits[5]).toBeGreaterThan(0);
  });

  it('limits per process, without hanging, while Redis is unreachable', async () => {
    const l = redisLimiter(2, prefix(), 'redis://127.0.0.1:1');
    const t0 = Date.now();
    const waits = [await l.take('k'), await l.take('k'), await l.take('k')];
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(waits.slice(0, 2)).toEqual([0, 0]);
    expect(waits[2]).toBeGreaterThan(0);
  });
});
