import type { EventEmitter } from 'node:events';
import type { Job } from '../domain/job.js';
import type { Claimer, ClaimSource, Dispatcher } from './dispatch-types.js';

/** Idle loops re-check the table this often: the only way work committed by another process is seen. */
const POLL_MS = 500;

/**
 * The jobs table is the queue: announcing wakes this process's idle loops at once; other
 * processes find the work on their next poll.
 */
export function dbDispatcher(wake: EventEmitter): Dispatcher {
  return {
    kind: 'db',
    durable: true,
    async announce() {
      wake.emit('work');
    },
    claimSource: () => new LeaseLoops(wake),
    async close() {},
  };
}

/** N loops, each claiming the next job (priority, then FIFO) with one guarded UPDATE. */
export class LeaseLoops implements ClaimSource {
  private loops: Promise<void>[] = [];
  private stopping = false;
  private idleWake: (() => void) | null = null;
  private readonly onWork = () => this.idleWake?.();

  constructor(
    private readonly wake: EventEmitter,
    private readonly pollMs = POLL_MS,
  ) {}

  get slots(): number {
    return this.loops.length;
  }

  start(claimer: Claimer, count: number) {
    this.wake.on('work', this.onWork);
    for (let i = 0; i < count; i++) this.loops.push(this.loop(claimer, `${claimer.id}-${i}`));
  }

  async stop() {
    this.stopping = true;
    this.idleWake?.();
    this.wake.off('work', this.onWork);
    await Promise.all(this.loops);
  }

  private async waitForWork(ms: number) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      const prev = this.idleWake;
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.idleWake = () => {
        prev?.();
        done();
      };
    });
    this.idleWake = null;
  }

  private async loop(claimer: Claimer, workerId: string) {
    while (!this.stopping) {
      let job: Job | undefined;
      try {
        job = await claimer.claimNext(workerId);
      } catch (e) {
        claimer.log?.('claim failed', { err: String(e) });
      }
      if (!job) {
        await this.waitForWork(this.pollMs);
        continue;
      }
      await claimer.run(job, workerId);
    }
  }
}
