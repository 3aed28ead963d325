import { type JobStatus, isTerminal } from '../domain/job.js';
import type { StoredJobSet } from '../store/repos/jobs.js';

/** What a set's event stream sends; every event carries the set's version as its id. */
export type SetStreamEvent =
  | { event: 'status' | 'done'; id: number; set: StoredJobSet }
  | { event: 'progress'; id: number; jobId: string; step: number; total: number };

/**
 * Which events a reader of one set still needs, given each fresh read of the set. The set's
 * `version` grows with every committed change, so it is the event id: ids only grow, across
 * connections too, and a client resuming with Last-Event-ID N gets only changes after N. No
 * event log is kept: a resume gets the current state as one `status` event (progress it missed
 * is folded into the job bodies), then live events. A set that has ended always answers `done`,
 * whatever the client saw, so the end state is never lost.
 */
export class SetStreamCursor {
  private sent: number;
  private primed = false;
  private readonly statuses = new Map<string, JobStatus>();
  private readonly progress = new Map<string, string>();

  constructor(private readonly lastEventId: number | null) {
    this.sent = lastEventId ?? -1;
  }

  /** Events for this read, in order; `ended` once `done` is among them. */
  next(set: StoredJobSet): { events: SetStreamEvent[]; ended: boolean } {
    const id = set.version;
    // An id this set never issued (ahead of it): the client's state is unknown, send it all.
    if (!this.primed && this.lastEventId !== null && this.lastEventId > id) this.sent = -1;
    const events: SetStreamEvent[] = [];
    const ended = set.jobs.every((j) => isTerminal(j.status));
    if (id > this.sent) {
      const statusChanged = !this.primed || set.jobs.some((j) => this.statuses.get(j.id) !== j.status);
      if (statusChanged) events.push({ event: 'status', id, set });
      else {
        for (const j of set.jobs) {
          if (j.progress && this.progress.get(j.id) !== key(j.progress))
            events.push({ event: 'progress', id, jobId: j.id, step: j.progress.step, total: j.progress.total });
        }
      }
      this.sent = id;
    }
    if (ended) events.push({ event: 'done', id, set });
    for (const j of set.jobs) {
      this.statuses.set(j.id, j.status);
      this.progress.set(j.id, j.progress ? key(j.progress) : '');
    }
    this.primed = true;
    return { events, ended };
  }
}

const key = (p: { step: number; total: number }) => `${p.step}/${p.total}`;

/** Last-Event-ID as this server issues them (a version number); anything else is no resume. */
export function parseLastEventId(raw: string | string[] | undefined): number | null {
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (!v || !/^\d{1,15}$/.test(v.trim())) return null;
  return Number(v.trim());
}
