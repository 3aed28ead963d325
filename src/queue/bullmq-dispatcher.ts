import { setTimeout as sleep } from 'node:timers/promises';
import { DelayedError, PRIORITY_LIMIT, Queue, Worker } from 'bullmq';
import type { Claimer, ClaimSource, Dispatcher, QueuedRef } from './dispatch-types.js';
import { redisOptions } from './redis-options.js';

/** One BullMQ queue for every job kind: a worker process runs all kinds with one concurrency limit. */
export const QUEUE_NAME = 'jobs';
/** A submit never waits longer than this on Redis; a dispatch that did not make it is re-sent by the sweep. */
const ANNOUNCE_WAIT_MS = 2000;
/** A delivered job of a kind this process cannot run goes back for another worker after this. */
const OTHER_KIND_DELAY_MS = 1000;
/** BullMQ serves priority 1 first and un-prioritised jobs before all prioritised ones, so every job gets one. */
const PRIORITY_CENTER = 2 ** 20;

/** Ours: higher first. BullMQ's: lower first, 1..PRIORITY_LIMIT. FIFO within a priority on both sides. */
export function bullPriority(ours: number): number {
  return Math.min(PRIORITY_LIMIT, Math.max(1, PRIORITY_CENTER - Math.trunc(ours)));
}

/**
 * BullMQ job id: our job id; after the n-th claim ended back in the queue (lease recovery,
 * drain) `<id>.<n>`, because the earlier BullMQ job may still be active for a dead or draining
 * worker and an add with its id would be dropped as a duplicate.
 */
export function dispatchId(ref: Pick<QueuedRef, 'id' | 'attempts'>): string {
  return ref.attempts > 0 ? `${ref.id}.${ref.attempts}` : ref.id;
}

export interface BullmqDispatcherOptions {
  redisUrl: string;
  /** Redis key prefix, so several deployments (or test files) share one Redis. */
  prefix: string;
  log?: Claimer['log'];
}

/**
 * Dispatch through BullMQ on Redis: each queued row becomes a BullMQ job that carries only its
 * id; a worker that receives it claims exactly that row and runs it. The DB lease, heartbeat and
 * every status change stay as in embedded mode, so a lost or duplicate delivery can delay a job
 * but never run it twice or end it twice.
 */
export function bullmqDispatcher(opts: BullmqDispatcherOptions): Dispatcher {
  const connection = redisOptions(opts.redisUrl);
  const log = opts.log ?? (() => {});
  // Fail fast while Redis is unreachable: the row is committed and the sweep re-sends it.
  const queue = new Queue(QUEUE_NAME, { connection: { ...connection, enableOfflineQueue: false }, prefix: opts.prefix });
  queue.on('error', (e) => log('dispatch queue error', { err: String(e) }));
  const sources = new Set<BullmqClaimSource>();

  return {
    kind: 'bullmq',
    durable: false,
    async announce(jobs) {
      if (!jobs.length) return;
      const adds = Promise.all(
        jobs.map((j) =>
          queue.add(
            j.kind,
            { id: j.id },
            {
              jobId: dispatchId(j),
              priority: bullPriority(j.priority),
              removeOnComplete: true,
              removeOnFail: true,
              attempts: 3,
              backoff: { type: 'exponential', delay: 1000 },
            },
          ),
        ),
      );
      const timer = new AbortController();
      const outcome = await Promise.race([
        adds.then(() => 'ok' as const),
        sleep(ANNOUNCE_WAIT_MS, 'timeout' as const, { signal: timer.signal }),
      ]).catch((e: unknown) => String(e));
      timer.abort();
      if (outcome !== 'ok') log('dispatch failed; the queued-job sweep will re-send it', { jobs: jobs.map((j) => j.id), err: outcome });
      adds.catch(() => {});
    },
    claimSource() {
      const s = new BullmqClaimSource(connection, opts.prefix, log);
      sources.add(s);
      return s;
    },
    async close() {
      await Promise.all([...sources].map((s) => s.stop()));
      await queue.close();
    },
  };
}

class BullmqClaimSource implements ClaimSource {
  private worker: Worker | null = null;
  private concurrency = 0;

  constructor(
    private readonly connection: ReturnType<typeof redisOptions>,
    private readonly prefix: string,
    private readonly log: NonNullable<Claimer['log']>,
  ) {}

  get slots(): number {
    return this.concurrency;
  }

  start(claimer: Claimer, concurrency: number) {
    this.concurrency = concurrency;
    let runs = 0;
    this.worker = new Worker<{ id: string }, 'ran' | 'skipped'>(
      QUEUE_NAME,
      async (delivery, token) => {
        // One lease owner per claim: a late run of an earlier claim can never touch this one.
        const workerId = `${claimer.id}-${++runs}`;
        const claimed = await claimer.claimById(delivery.data.id, workerId);
        if (claimed === 'other_kind') {
          await delivery.moveToDelayed(Date.now() + OTHER_KIND_DELAY_MS, token);
          throw new DelayedError();
        }
        // Canceled, already running elsewhere or ended: a duplicate or stale delivery.
        if (claimed === 'not_queued') return 'skipped';
        await claimer.run(claimed, workerId);
        return 'ran';
      },
      { connection: this.connection, prefix: this.prefix, concurrency },
    );
    this.worker.on('error', (e) => this.log('dispatch worker error', { err: String(e) }));
    this.worker.on('failed', (j, e) => this.log('dispatch delivery failed', { job: j?.data.id, err: String(e) }));
  }

  async stop() {
    // Not forced: BullMQ waits for the runs in progress, which the pool ends or drains.
    await this.worker?.close();
  }
}
