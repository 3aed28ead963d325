/** Holding a request until its set ends (WaveSpeed and Segmind sync mode). */
import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.js';
import { isTerminal } from '../../domain/job.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';

/**
 * Resolves when a set has ended or the time is up. The set-finished hook runs inside the
 * finishing transaction, so a nudge only triggers a re-read after it; a slow poll covers a
 * commit that lands after the nudge and sets finished by another process.
 */
export class SetWaiter {
  private readonly ended = new EventEmitter();

  constructor(private readonly ctx: AppContext) {
    this.ended.setMaxListeners(0);
    ctx.generation.onSetFinished(async (_trx, set) => {
      setImmediate(() => this.ended.emit(set.id));
    });
  }

  async wait(id: string, accountId: string, timeoutMs: number, signal?: AbortSignal, pollMs = 500): Promise<StoredJobSet | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const set = await this.ctx.generation.get(id, accountId);
      if (!set || set.jobs.every((j) => isTerminal(j.status))) return set ?? null;
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return set;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.ended.off(id, done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, pollMs));
        this.ended.on(id, done);
        signal?.addEventListener('abort', done);
      });
    }
  }
}

/** Aborts when the client goes away before the answer is sent, so a held request stops waiting. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) ac.abort();
  });
  return ac.signal;
}
