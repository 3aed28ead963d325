import type { FieldIssue } from '../domain/errors.js';
import { FieldReader } from '../domain/fields.js';
import { JOB_KINDS, WIRE_STATUSES, type JobKind, type JobStatus } from '../domain/job.js';
import { nowIso } from '../util/now.js';
import type { SetListCursor, StoredJobSet } from '../store/repos/jobs.js';
import type { GenerationService } from './generation.js';

export interface SetListQuery {
  limit: number;
  cursor: SetListCursor | null;
  kind?: JobKind;
  status?: JobStatus;
}

export const SET_LIST_DEFAULT_LIMIT = 20;
export const SET_LIST_MAX_LIMIT = 100;

/**
 * The cursor is opaque to clients: the (created_at, id) of the last set of the page, as
 * base64url JSON. Keyset paging stays exact while new sets arrive (no skipped or repeated
 * rows, unlike an offset) and costs one index seek however deep the page.
 */
export function encodeSetCursor(c: SetListCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

export function decodeSetCursor(raw: string): SetListCursor | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(raw)) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
    if (Number.isNaN(Date.parse(v[0])) || v[1].length === 0 || v[1].length > 200) return null;
    return { createdAt: v[0], id: v[1] };
  } catch {
    return null;
  }
}

/** `?limit=&cursor=&kind=&status=` read as FastAPI would: every bad parameter in one 422. */
export function readSetListQuery(query: Record<string, unknown>): SetListQuery {
  const present = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''));
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(present, ['query'], issues)!;
  const limit = r.number('limit', { int: true, min: 1, max: SET_LIST_MAX_LIMIT });
  const kind = r.literal('kind', JOB_KINDS);
  const status = r.literal('status', WIRE_STATUSES);
  const rawCursor = r.string('cursor');
  let cursor: SetListCursor | null = null;
  if (rawCursor !== undefined) {
    cursor = decodeSetCursor(rawCursor);
    if (!cursor) r.fail('cursor', 'Value error, not a cursor this server issued (use next_cursor of the previous page)', rawCursor);
  }
  r.throwIfInvalid();
  return { limit: limit ?? SET_LIST_DEFAULT_LIMIT, cursor, kind, status };
}

/** One page of the account's job sets, newest first; next_cursor is null on the last page. */
export async function listJobSets(
  generation: GenerationService,
  accountId: string,
  q: SetListQuery,
): Promise<{ items: StoredJobSet[]; nextCursor: string | null }> {
  // One row more than asked tells whether another page exists without a count.
  const rows = await generation.listSets(accountId, {
    limit: q.limit + 1,
    kind: q.kind,
    status: q.status,
    cursor: q.cursor,
    visibleAt: nowIso(),
  });
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > q.limit && last ? encodeSetCursor({ createdAt: last.createdAt, id: last.id }) : null };
}
