/** Figures the WaveSpeed and Segmind renderings of a job set both need. */
import { type Job, type JobStatus, isTerminal, jobSetStatus } from '../../domain/job.js';
import { MILLI, USD_TO_CREDITS } from '../../domain/pricing.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';

/** Reseller dialects speak dollars; credits convert at the one documented rate. */
export function milliToUsd(milli: number): number {
  return Math.round((milli / MILLI / USD_TO_CREDITS) * 1e6) / 1e6;
}

export function setStatus(set: StoredJobSet): JobStatus {
  return jobSetStatus(set.jobs);
}

export function completedJobs(set: StoredJobSet): Job[] {
  return set.jobs.filter((j) => j.status === 'completed' && j.results);
}

/** The first job error, for sets that ended without output. */
export function setError(set: StoredJobSet): string {
  return set.jobs.find((j) => j.error)?.error ?? 'Generation failed';
}

const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

/** Queue, compute and total time of a finished set in ms (null while it runs or never ran). */
export function setTimings(set: StoredJobSet): { queueMs: number; inferenceMs: number; totalMs: number } | null {
  if (!set.jobs.length || !set.jobs.every((j) => isTerminal(j.status))) return null;
  const starts = set.jobs.map((j) => ms(j.startedAt)).filter(Number.isFinite);
  const ends = set.jobs.map((j) => ms(j.finishedAt)).filter(Number.isFinite);
  if (!ends.length) return null;
  const created = ms(set.createdAt);
  const end = Math.max(...ends);
  const start = starts.length ? Math.min(...starts) : end;
  return { queueMs: Math.max(0, start - created), inferenceMs: Math.max(0, end - start), totalMs: Math.max(0, end - created) };
}

/** What the set cost after refunds, in milli-credits. */
export function chargedMilli(set: StoredJobSet): number {
  return set.jobs.filter((j) => j.status === 'completed' || !isTerminal(j.status)).reduce((s, j) => s + j.cost, 0);
}
