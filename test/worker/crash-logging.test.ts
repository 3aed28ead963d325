// A job that crashes is logged with its stack as `err` (a string): the redacting logger must
// take that as it is. Its err serializer read `.message` off the string and threw inside the
// worker's catch block, so the crashed job was never ended (it stayed in_progress until its
// lease ran out) and the line was lost.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logCallback } from '../../src/log/logger.js';
import type { JobRunner } from '../../src/worker/runner.js';
import { hfHeaders, startServer, waitFor } from '../helpers/server.js';

describe('a crashing job under the real logger', () => {
  it('ends failed, refunded, and its redacted stack is logged', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => lines.push(d.toString()));
    const crashing: JobRunner = {
      kind: 'soul',
      async run() {
        throw new Error('boom at https://x.example/m.png?sig=SIGNATURE123');
      },
    };
    const s = await startServer({ runners: [crashing], logger: createLogger({ level: 'info', stream }), config: { maxAttempts: 1 } });
    try {
      const a = await s.account(10);
      const r = await fetch(`${s.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'x' } }),
      });
      const id = ((await r.json()) as any).id;
      const job = await waitFor(async () => {
        const g = (await (await fetch(`${s.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;
        return g.jobs[0].status === 'failed' && g.jobs[0];
      }, 10_000);
      expect(job.status).toBe('failed');
      const log = lines.join('');
      expect(log).toContain('job crashed');
      expect(log).toContain('boom at https://x.example/m.png?sig=[REDACTED]');
      expect(log).not.toContain('SIGNATURE123');
      // Strings, objects and errors as `err` all go through.
      const warn = logCallback(createLogger({ level: 'info', stream }));
      expect(() => warn('plain', { err: 'fetch https://x.example/a?token=abc failed' })).not.toThrow();
      expect(() => warn('object', { err: { message: 'whsec_abc' } })).not.toThrow();
      expect(lines.join('')).toContain('fetch https://x.example/a?token=[REDACTED] failed');
      expect(lines.join('')).not.toContain('whsec_abc');
    } finally {
      await s.close();
    }
  });
});
