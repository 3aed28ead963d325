/** The one domain model of work, shared by every wire dialect. */

/**
 * `waiting`: a job that must not run before the other jobs of its set end (a video series'
 * concatenation). Never claimed; GenerationService.finishJob queues it, or ends it refunded, in
 * the transaction that ends the set's last other job. Every wire dialect shows it as queued.
 */
export const JOB_STATUSES = ['queued', 'waiting', 'in_progress', 'completed', 'failed', 'nsfw', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The statuses clients see, of a job or a set (`waiting` shows as queued). */
export const WIRE_STATUSES = ['queued', 'in_progress', 'completed', 'failed', 'nsfw', 'canceled'] as const;

/** A job's status as the wire dialects name it: `waiting` is queued to every client. */
export function wireJobStatus(status: JobStatus): Exclude<JobStatus, 'waiting'> {
  return status === 'waiting' ? 'queued' : status;
}

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'nsfw', 'canceled']);
/** Statuses after which the job's price goes back to the account. */
export const REFUNDED_STATUSES: ReadonlySet<JobStatus> = new Set(['failed', 'nsfw', 'canceled']);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** What a job does; each kind has one runner in src/worker/runners. */
export const JOB_KINDS = ['soul', 'dop', 'soul_id', 'series_clip', 'series_concat'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Wire `type` of a job set (Higgsfield v1 names). */
export const JOB_SET_TYPES = [
  'text2image_soul',
  'text2image_popcorn',
  'social_carousel',
  'social_video_series',
  'image2video',
  'soul_id',
] as const;
export type JobSetType = (typeof JOB_SET_TYPES)[number];

export interface MediaRef {
  type: 'image' | 'video';
  /** Storage key of the blob; surfaces turn it into a signed URL. */
  key: string;
  contentType: string;
  width?: number;
  height?: number;
}

export interface JobResults {
  raw: MediaRef;
  min: MediaRef;
  /** A still frame of a video job. */
  poster?: MediaRef;
  /** The image with its overlay copy drawn on (carousel slides). */
  overlay?: MediaRef;
}

export interface Job {
  id: string;
  jobSetId: string;
  accountId: string;
  kind: JobKind;
  index: number;
  status: JobStatus;
  priority: number;
  /** Runner input: the normalised request plus per-job fields (seed of this image, ...). */
  input: Record<string, unknown>;
  results: JobResults | null;
  error: string | null;
  /** Credits this job cost at submit; refunded exactly on failed, nsfw, canceled. */
  cost: number;
  progress: { step: number; total: number } | null;
  /** Extra figures the runner reports (identity_score, seed, timings). */
  extras: Record<string, unknown>;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobSet {
  id: string;
  accountId: string;
  type: JobSetType;
  /** Which model the caller asked for, e.g. "higgsfield-ai/soul/standard". */
  model: string;
  /** The dialect that submitted it; decides e.g. result retention for Segmind. */
  dialect: string;
  inputParams: Record<string, unknown>;
  jobs: Job[];
  createdAt: string;
}

/** The status of a whole set, as v2 and the reseller dialects report one. */
export function jobSetStatus(jobs: Pick<Job, 'status'>[]): JobStatus {
  if (jobs.length === 0) return 'failed';
  const s = jobs.map((j) => wireJobStatus(j.status));
  if (s.every((x) => x === 'queued')) return 'queued';
  if (s.some((x) => x === 'queued' || x === 'in_progress')) return 'in_progress';
  if (s.some((x) => x === 'completed')) return 'completed';
  if (s.some((x) => x === 'nsfw')) return 'nsfw';
  if (s.every((x) => x === 'canceled')) return 'canceled';
  return 'failed';
}

/**
 * What a set cost, in milli-credits: charged at submit (the sum of its jobs' prices) and given
 * back so far (each job ended failed, nsfw or canceled is refunded exactly its price).
 */
export function setMoney(jobs: Pick<Job, 'status' | 'cost'>[]): { chargedMilli: number; refundedMilli: number } {
  let chargedMilli = 0;
  let refundedMilli = 0;
  for (const j of jobs) {
    chargedMilli += j.cost;
    if (REFUNDED_STATUSES.has(j.status)) refundedMilli += j.cost;
  }
  return { chargedMilli, refundedMilli };
}

/** The first job error of a set, or null. */
export function setFirstError(jobs: Pick<Job, 'error'>[]): string | null {
  return jobs.find((j) => j.error)?.error ?? null;
}
