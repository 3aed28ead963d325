import type { Job, JobKind } from '../domain/job.js';

/**
 * A queued row as dispatch sees it: enough to order and dedupe, never the job's input.
 * `attempts` is the row's claim count while queued; it changes only through a claim, so
 * (id, attempts) names one stay in the queue.
 */
export interface QueuedRef {
  id: string;
  kind: JobKind;
  priority: number;
  attempts: number;
}

/** Why a delivered id was not claimed: ended, running or canceled, or a kind this process has no runner for. */
export type ClaimMiss = 'not_queued' | 'other_kind';

/** What a WorkerPool offers a claim source: claiming (guarded UPDATEs) and running a claimed job. */
export interface Claimer {
  /** Process-unique prefix for lease owners. */
  readonly id: string;
  /** Next job by priority then FIFO (lease loops). */
  claimNext(workerId: string): Promise<Job | undefined>;
  /** Exactly this row, when it is still queued (delivered ids). */
  claimById(id: string, workerId: string): Promise<Job | ClaimMiss>;
  /** Runs a claimed job to its end (WorkerPool.runJob); never rejects for job failures. */
  run(job: Job, workerId: string): Promise<void>;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** How a worker process receives work. */
export interface ClaimSource {
  start(claimer: Claimer, concurrency: number): void;
  /** Stop taking work; resolves once every run in progress has returned. */
  stop(): Promise<void>;
  /** Concurrent slots started. */
  readonly slots: number;
}

/**
 * The dispatch layer between the queue of record (the jobs table) and workers. The database
 * stays the source of truth for job state, charges and refunds; a dispatcher only tells
 * workers that a row is (again) queued.
 */
export interface Dispatcher {
  readonly kind: 'db' | 'bullmq';
  /**
   * True when dispatch is the jobs table itself; false when it lives elsewhere and can be lost
   * (then workers periodically re-announce the head of the queue; announcing is idempotent).
   */
  readonly durable: boolean;
  /** Rows just committed as queued (submit, lease recovery, drain). Never rejects. */
  announce(jobs: QueuedRef[]): Promise<void>;
  /** A claim source for this process's WorkerPool. */
  claimSource(): ClaimSource;
  close(): Promise<void>;
}
