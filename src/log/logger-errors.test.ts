// Found by the soak (bench/soak.ts): `log('…', { err: String(e) })` threw inside the err
// serializer, so the first reported database error ended the process.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logCallback } from './logger.js';

function capture() {
  const lines: any[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { lines, logger: createLogger({ stream, level: 'info' }) };
}

describe('logger err field', () => {
  it('logs an err given as a string (redacted) instead of throwing', () => {
    const { lines, logger } = capture();
    expect(() =>
      logCallback(logger)('lease recovery failed', { err: 'error: terminating connection; GET /media/a.png?sig=abc' }),
    ).not.toThrow();
    expect(lines[0]).toMatchObject({ msg: 'lease recovery failed', err: 'error: terminating connection; GET /media/a.png?sig=[REDACTED]' });
  });

  it('still logs an Error with its type, message and stack, redacted', () => {
    const { lines, logger } = capture();
    logger.error({ err: Object.assign(new Error('fetch https://x/y?token=t0k failed'), { code: 'E1' }) }, 'boom');
    expect(lines[0].err).toMatchObject({ type: 'Error', code: 'E1', message: 'fetch https://x/y?token=[REDACTED] failed' });
    expect(lines[0].err.stack).toContain('token=[REDACTED]');
  });

  it('logs other err values (undefined, objects) as text', () => {
    const { lines, logger } = capture();
    expect(() => logger.warn({ err: undefined }, 'a')).not.toThrow();
    expect(() => logger.warn({ err: { reason: 1 } }, 'b')).not.toThrow();
    expect(lines).toHaveLength(2);
  });
});
