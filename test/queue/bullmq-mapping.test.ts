import { PRIORITY_LIMIT } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { bullPriority, dispatchId } from '../../src/queue/bullmq-dispatcher.js';
import { redisOptions } from '../../src/queue/redis-options.js';

describe('BullMQ mapping', () => {
  it('maps our priority (higher first) to BullMQ priority (lower first), always prioritised', () => {
    expect(bullPriority(10)).toBeLessThan(bullPriority(5));
    expect(bullPriority(5)).toBeLessThan(bullPriority(0));
    expect(bullPriority(0)).toBeLessThan(bullPriority(-3));
    // 0 would mean "no priority" in BullMQ, which is served before every prioritised job.
    expect(bullPriority(1e12)).toBe(1);
    expect(bullPriority(-1e12)).toBe(PRIORITY_LIMIT);
    expect(Number.isInteger(bullPriority(2.7))).toBe(true);
  });

  it('names a dispatch by job id, and by id and claim count once requeued', () => {
    expect(dispatchId({ id: 'f0e1', attempts: 0 })).toBe('f0e1');
    expect(dispatchId({ id: 'f0e1', attempts: 2 })).toBe('f0e1.2');
  });

  it('reads redis URLs', () => {
    expect(redisOptions('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, db: 0 });
    expect(redisOptions('rediss://u:p%40ss@cache.internal/3')).toEqual({
      host: 'cache.internal',
      port: 6379,
      username: 'u',
      password: 'p@ss',
      db: 3,
      tls: {},
    });
    expect(redisOptions('redis://[::1]:6380').host).toBe('::1');
    expect(() => redisOptions('http://x')).toThrow(/redis:\/\//);
    expect(() => redisOptions('redis://x/abc')).toThrow(/database/);
  });
});
