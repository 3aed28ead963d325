import { EventEmitter } from 'node:events';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { type Job, type JobKind, type JobSetType, type JobStatus, REFUNDED_STATUSES, isTerminal, jobSetStatus } from '../domain/job.js';
import type { Db } from '../store/db.js';
import { nowIso } from '../util/now.js';
import { type JobsRepo, type SetListFilter, type StoredJobSet, type WebhookTarget, jobsRepo } from '../store/repos/jobs.js';
import { ledgerRepo } from '../store/repos/ledger.js';
import { idempotencyRepo } from '../store/repos/idempotency.js';
import { submitScope } from './submit-scope.js';
import { mediaRepo } from '../store/repos/media.js';
import { jobOutputKeys } from '../domain/output-keys.js';
import type { DbEngine } from '../store/db.js';
import type { Dispatcher, QueuedRef } from '../queue/dispatcher.js';
import { dbDispatcher } from '../queue/db-dispatcher.js';
import { silentLogger } from '../log/logger.js';
import { JobLifecycleLog } from './job-log.js';
import { LocalSetEventBus, type SetEventBus } from './set-events.js';
import type { SecretBox } from './secret-box.js';

export interface PlannedJob {
  id: string;
  input: Record<string, unknown>;
  priority: number;
  costMilli: number;
  /** Another kind than the plan's (a video series' concatenation). */
  kind?: JobKind;
  /** Held back (status `waiting`) until every other job of the set has ended; see settleWaiting. */
  waiting?: boolean;
}

/** Everything a surface decided about a request, in domain terms. */
export interface SubmitPlan {
  id: string;
  type: JobSetType;
  kind: JobKind;
  model: string;
  dialect: string;
  inputParams: Record<string, unknown>;
  jobs: PlannedJob[];
  webhook: WebhookTarget | null;
  /** Seconds the set stays readable (Segmind: 1 h); null = until deleted by retention. */
  visibleForS?: number | null;
}

export interface JobOutcome {
  status: Exclude<JobStatus, 'queued' | 'in_progress'>;
  results?: unknown;
  error?: string | null;
  extras?: Record<string, unknown>;
}

/** Called in the finishing transaction when the last job of a set ends (webhook outbox). */
export type SetFinishedHook = (db: Db, set: StoredJobSet) => Promise<void>;
/** Called after the commit that ended a job, however it ended (worker, cancel, lease recovery). */
export type JobFinishedHook = (job: FinishingJob, status: JobStatus) => void;
export type FinishingJob = Pick<Job, 'id' | 'jobSetId' | 'accountId' | 'cost' | 'kind' | 'startedAt'>;

/** The status a job must have for a transition to apply (and, for a worker's end, its lease owner). */
export type FinishFrom = { status: JobStatus | readonly JobStatus[]; workerId?: string };
const PENDING: readonly JobStatus[] = ['queued', 'waiting'];

/** Rolls a transaction back when one of several guarded transitions did not apply. */
class NotAllMoved extends Error {}

/**
 * The generation use case: submit (charge + create, one transaction), read, cancel, and the
 * end of each job (refunds, set completion). Every dialect goes through here.
 */
export class GenerationService {
  /** Wakes idle in-process workers the moment work is committed. */
  readonly wake = new EventEmitter();
  /** Tells workers a row is queued; the database stays the queue of record. */
  dispatcher: Dispatcher = dbDispatcher(this.wake);
  /** Announces every committed change of a set (status, progress) to its event streams. */
  events: SetEventBus = new LocalSetEventBus();
  private readonly setFinishedHooks: SetFinishedHook[] = [];
  private readonly jobFinishedHooks: JobFinishedHook[] = [];
  /** Lifecycle log lines (submitted, ended, refunded); silent unless the process gives it a logger. */
  lifecycle: JobLifecycleLog;

  constructor(
    private readonly db: Db,
    private readonly engine: DbEngine,
    private readonly config: Config,
    private readonly secrets: SecretBox,
  ) {
    this.wake.setMaxListeners(1000);
    this.lifecycle = new JobLifecycleLog(silentLogger());
  }

  onSetFinished(hook: SetFinishedHook) {
    this.setFinishedHooks.push(hook);
  }

  onJobFinished(hook: JobFinishedHook) {
    this.jobFinishedHooks.push(hook);
  }

  /** The jobs repository, for services and store tests; surfaces, the CLI and workers use the methods below. */
  repo(db: Db = this.db): JobsRepo {
    return jobsRepo(db, this.engine);
  }

  // ---- reads for surfaces, the CLI and workers --------------------------------------------

  /** Sets of the account still queued or running (what the in-flight limit counts). */
  inFlightCount(accountId: string): Promise<number> {
    return this.repo().countActiveSets(accountId);
  }

  /** Jobs waiting or running, by kind and status (metrics). */
  queueDepth(): Promise<{ kind: string; status: string; n: number }[]> {
    return this.repo().queueDepth();
  }

  /** One page of an account's sets, newest first, visible at `f.visibleAt`. */
  listSets(accountId: string, f: SetListFilter): Promise<StoredJobSet[]> {
    return this.repo().listSets(accountId, f);
  }

  /** The dialect that submitted a set (lifecycle log lines). */
  dialectOfSet(id: string): Promise<string | undefined> {
    return this.repo().dialectOfSet(id);
  }

  /** A job row by id, whoever owns it (a worker asking why a claim by id failed). */
  job(id: string): Promise<Job | undefined> {
    return this.repo().getJob(id);
  }

  /** An account's `kind` jobs whose input has `field` = `value` (the builds of a Soul ID character). */
  jobsByInput(accountId: string, kind: JobKind, field: string, value: string): Promise<Job[]> {
    return this.repo().jobsByInput(accountId, kind, field, value);
  }

  /** An account's set whatever its visibility window: cleaning up what it stored. */
  setForCleanup(jobSetId: string, accountId: string): Promise<StoredJobSet | undefined> {
    return this.repo().getSet(jobSetId, accountId);
  }

  /** Scrubs what a set and its jobs were asked (personal data); from `hideAt` the set reads as missing. */
  redactSet(
    jobSetId: string,
    inputParams: Record<string, unknown>,
    jobInputs: Map<string, Record<string, unknown>>,
    hideAt: string,
  ): Promise<void> {
    return this.repo().redactSet(jobSetId, inputParams, jobInputs, hideAt);
  }

  /** Operators (CLI): a set by its id or one of its jobs' ids, any account. */
  async findSetForOperator(setOrJobId: string): Promise<StoredJobSet | undefined> {
    const repo = this.repo();
    return (await repo.getSet(setOrJobId)) ?? (await repo.getSet((await repo.setIdOfJob(setOrJobId)) ?? ''));
  }

  /** Operators (CLI): recent sets, newest first, optionally one account's or only open ones. */
  async recentSets(o: { accountId?: string; open?: boolean; limit: number }): Promise<StoredJobSet[]> {
    const repo = this.repo();
    const sets: StoredJobSet[] = [];
    for (const id of await repo.recentSetIds(o)) {
      const s = await repo.getSet(id);
      if (s) sets.push(s);
    }
    return sets;
  }

  /** Extends a running job's lease; `owned` false once another worker has it, `cancel` once asked. */
  heartbeat(jobId: string, workerId: string): Promise<{ owned: boolean; cancel: boolean }> {
    return this.repo().heartbeat(jobId, workerId, this.config.leaseMs);
  }

  async submit(accountId: string, plan: SubmitPlan): Promise<StoredJobSet> {
    // Under an Idempotency-Key the set is linked to the key in its own transaction; the first
    // submit of a request that finds a link (a retry after the first process died past its commit)
    // answers that set, uncharged again.
    const scope = submitScope.getStore();
    const key = scope && scope.accountId === accountId && !scope.linked ? scope.idempotencyKey : null;
    if (key) scope!.linked = true;
    let replayed = false;
    // The answer is read inside the transaction: nothing that can fail runs after the commit, so
    // an error answer (which frees the Idempotency-Key for a retry) means nothing was submitted.
    const stored = await this.db.transaction().execute(async (trx) => {
      // Only a taken-over key can have a set already: a fresh one was free until this request.
      if (key && scope!.takenOver) {
        const prior = await idempotencyRepo(trx).committedSet(accountId, key);
        const set = prior ? await this.repo(trx).getSet(prior, accountId) : undefined;
        if (set) {
          replayed = true;
          return set;
        }
      }
      const total = plan.jobs.reduce((s, j) => s + j.costMilli, 0);
      // Charging first takes the account row lock on PostgreSQL, serialising the in-flight check.
      if (total > 0) {
        const balance = await ledgerRepo(trx).apply({
          accountId,
          deltaMilli: -total,
          reason: 'charge',
          jobSetId: plan.id,
          note: plan.model,
        });
        if (balance === null) throw new DomainError('insufficient_credits', 'Not enough credits');
      }
      const active = await this.repo(trx).countActiveSets(accountId);
      const max = this.config.maxInFlightPerAccount;
      if (active >= max) throw new DomainError('concurrency_limit', `Maximum number of concurrent requests (${max}) has been reached`);
      await this.repo(trx).insertSet({
        id: plan.id,
        accountId,
        type: plan.type,
        model: plan.model,
        dialect: plan.dialect,
        inputParams: plan.inputParams,
        // A per-request webhook secret is stored sealed; the outbox sends it opened.
        webhook: plan.webhook?.secret ? { ...plan.webhook, secret: this.secrets.seal(plan.webhook.secret) } : plan.webhook,
        visibleUntil: plan.visibleForS ? new Date(Date.now() + plan.visibleForS * 1000).toISOString() : null,
        jobs: plan.jobs.map((j, index) => ({
          id: j.id,
          kind: j.kind ?? plan.kind,
          index,
          priority: j.priority,
          input: j.input,
          costMilli: j.costMilli,
          waiting: j.waiting,
        })),
      });
      if (key) await idempotencyRepo(trx).linkSet(accountId, key, plan.id);
      return (await this.repo(trx).getSet(plan.id, accountId))!;
    });
    if (replayed) return stored;
    this.lifecycle.submitted(
      plan.jobs.map((j) => ({ id: j.id, jobSetId: plan.id, accountId, kind: j.kind ?? plan.kind })),
      plan.dialect,
      plan.model,
    );
    await this.announce(
      plan.jobs.filter((j) => !j.waiting).map((j) => ({ id: j.id, kind: j.kind ?? plan.kind, priority: j.priority, attempts: 0 })),
    );
    return stored;
  }

  /** Rows committed as queued (submit, lease recovery, drain): hand them to the dispatcher. */
  announce(jobs: QueuedRef[]): Promise<void> {
    return this.dispatcher.announce(jobs);
  }

  /**
   * Where dispatch can be lost (Redis unreachable at submit, Redis data loss), re-announce the
   * head of the queue; dispatchers dedupe, so rows already dispatched are untouched.
   */
  async redispatchQueued(olderThanMs: number, limit = 50): Promise<number> {
    if (this.dispatcher.durable) return 0;
    const refs = await this.repo().queuedHead(new Date(Date.now() - olderThanMs).toISOString(), limit);
    await this.announce(refs);
    return refs.length;
  }

  /** A set its owner may see; sets past their visibility window read as missing. */
  async get(id: string, accountId: string): Promise<StoredJobSet | undefined> {
    const set = await this.repo().getSet(id, accountId);
    if (!set) return undefined;
    if (set.visibleUntil && set.visibleUntil < nowIso()) return undefined;
    return set;
  }

  async getOrThrow(id: string, accountId: string): Promise<StoredJobSet> {
    const set = await this.get(id, accountId);
    if (!set) throw new DomainError('not_found', 'The request does not exist or belongs to another account');
    return set;
  }

  /**
   * v2 semantics: only while every job is queued; all jobs become canceled and are refunded.
   * Returns false (400 upstream) once any job has started or ended.
   */
  async cancelIfQueued(id: string, accountId: string): Promise<boolean> {
    const set = await this.getOrThrow(id, accountId);
    if (!set.jobs.every((j) => j.status === 'queued' || j.status === 'waiting')) return false;
    // All or nothing: a worker claiming one job in between rolls every cancel and refund back.
    try {
      await this.finishJobs(set.jobs, { status: PENDING }, { status: 'canceled', error: 'Canceled by the user' });
      return true;
    } catch (e) {
      if (e instanceof NotAllMoved) return false;
      throw e;
    }
  }

  /** opensoul's own v1 cancel: queued jobs end now; running ones stop at their next step. */
  async cancel(id: string, accountId: string): Promise<StoredJobSet> {
    const set = await this.getOrThrow(id, accountId);
    await this.repo().requestCancel(id);
    // Local workers stop at once; remote ones see cancel_requested on their next heartbeat.
    this.wake.emit(
      'cancel',
      set.jobs.filter((j) => j.status === 'in_progress').map((j) => j.id),
    );
    for (const j of set.jobs.filter((x) => x.status === 'queued' || x.status === 'waiting')) {
      await this.finishJob(j, { status: j.status }, { status: 'canceled', error: 'Canceled by the user' });
    }
    return (await this.get(id, accountId))!;
  }

  /**
   * The one way a job ends: guarded transition, exact refund of what this job cost, and, when it
   * was the last open job of its set, the set-finished hooks, all in one transaction.
   */
  async finishJob(job: FinishingJob, from: FinishFrom, outcome: JobOutcome): Promise<boolean> {
    try {
      await this.finishJobs([job], from, outcome);
      return true;
    } catch (e) {
      if (e instanceof NotAllMoved) return false;
      throw e;
    }
  }

  /** finishJob for several jobs in one transaction; throws NotAllMoved (nothing applied) unless every one moved. */
  private async finishJobs(jobs: FinishingJob[], from: FinishFrom, outcome: JobOutcome): Promise<void> {
    const dialects = new Map<string, string>();
    let released: QueuedRef[] = [];
    let settled: { job: FinishingJob; outcome: JobOutcome }[] = [];
    await this.db.transaction().execute(async (trx) => {
      released = [];
      settled = [];
      const repo = this.repo(trx);
      for (const job of jobs) if (!(await this.endJob(trx, job, from, outcome))) throw new NotAllMoved();
      for (const setId of new Set(jobs.map((j) => j.jobSetId))) {
        // Locks the set row first: of two jobs of one set ending at once, the second to commit
        // sees the first's status, so the set's stored status and its end are never missed.
        await repo.bumpSetVersion(setId);
        let set = await repo.getSet(setId);
        const s = set ? await this.settleWaiting(trx, set) : null;
        if (s) {
          released.push(...s.released);
          settled.push(...s.ended);
          set = await repo.getSet(setId);
        }
        if (set) dialects.set(set.id, set.dialect);
        if (set) await repo.setIndexedStatus(setId, jobSetStatus(set.jobs));
        if (set && set.jobs.every((j) => isTerminal(j.status))) {
          const first = await repo.markSetFinished(set.id);
          if (Number(first.numUpdatedRows) > 0) for (const hook of this.setFinishedHooks) await hook(trx, set);
        }
      }
    });
    for (const setId of new Set(jobs.map((j) => j.jobSetId))) this.events.publish(setId);
    if (released.length) await this.announce(released);
    const now = Date.now();
    for (const { job, outcome: o } of [...jobs.map((job) => ({ job, outcome })), ...settled]) {
      this.lifecycle.ended(job, dialects.get(job.jobSetId) ?? 'unknown', o.status, {
        error: o.error,
        durationMs: job.startedAt ? now - Date.parse(job.startedAt) : null,
        refundedMilli: REFUNDED_STATUSES.has(o.status) ? job.cost : 0,
      });
      for (const hook of this.jobFinishedHooks) hook(job, o.status);
    }
  }

  /**
   * One job's end inside the caller's transaction: the guarded transition, the exact refund of
   * what it cost when it did not complete, and its stray files expired. False when it had moved.
   */
  private async endJob(trx: Db, job: FinishingJob, from: FinishFrom, outcome: JobOutcome): Promise<boolean> {
    if (!(await this.repo(trx).finish(job.id, from, outcome))) return false;
    if (REFUNDED_STATUSES.has(outcome.status) && job.cost > 0) {
      await ledgerRepo(trx).apply({
        accountId: job.accountId,
        deltaMilli: job.cost,
        reason: 'refund',
        jobSetId: job.jobSetId,
        jobId: job.id,
        note: outcome.status,
      });
    }
    // Files an earlier run stored before its worker died belong to no result now: the
    // retention sweep deletes them on its next pass rather than after the retention period.
    if (outcome.status !== 'completed') await mediaRepo(trx).expireNow(jobOutputKeys(job.accountId, job.id));
    return true;
  }

  /**
   * Once every other job of the set has ended (same transaction), its waiting jobs become queued
   * when all of those completed, else they end unrun with their exact refund: canceled when the
   * set was canceled, failed otherwise (a video series is not concatenated from some of its clips,
   * which would come out shorter than the target). Null while nothing waits or other jobs are open.
   */
  private async settleWaiting(
    trx: Db,
    set: StoredJobSet,
  ): Promise<{ released: QueuedRef[]; ended: { job: FinishingJob; outcome: JobOutcome }[] } | null> {
    const waiting = set.jobs.filter((j) => j.status === 'waiting');
    const others = set.jobs.filter((j) => j.status !== 'waiting');
    if (!waiting.length || !others.every((j) => isTerminal(j.status))) return null;
    const repo = this.repo(trx);
    if (others.every((j) => j.status === 'completed')) return { released: await repo.queueWaiting(set.id), ended: [] };
    const bad = others.find((j) => j.status !== 'completed')!;
    const outcome: JobOutcome = others.some((j) => j.status === 'canceled')
      ? { status: 'canceled', error: 'Canceled by the user' }
      : { status: 'failed', error: `Not run: part ${bad.index + 1} of this request ended ${bad.status}` };
    const ended: { job: FinishingJob; outcome: JobOutcome }[] = [];
    for (const job of waiting) if (await this.endJob(trx, job, { status: 'waiting' }, outcome)) ended.push({ job, outcome });
    return { released: [], ended };
  }

  /**
   * After a job of the set moved outside finishJob (claimed, released, requeued): count the
   * change, store the set status for the list, announce it. Its own transaction, after the
   * job's UPDATE committed, so a stream reading the new version also reads the new job row.
   */
  private async touchSet(jobSetId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.bumpSetVersion(jobSetId);
      await repo.setIndexedStatus(jobSetId, jobSetStatus(await repo.jobStatuses(jobSetId)));
    });
    this.events.publish(jobSetId);
  }

  /** Lease the next queued job (priority, then FIFO) for a worker slot. */
  async claimNext(workerId: string, kinds?: string[]): Promise<Job | undefined> {
    return this.claimed((repo, setStatus) => repo.claim(workerId, this.config.leaseMs, kinds, setStatus));
  }

  /** Lease exactly this job if it is still queued (a dispatched id). */
  async claimById(id: string, workerId: string, kinds?: string[]): Promise<Job | undefined> {
    return this.claimed((repo, setStatus) => repo.claimById(id, workerId, this.config.leaseMs, kinds, setStatus));
  }

  /**
   * The claim marks its set as changed (version, stored status) with the lease itself, not in a
   * second transaction: a set with a job in progress is in progress whatever its other jobs are
   * (jobSetStatus), so the status is known without reading the set's jobs.
   */
  private async claimed(claim: (repo: JobsRepo, setStatus: JobStatus) => Promise<Job | undefined>): Promise<Job | undefined> {
    const job = await claim(this.repo(), jobSetStatus([{ status: 'in_progress' }]));
    if (job) this.events.publish(job.jobSetId);
    return job;
  }

  /** A draining worker gives its job back to the queue. */
  async release(job: Pick<Job, 'id' | 'jobSetId'>, workerId: string): Promise<boolean> {
    if (!(await this.repo().release(job.id, workerId))) return false;
    await this.touchSet(job.jobSetId);
    return true;
  }

  /** A worker's progress: the row and the set's version in one commit (one write, not two), then the nudge. */
  async recordProgress(job: Pick<Job, 'id' | 'jobSetId'>, workerId: string, step: number, total: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.setProgress(job.id, workerId, step, total);
      await repo.bumpSetVersion(job.jobSetId);
    });
    this.events.publish(job.jobSetId);
  }

  /**
   * Leases that ran out belong to dead workers: run the job again, or after maxAttempts end it
   * failed with its refund. Nothing stays in_progress forever and nothing is charged twice.
   */
  async recoverExpiredLeases(): Promise<{ requeued: number; failed: number }> {
    const now = nowIso();
    const requeued: QueuedRef[] = [];
    let failed = 0;
    for (const job of await this.repo().expiredLeases(now)) {
      if (job.cancelRequested) {
        // Canceled while its worker was dying: workers never claim a flagged job, so end it here.
        await this.finishJob(job, { status: 'in_progress' }, { status: 'canceled', error: 'Canceled by the user' });
      } else if (job.attempts < this.config.maxAttempts) {
        if (await this.repo().requeueExpired(job.id, now)) {
          requeued.push(job);
          await this.touchSet(job.jobSetId);
        }
      } else if (
        await this.finishJob(
          job,
          { status: 'in_progress' },
          { status: 'failed', error: `The worker running this job stopped ${job.attempts} times; giving up` },
        )
      ) {
        failed++;
      }
    }
    if (requeued.length) await this.announce(requeued.map((j) => ({ id: j.id, kind: j.kind, priority: j.priority, attempts: j.attempts })));
    return { requeued: requeued.length, failed };
  }
}
