import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import { accountsRepo, nowIso } from '../store/repos/accounts.js';
import type { StoredJobSet } from '../store/repos/jobs.js';
import { outboxRepo } from '../store/repos/misc.js';
import { deliverWebhook, nextRetryDelay } from '../net/webhook-sender.js';
import { signStandardWebhook, signWaveSpeedWebhook } from '../net/webhook-signing.js';
import type { Config } from '../config.js';
import type { Metrics } from './metrics.js';

/** How one dialect wants the end of a job set announced. */
export interface WebhookRendering {
  body: unknown;
  headers?: Record<string, string>;
  signing?: 'standard' | 'wavespeed';
}
export type WebhookRenderer = (set: StoredJobSet) => WebhookRendering | null;

const RETRY_WINDOW_MS = 2 * 3600_000;

/**
 * Webhooks through an outbox: the row is written in the transaction that ends the job set,
 * then a delivery loop posts it, retrying with backoff for up to 2 hours, across restarts,
 * under one webhook-id.
 */
export class WebhookService {
  private readonly renderers = new Map<string, WebhookRenderer>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly metrics?: Metrics,
  ) {}

  register(dialect: string, renderer: WebhookRenderer) {
    this.renderers.set(dialect, renderer);
  }

  /** Set-finished hook: runs inside the finishing transaction. */
  readonly enqueue = async (trx: Db, set: StoredJobSet) => {
    if (!set.webhook) return;
    const render = this.renderers.get(set.webhook.dialect);
    const r = render?.(set);
    if (!r) return;
    await outboxRepo(trx).insert({
      id: randomUUID().replace(/-/g, ''),
      account_id: set.accountId,
      job_set_id: set.id,
      url: set.webhook.url,
      body: JSON.stringify(r.body),
      headers: JSON.stringify({ ...(set.webhook.secret ? { 'X-Webhook-Secret-Key': set.webhook.secret } : {}), ...r.headers }),
      signing: r.signing ?? 'standard',
      next_attempt_at: nowIso(),
    });
    // Deliver promptly once the transaction has committed.
    setImmediate(() => void this.deliverDue());
  };

  start(intervalMs = 1000) {
    this.timer = setInterval(() => void this.deliverDue(), intervalMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }

  async deliverDue(): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    let n = 0;
    try {
      const repo = outboxRepo(this.db);
      for (const row of await repo.due()) {
        n++;
        const account = await accountsRepo(this.db).get(row.account_id);
        const timestamp = Math.floor(Date.now() / 1000);
        const secret = account?.webhook_secret ?? '';
        const signature =
          row.signing === 'wavespeed'
            ? signWaveSpeedWebhook({ id: row.id, timestamp, body: row.body, secret })
            : signStandardWebhook({ id: row.id, timestamp, body: row.body, secret });
        const headers = {
          'content-type': 'application/json',
          'user-agent': 'opensoul-webhooks/1',
          ...JSON.parse(row.headers),
          'webhook-id': row.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        };
        const firstAt = row.first_attempt_at ?? nowIso();
        const res = await deliverWebhook({
          url: row.url,
          body: row.body,
          headers,
          timeoutMs: 10_000,
          fetchVia: { allowPrivate: this.config.allowPrivateUrls, allowedHosts: this.config.allowedFetchHosts },
        });
        const attempts = row.attempts + 1;
        this.metrics?.webhookDeliveries.inc({ outcome: res.ok ? 'delivered' : 'failed' });
        if (res.ok) {
          await repo.update(row.id, { state: 'delivered', attempts, first_attempt_at: firstAt, delivered_at: nowIso(), last_status: res.status ?? null, last_error: null });
          continue;
        }
        const delay = nextRetryDelay(attempts);
        const next = Date.now() + (delay ?? 0);
        const dead = delay === null || next - Date.parse(firstAt) > RETRY_WINDOW_MS;
        await repo.update(row.id, {
          state: dead ? 'dead' : 'pending',
          attempts,
          first_attempt_at: firstAt,
          next_attempt_at: new Date(next).toISOString(),
          last_status: res.status ?? null,
          last_error: res.error ?? `HTTP ${res.status}`,
        });
      }
    } finally {
      this.busy = false;
    }
    return n;
  }

  deliveries(jobSetId: string) {
    return outboxRepo(this.db).forJobSet(jobSetId);
  }
}
