import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '../domain/job.js';
import type { StoredJobSet } from '../store/repos/jobs.js';
import { SetStreamCursor, parseLastEventId } from './set-stream.js';

function set(version: number, jobs: [JobStatus, number?][]): StoredJobSet {
  return {
    id: 's',
    accountId: 'a',
    type: 'text2image_soul',
    model: 'soul',
    dialect: 'higgsfield',
    inputParams: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    webhook: null,
    finishedAt: null,
    visibleUntil: null,
    kind: 'soul',
    indexedStatus: 'queued',
    version,
    jobs: jobs.map(
      ([status, step], i) => ({ id: `j${i}`, status, progress: step === undefined ? null : { step, total: 10 } }) as unknown as Job,
    ),
  };
}
const names = (r: { events: { event: string; id: number }[] }) => r.events.map((e) => `${e.event}@${e.id}`);

describe('SetStreamCursor', () => {
  it('sends the state first, then progress as its own events, status on a status change, done at the end', () => {
    const c = new SetStreamCursor(null);
    expect(names(c.next(set(1, [['queued'], ['queued']])))).toEqual(['status@1']);
    expect(names(c.next(set(1, [['queued'], ['queued']])))).toEqual([]);
    expect(names(c.next(set(2, [['in_progress'], ['queued']])))).toEqual(['status@2']);
    expect(c.next(set(3, [['in_progress', 4], ['queued']])).events).toEqual([
      { event: 'progress', id: 3, jobId: 'j0', step: 4, total: 10 },
    ]);
    // A version bump with nothing visible (the same step written again) sends nothing.
    expect(names(c.next(set(4, [['in_progress', 4], ['queued']])))).toEqual([]);
    expect(
      names(
        c.next(
          set(6, [
            ['in_progress', 6],
            ['in_progress', 1],
          ]),
        ),
      ),
    ).toEqual(['status@6']);
    const end = c.next(
      set(9, [
        ['completed', 10],
        ['failed', 1],
      ]),
    );
    expect(names(end)).toEqual(['status@9', 'done@9']);
    expect(end.ended).toBe(true);
  });

  it('resumes after Last-Event-ID: the whole state once if anything changed, nothing if not', () => {
    expect(names(new SetStreamCursor(5).next(set(5, [['in_progress', 3]])))).toEqual([]);
    expect(names(new SetStreamCursor(5).next(set(7, [['in_progress', 5]])))).toEqual(['status@7']);
    // An id ahead of the set was not issued by it: no resume.
    expect(names(new SetStreamCursor(50).next(set(7, [['in_progress', 5]])))).toEqual(['status@7']);
  });

  it('always ends with done on an ended set, even when the client saw its last id', () => {
    const r = new SetStreamCursor(9).next(set(9, [['completed', 10]]));
    expect(names(r)).toEqual(['done@9']);
    expect(r.ended).toBe(true);
  });

  it('reads Last-Event-ID only as a version number', () => {
    expect(parseLastEventId('12')).toBe(12);
    expect(parseLastEventId([' 3 '])).toBe(3);
    for (const bad of [undefined, '', 'abc', '-1', '1.5', '1e3', '9'.repeat(20)]) expect(parseLastEventId(bad)).toBeNull();
  });
});
