import type SQLite from 'better-sqlite3';
import type { Db, JobRowFields, JobSetsTable } from './schema.js';

/**
 * The status poll's read on embedded SQLite, straight on better-sqlite3 in raw (array) mode.
 * Building one object per row with ~25 named keys was most of a poll's cost; arrays of the
 * columns a job set needs are several times cheaper. Kysely stays the path for everything else.
 */
const SET_COLUMNS = [
  'id',
  'account_id',
  'type',
  'model',
  'dialect',
  'input_params',
  'webhook',
  'created_at',
  'finished_at',
  'visible_until',
  'kind',
  'status',
  'version',
] as const;
const JOB_COLUMNS = [
  'id',
  'job_set_id',
  'account_id',
  'kind',
  'idx',
  'status',
  'priority',
  'input',
  'results',
  'error',
  'cost_milli',
  'progress_step',
  'progress_total',
  'extras',
  'attempts',
  'created_at',
  'started_at',
  'finished_at',
] as const;

const select = `select ${SET_COLUMNS.map((c) => `s.${c}`).join(', ')}, ${JOB_COLUMNS.map((c) => `j.${c}`).join(', ')} from job_sets s left join jobs j on j.job_set_id = s.id`;

export interface SetRows {
  set: JobSetsTable;
  jobs: JobRowFields[];
}

export interface SetReader {
  /** Null when the connection is inside a transaction: its uncommitted rows must not leak. */
  read(id: string, accountId?: string): SetRows | undefined | null;
}

function toRecord<K extends string>(cols: readonly K[], row: unknown[], offset: number): Record<K, unknown> {
  const out = {} as Record<K, unknown>;
  for (let i = 0; i < cols.length; i++) out[cols[i]] = row[offset + i];
  return out;
}

/** Bounds the memory of the read cache; it empties on every commit anyway. */
const MAX_CACHED_SETS = 4096;

/**
 * Polls repeat far more often than anything changes, so the rows of a read are kept until the
 * next commit to the database by anyone: `total_changes()` counts this connection's writes,
 * `data_version` moves when another connection (an `opensoul worker`, the CLI) commits. Both
 * are checked on every read, so a cached answer is never older than the last commit.
 */
export function sqliteSetReader(sqlite: SQLite.Database): SetReader {
  const byId = sqlite.prepare(`${select} where s.id = ? order by j.idx`).raw(true);
  const byOwner = sqlite.prepare(`${select} where s.id = ? and s.account_id = ? order by j.idx`).raw(true);
  const ownChanges = sqlite.prepare('select total_changes()').pluck();
  const othersChanges = sqlite.prepare('pragma data_version').pluck();
  const jobOffset = SET_COLUMNS.length;
  const cache = new Map<string, unknown[][]>();
  let seenOwn = -1;
  let seenOthers = -1;

  function rowsOf(id: string, accountId: string | undefined): unknown[][] {
    const own = ownChanges.get() as number;
    const others = othersChanges.get() as number;
    if (own !== seenOwn || others !== seenOthers || cache.size >= MAX_CACHED_SETS) {
      cache.clear();
      seenOwn = own;
      seenOthers = others;
    }
    const key = accountId === undefined ? id : `${id}\u0000${accountId}`;
    let rows = cache.get(key);
    if (!rows) {
      rows = (accountId === undefined ? byId.all(id) : byOwner.all(id, accountId)) as unknown[][];
      cache.set(key, rows);
    }
    return rows;
  }

  return {
    read(id, accountId) {
      // Kysely's transactions await between statements on this same connection.
      if (sqlite.inTransaction) return null;
      const rows = rowsOf(id, accountId);
      if (!rows.length) return undefined;
      // Fresh objects on every read: callers may keep or change what they get.
      const set = toRecord(SET_COLUMNS, rows[0], 0) as unknown as JobSetsTable;
      const jobs: JobRowFields[] = [];
      for (const r of rows) if (r[jobOffset] !== null) jobs.push(toRecord(JOB_COLUMNS, r, jobOffset) as unknown as JobRowFields);
      return { set, jobs };
    },
  };
}

/** Readers by Kysely handle: transactions get other handles, so they never see the fast path. */
const readers = new WeakMap<Db, SetReader>();

export function registerSetReader(db: Db, reader: SetReader) {
  readers.set(db, reader);
}

export function setReaderFor(db: Db): SetReader | undefined {
  return readers.get(db);
}

// Keeps the column lists honest against the schema types at compile time.
type Missing<T, L extends readonly string[]> = Exclude<keyof T, L[number]>;
const _setColumnsComplete: Missing<JobSetsTable, typeof SET_COLUMNS> extends never ? true : false = true;
const _jobColumnsComplete: Missing<JobRowFields, typeof JOB_COLUMNS> extends never ? true : false = true;
void _setColumnsComplete;
void _jobColumnsComplete;
