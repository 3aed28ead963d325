import { randomUUID } from 'node:crypto';
import type { Db, DbEngine } from '../store/db.js';
import { accountsRepo } from '../store/repos/accounts.js';
import { nowIso } from '../util/now.js';
import type { StoredJobSet } from '../store/repos/jobs.js';
import { outboxRepo } from '../store/repos/outbox.js';
import type { OutboxTable } from '../store/schema.js';
import type { JobLifecycleLog } from './job-log.js';
import { deliverWebhook, nextRetryDelay } from '../net/webhook-sender.js';
import { signStandardWebhook, signWaveSpeedWebhook } from '../net/webhook-signing.js';
import type { Config } from '../config.js';
import type { Metrics } from './metrics.js';
import { openHeaders, sealHeaders } from './data-key.js';
import type { SecretBox } from './secret-box.js';

/** How one dialect wants the end of a job set announced. */
export interface WebhookRendering {
  body: unknown;
  headers?: Record<string, string>;
  signing?: 'standard' | 'wavespeed';
}
export type WebhookRenderer = (set: StoredJobSet) => WebhookRendering | null;

const RETRY_WINDOW_MS = 2 * 3600_000;

export interface WebhookDeliveryOptions {
  /** Deliveries in flight at once in this process; a hanging receiver holds one slot only. */
  concurrency?: number;
  /** How long a claim keeps a row from other processes; must outlast one attempt (timeoutMs). */
  leaseMs?: number;
  /** Time limit of one POST. */
  timeoutMs?: number;
}

const DELIVERY_DEFAULTS: Required<WebhookDeliveryOptions> = { concurrency: 8, leaseMs: 60_000, timeoutMs: 10_000 };

/**
 * Webhooks through an outbox: the row is written in the transaction that ends the job set,
 * then a delivery loop posts it, retrying with backoff for up to 2 hours, across restarts,
 * under one webhook-id. serve and every worker process run the loop over the same table, so a
 * row is claimed (with a lease) before it is posted: one process delivers it at a time, and a
 * row whose deliverer died is retried by another once the lease lapses.
 */
export class WebhookService {
  private readonly renderers = new Map<string, WebhookRenderer>();
  private readonly opts: Required<WebhookDeliveryOptions>;
  private readonly repo: ReturnType<typeof outboxRepo>;
  /** Names this process's claims; the counter makes each claim distinct, so only the claim that sent a row records its outcome. */
  private readonly instanceId = randomUUID().slice(0, 8);
  private claims = 0;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<number> | null = null;
  private poked = false;
  private wake: (() => void) | null = null;
  private stopped = false;
  /** Where each attempt's outcome is logged; set by the process that owns a logger. */
  lifecycle: JobLifecycleLog | null = null;

  constructor(
    private readonly db: Db,
    private readonly engine: DbEngine,
    private readonly config: Config,
    private readonly secrets: SecretBox,
    private readonly metrics?: Metrics,
    opts: WebhookDeliveryOptions = {},
  ) {
    this.opts = { ...DELIVERY_DEFAULTS, ...opts };
    this.repo = outboxRepo(db, engine);
  }

  register(dialect: string, renderer: WebhookRenderer) {
    this.renderers.set(dialect, renderer);
  }

  /** Set-finished hook: runs inside the finishing transaction. */
  readonly enqueue = async (trx: Db, set: StoredJobSet) => {
    if (!set.webhook) return;
    const render = this.renderers.get(set.webhook.dialect);
    if (!render) {
      // A wiring bug, not the caller's: say so loudly rather than lose the callback in silence.
      console.error(`[opensoul] no webhook renderer for dialect "${set.webhook.dialect}": the webhook of job set ${set.id} is not sent`);
      return;
    }
    const r = render(set);
    if (!r) return; // the dialect sends nothing for this set
    await outboxRepo(trx, this.engine).insert({
      id: randomUUID().replace(/-/g, ''),
      account_id: set.accountId,
      job_set_id: set.id,
      url: set.webhook.url,
      body: JSON.stringify(r.body),
      // The set's secret stays sealed in the outbox too (resealed if an older version stored it plain).
      headers: JSON.stringify(
        sealHeaders(this.secrets, { ...(set.webhook.secret ? { 'X-Webhook-Secret-Key': set.webhook.secret } : {}), ...r.headers }),
      ),
      signing: r.signing ?? 'standard',
      next_attempt_at: nowIso(),
    });
    // Deliver promptly once the transaction has committed.
    setImmediate(() => void this.deliverDue());
  };

  start(intervalMs = 1000) {
    this.stopped = false;
    this.timer = setInterval(() => void this.deliverDue(), intervalMs);
    this.timer.unref();
  }

  /** Claims no more rows; attempts in flight end on their own (an unrecorded one is retried after its lease). */
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopped = true;
    this.wake?.();
  }

  /**
   * One delivery pass: claims due rows into free slots (at most `concurrency` in flight) and
   * keeps refilling slots while anything is in flight, so a receiver that hangs delays only its
   * own row. A call while the pass runs starts no second pass in this process; it makes the
   * running one look for due rows again. Resolves with the attempts the pass made (0 for a
   * call absorbed by a running pass).
   */
  deliverDue(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    if (this.pass) {
      this.poked = true;
      this.wake?.();
      return Promise.resolve(0);
    }
    this.pass = this.runPass().finally(() => {
      this.pass = null;
    });
    return this.pass;
  }

  private async runPass(): Promise<number> {
    const inFlight = new Set<Promise<void>>();
    let attempts = 0;
    // Whether due rows may still be waiting: true until a claim comes back short of its limit.
    let more = true;
    for (;;) {
      const free = this.opts.concurrency - inFlight.size;
      if (!this.stopped && free > 0 && (more || this.poked)) {
        this.poked = false;
        const token = `${this.instanceId}.${++this.claims}`;
        // A failed claim (database busy or closing) is retried by the next tick.
        const rows = await this.repo.claimDue(token, this.opts.leaseMs, free).catch(() => []);
        for (const row of rows) {
          attempts++;
          const p: Promise<void> = this.attempt(row, token)
            // A failure to record leaves the claim to lapse: another pass retries the row.
            .catch(() => undefined)
            .finally(() => {
              inFlight.delete(p);
              this.wake?.();
            });
          inFlight.add(p);
        }
        more = rows.length > 0 && rows.length === free;
        continue;
      }
      if (inFlight.size === 0) break;
      // Until a slot frees up or a tick / new row asks for another look.
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return attempts;
  }

  /** One POST of a claimed row and its bookkeeping, recorded only while the claim is still ours. */
  private async attempt(row: OutboxTable, token: string): Promise<void> {
    const account = await accountsRepo(this.db).get(row.account_id);
    const timestamp = Math.floor(Date.now() / 1000);
    const firstAt = row.first_attempt_at ?? nowIso();
    let signature: string;
    let stored: Record<string, string>;
    try {
      // Start-up proved the data key is the one these were sealed with (src/services/data-key.ts);
      // a value that still does not open was changed in the database, and no retry can fix it.
      const secret = account ? this.secrets.open(account.webhook_secret) : '';
      signature =
        row.signing === 'wavespeed'
          ? signWaveSpeedWebhook({ id: row.id, timestamp, body: row.body, secret })
          : signStandardWebhook({ id: row.id, timestamp, body: row.body, secret });
      stored = openHeaders(this.secrets, JSON.parse(row.headers));
    } catch (e) {
      const error = `not sent: ${(e as Error).message}`;
      await this.repo.finishAttempt(row.id, token, {
        state: 'dead',
        attempts: row.attempts,
        first_attempt_at: firstAt,
        last_status: null,
        last_error: error,
      });
      void this.lifecycle?.webhook(
        { jobSetId: row.job_set_id, accountId: row.account_id, webhookId: row.id, attempts: row.attempts },
        { ok: false, error, final: true },
      );
      return;
    }
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'opensoul-webhooks/1',
      ...stored,
      'webhook-id': row.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    const res = await deliverWebhook({
      url: row.url,
      body: row.body,
      headers,
      timeoutMs: this.opts.timeoutMs,
      fetchVia: { allowPrivate: this.config.allowPrivateUrls, allowedHosts: this.config.allowedFetchHosts },
    });
    const attempts = row.attempts + 1;
    this.metrics?.webhookDeliveries.inc({ outcome: res.ok ? 'delivered' : 'failed' });
    const delivery = { jobSetId: row.job_set_id, accountId: row.account_id, webhookId: row.id, attempts };
    if (res.ok) {
      await this.repo.finishAttempt(row.id, token, {
        state: 'delivered',
        attempts,
        first_attempt_at: firstAt,
        delivered_at: nowIso(),
        last_status: res.status ?? null,
        last_error: null,
      });
      void this.lifecycle?.webhook(delivery, { ok: true, status: res.status, final: true });
      return;
    }
    const delay = nextRetryDelay(attempts);
    const next = Date.now() + (delay ?? 0);
    const dead = delay === null || next - Date.parse(firstAt) > RETRY_WINDOW_MS;
    await this.repo.finishAttempt(row.id, token, {
      state: dead ? 'dead' : 'pending',
      attempts,
      first_attempt_at: firstAt,
      next_attempt_at: new Date(next).toISOString(),
      last_status: res.status ?? null,
      last_error: res.error ?? `HTTP ${res.status}`,
    });
    void this.lifecycle?.webhook(delivery, { ok: false, status: res.status, error: res.error, final: dead });
  }

  deliveries(jobSetId: string) {
    return this.repo.forJobSet(jobSetId);
  }
}
