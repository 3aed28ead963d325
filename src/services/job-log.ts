import type { Job, JobStatus } from '../domain/job.js';
import type { Logger } from '../log/logger.js';

/** The identifying fields every lifecycle line carries, named as operators grep for them. */
interface JobRef {
  id: string;
  jobSetId: string;
  accountId: string;
  kind?: string;
}

const KNOWN_SETS = 2048;

/**
 * One info line per step of a job's life: submitted, started, progress at quarters, ended
 * (completed with its duration, failed with its reason, nsfw, canceled), refunded, and each
 * webhook attempt. Every line names the job set, the job, the account and the dialect.
 */
export class JobLifecycleLog {
  /** Set id to dialect, so a worker's lines need not read the set again for every job. */
  private readonly dialects = new Map<string, string>();
  /** Last quarter logged per running job. */
  private readonly quarters = new Map<string, number>();

  constructor(
    readonly logger: Logger,
    private readonly lookupDialect: (jobSetId: string) => Promise<string | undefined> = async () => undefined,
  ) {}

  rememberDialect(jobSetId: string, dialect: string) {
    if (this.dialects.size >= KNOWN_SETS) this.dialects.delete(this.dialects.keys().next().value!);
    this.dialects.set(jobSetId, dialect);
  }

  /** The dialect of a set; a failed lookup only makes the line say `unknown`. */
  async dialectOf(jobSetId: string): Promise<string> {
    const known = this.dialects.get(jobSetId);
    if (known) return known;
    const found = await this.lookupDialect(jobSetId).catch(() => undefined);
    if (found) this.rememberDialect(jobSetId, found);
    return found ?? 'unknown';
  }

  private fields(job: JobRef, dialect: string) {
    return { job_set_id: job.jobSetId, job_id: job.id, account_id: job.accountId, dialect, ...(job.kind ? { kind: job.kind } : {}) };
  }

  submitted(jobs: JobRef[], dialect: string, model: string) {
    if (jobs[0]) this.rememberDialect(jobs[0].jobSetId, dialect);
    if (!this.logger.isLevelEnabled('info')) return;
    for (const job of jobs) this.logger.info({ event: 'job.submitted', ...this.fields(job, dialect), model }, 'job submitted');
  }

  async started(job: Job) {
    if (!this.logger.isLevelEnabled('info')) return;
    this.quarters.set(job.id, 0);
    this.logger.info(
      { event: 'job.started', ...this.fields(job, await this.dialectOf(job.jobSetId)), attempt: job.attempts },
      'job started',
    );
  }

  /** Logged when progress crosses 25, 50 and 75 %: coarse enough for a log, fine enough to see a stuck job. */
  async progress(job: Job, step: number, total: number) {
    if (total <= 0 || step >= total || !this.logger.isLevelEnabled('info')) return;
    const quarter = Math.floor((step / total) * 4);
    if (quarter <= (this.quarters.get(job.id) ?? 0)) return;
    this.quarters.set(job.id, quarter);
    const percent = Math.round((step / total) * 100);
    this.logger.info(
      { event: 'job.progress', ...this.fields(job, await this.dialectOf(job.jobSetId)), step, total, percent },
      `job progress ${percent}%`,
    );
  }

  /** After the commit that ended a job. `durationMs` is from start; null for a job that never started. */
  ended(
    job: JobRef,
    dialect: string,
    status: JobStatus,
    detail: { error?: string | null; durationMs: number | null; refundedMilli: number },
  ) {
    this.quarters.delete(job.id);
    const f = this.fields(job, dialect);
    const duration = detail.durationMs === null ? {} : { duration_ms: Math.round(detail.durationMs) };
    if (status === 'completed') this.logger.info({ event: 'job.completed', ...f, ...duration }, 'job completed');
    else if (status === 'failed')
      this.logger.warn({ event: 'job.failed', ...f, ...duration, reason: detail.error ?? 'unknown' }, 'job failed');
    else this.logger.info({ event: `job.${status}`, ...f, ...duration, reason: detail.error ?? undefined }, `job ${status}`);
    if (detail.refundedMilli > 0) this.logger.info({ event: 'job.refunded', ...f, credits: detail.refundedMilli / 1000 }, 'job refunded');
  }

  async webhook(
    delivery: { jobSetId: string; accountId: string; webhookId: string; attempts: number },
    result: { ok: boolean; status?: number; error?: string; final: boolean },
  ) {
    if (!this.logger.isLevelEnabled('info')) return;
    const base = {
      job_set_id: delivery.jobSetId,
      account_id: delivery.accountId,
      dialect: await this.dialectOf(delivery.jobSetId),
      webhook_id: delivery.webhookId,
      attempt: delivery.attempts,
      http_status: result.status,
    };
    if (result.ok) this.logger.info({ event: 'webhook.delivered', ...base }, 'webhook delivered');
    else
      this.logger.warn(
        { event: 'webhook.failed', ...base, reason: result.error ?? `HTTP ${result.status}`, will_retry: !result.final },
        result.final ? 'webhook failed; giving up' : 'webhook failed; will retry',
      );
  }
}
