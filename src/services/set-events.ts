import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { redisOptions } from '../queue/redis-options.js';

/**
 * "This job set changed" nudges, from whichever process changed it (a worker's claim, progress
 * or finish, an API's cancel) to the processes streaming it (SSE). A nudge carries only the set
 * id: listeners re-read the row, which stays the truth, and they also re-read on a timer, so a
 * lost nudge delays an event but never drops it.
 */
export interface SetEventBus {
  /** After the change is committed. Never throws. */
  publish(jobSetId: string): void;
  /** Returns the unsubscribe function. */
  subscribe(jobSetId: string, listener: () => void): () => void;
  /** Listeners held now, over all sets (tests check that closed streams leave none). */
  listenerCount(): number;
  close(): Promise<void>;
}

/** Embedded: one process, nudges are in-process events. */
export class LocalSetEventBus implements SetEventBus {
  protected readonly local = new EventEmitter();
  private count = 0;

  constructor() {
    this.local.setMaxListeners(0);
  }

  publish(jobSetId: string) {
    this.local.emit(jobSetId);
  }

  subscribe(jobSetId: string, listener: () => void): () => void {
    this.local.on(jobSetId, listener);
    this.count++;
    this.onFirst(jobSetId);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.local.off(jobSetId, listener);
      this.count--;
      if (this.local.listenerCount(jobSetId) === 0) this.onLast(jobSetId);
    };
  }

  listenerCount(): number {
    return this.count;
  }

  protected onFirst(_jobSetId: string) {}
  protected onLast(_jobSetId: string) {}

  async close() {}
}

/**
 * With Redis: PUBLISH on one channel per set; each process holds one subscriber connection
 * (opened when its first stream starts) subscribed to the sets it streams, and fans a message
 * out to its local listeners. Redis pub/sub is fire-and-forget, which the row re-read covers.
 */
export class RedisSetEventBus extends LocalSetEventBus {
  private pub: Redis | null = null;
  private sub: Redis | null = null;
  private publishFailing = false;

  constructor(private readonly opts: { redisUrl: string; prefix: string; log?: (msg: string, extra?: Record<string, unknown>) => void }) {
    super();
  }

  private channel(jobSetId: string) {
    return `${this.opts.prefix}:set-events:${jobSetId}`;
  }

  override publish(jobSetId: string) {
    this.pub ??= this.connect('publisher');
    this.pub.publish(this.channel(jobSetId), '1').then(
      () => {
        this.publishFailing = false;
      },
      (e) => {
        // Once per outage: streams still see the change on their next re-read.
        if (!this.publishFailing) this.opts.log?.('set event publish failed; streams fall back to re-reading rows', { err: String(e) });
        this.publishFailing = true;
      },
    );
  }

  protected override onFirst(jobSetId: string) {
    if (!this.sub) {
      this.sub = this.connect('subscriber');
      const prefix = this.channel('');
      this.sub.on('message', (channel: string) => {
        if (channel.startsWith(prefix)) this.local.emit(channel.slice(prefix.length));
      });
    }
    this.sub.subscribe(this.channel(jobSetId)).catch((e) => this.opts.log?.('set event subscribe failed', { err: String(e) }));
  }

  protected override onLast(jobSetId: string) {
    this.sub?.unsubscribe(this.channel(jobSetId)).catch(() => {});
  }

  private connect(role: string): Redis {
    const r = new Redis({ ...redisOptions(this.opts.redisUrl), maxRetriesPerRequest: 1 });
    let warned = false;
    r.on('error', (e) => {
      if (!warned) this.opts.log?.(`set event ${role} connection failed; streams fall back to re-reading rows`, { err: String(e) });
      warned = true;
    });
    r.on('ready', () => {
      warned = false;
    });
    return r;
  }

  override async close() {
    await Promise.all([this.pub, this.sub].filter((r) => r !== null).map((r) => r.quit().catch(() => r.disconnect())));
    this.pub = this.sub = null;
  }
}
