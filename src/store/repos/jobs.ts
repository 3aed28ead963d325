import { type RawBuilder, sql } from 'kysely';
import { prepared } from '../prepared.js';
import type { Job, JobKind, JobSet, JobSetType, JobStatus } from '../../domain/job.js';
import type { Db, DbEngine } from '../db.js';
import type { JobRowFields, JobsTable, JobSetsTable } from '../schema.js';
import { setReaderFor } from '../sqlite-set-reader.js';
import { nowIso } from '../../util/now.js';

export interface WebhookTarget {
  url: string;
  /** v1's shared secret, echoed as X-Webhook-Secret-Key. */
  secret?: string | null;
  /** Which surface renders the body ('higgsfield-v1', 'higgsfield-v2', 'wavespeed', ...). */
  dialect: string;
}

export interface NewJob {
  id: string;
  kind: JobKind;
  index: number;
  priority: number;
  input: Record<string, unknown>;
  costMilli: number;
  /** `waiting`: held back until the set's other jobs end (default queued). */
  waiting?: boolean;
}

export interface NewJobSet {
  id: string;
  accountId: string;
  type: JobSetType;
  model: string;
  dialect: string;
  inputParams: Record<string, unknown>;
  webhook: WebhookTarget | null;
  visibleUntil: string | null;
  jobs: NewJob[];
}

export function rowToJob(r: JobRowFields): Job {
  const job: Omit<Job, 'input'> = {
    id: r.id,
    jobSetId: r.job_set_id,
    accountId: r.account_id,
    kind: r.kind as JobKind,
    index: r.idx,
    status: r.status as JobStatus,
    priority: r.priority,
    results: r.results ? JSON.parse(r.results) : null,
    error: r.error,
    cost: Number(r.cost_milli),
    progress: r.progress_total ? { step: r.progress_step ?? 0, total: r.progress_total } : null,
    extras: r.extras === '{}' ? {} : JSON.parse(r.extras),
    attempts: r.attempts,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
  // Runner input is only read by workers; status polls never pay for parsing it.
  let input: Record<string, unknown> | undefined;
  return Object.defineProperty(job, 'input', { enumerable: true, get: () => (input ??= JSON.parse(r.input)) }) as Job;
}

/** Set columns joined to its jobs: the status-poll hot path reads both in one query. */
function setSelect(db: Db) {
  return db
    .selectFrom('job_sets as s')
    .leftJoin('jobs as j', 'j.job_set_id', 's.id')
    .selectAll('j')
    .select([
      's.id as set_id',
      's.account_id as set_account_id',
      's.type',
      's.model',
      's.dialect',
      's.input_params',
      's.webhook',
      's.created_at as set_created_at',
      's.finished_at as set_finished_at',
      's.visible_until',
      's.kind as set_kind',
      's.status as set_status',
      's.version',
    ]);
}

/** Compiled once per SQL dialect: the text depends only on the dialect, not on the handle. */
function compileHotQueries(db: Db) {
  return {
    setById: prepared((id: string) => setSelect(db).where('s.id', '=', id).orderBy('j.idx')),
    setOfAccount: prepared((id: string, accountId: string) =>
      setSelect(db).where('s.id', '=', id).where('s.account_id', '=', accountId).orderBy('j.idx'),
    ),
  };
}
const hotQueries: Partial<Record<DbEngine, ReturnType<typeof compileHotQueries>>> = {};

export interface StoredJobSet extends JobSet {
  webhook: WebhookTarget | null;
  finishedAt: string | null;
  visibleUntil: string | null;
  kind: JobKind;
  /**
   * The set status as stored for the list's index. It can trail the jobs for an instant after
   * a claim (it is written right after, not in the claiming UPDATE): render from `jobs`.
   */
  indexedStatus: JobStatus;
  /** Bumped on every job status change and progress write: the set's event id. */
  version: number;
}

export interface SetListFilter {
  limit: number;
  kind?: JobKind;
  status?: JobStatus;
  cursor?: SetListCursor | null;
  /** Sets hidden before this time (visible_until) are left out, as reads treat them. */
  visibleAt: string;
}

/** Where a page of the job-set list starts: strictly older than this (created_at, id). */
export interface SetListCursor {
  createdAt: string;
  id: string;
}

function rowToSet(r: JobSetsTable, jobs: Job[]): StoredJobSet {
  return {
    id: r.id,
    accountId: r.account_id,
    type: r.type as JobSetType,
    model: r.model,
    dialect: r.dialect,
    inputParams: JSON.parse(r.input_params),
    webhook: r.webhook ? JSON.parse(r.webhook) : null,
    jobs,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    visibleUntil: r.visible_until,
    kind: r.kind as JobKind,
    indexedStatus: r.status as JobStatus,
    version: Number(r.version),
  };
}

const ACTIVE: JobStatus[] = ['queued', 'waiting', 'in_progress'];

export function jobsRepo(db: Db, engine: DbEngine) {
  // The queue's partial index (migration 0006) holds claimable rows in claim order. SQLite's
  // planner prefers a (status …) index plus a sort once ANALYZE has run, so it is named there;
  // the conditions stay literals because a partial index only serves queries that imply its WHERE.
  const claimIndex = engine === 'sqlite' ? sql`indexed by jobs_claim_order` : sql``;
  const { setById, setOfAccount } = (hotQueries[engine] ??= compileHotQueries(db));
  /**
   * Runs a claiming UPDATE … RETURNING and counts the change on the claimed job's set (version
   * + 1, its stored status). PostgreSQL: one statement (the set update is a data-modifying CTE
   * over the claimed row), so the claim is one commit. SQLite has no such CTE: the set update
   * follows as its own statement; SQLite commits are local and cheap, and a process dying
   * between the two leaves the set's stored status behind until its next change rewrites it.
   */
  async function claimMarkingSet(claim: RawBuilder<unknown>, setStatus: JobStatus): Promise<Job | undefined> {
    if (engine === 'postgres') {
      const res = await sql<JobsTable>`
        with claimed as (${claim}),
        touched as (update job_sets set version = version + 1, status = ${setStatus} where id = (select job_set_id from claimed))
        select * from claimed`.execute(db);
      return res.rows[0] ? rowToJob(res.rows[0]) : undefined;
    }
    const res = await (claim as RawBuilder<JobsTable>).execute(db);
    const row = res.rows[0];
    if (!row) return undefined;
    await db
      .updateTable('job_sets')
      .set({ version: sql`version + 1`, status: setStatus })
      .where('id', '=', row.job_set_id)
      .execute();
    return rowToJob(row);
  }

  async function nextSeq(): Promise<number> {
    const row = await db
      .insertInto('counters')
      .values({ name: 'job_seq', value: 1 })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`counters.value + 1` }))
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  return {
    async insertSet(s: NewJobSet): Promise<void> {
      const created = nowIso();
      await db
        .insertInto('job_sets')
        .values({
          id: s.id,
          account_id: s.accountId,
          type: s.type,
          model: s.model,
          dialect: s.dialect,
          input_params: JSON.stringify(s.inputParams),
          webhook: s.webhook ? JSON.stringify(s.webhook) : null,
          created_at: created,
          finished_at: null,
          visible_until: s.visibleUntil,
          kind: s.jobs[0]?.kind ?? '',
          status: 'queued',
          version: 1,
        })
        .execute();
      for (const j of s.jobs) {
        await db
          .insertInto('jobs')
          .values({
            id: j.id,
            job_set_id: s.id,
            account_id: s.accountId,
            kind: j.kind,
            idx: j.index,
            status: j.waiting ? 'waiting' : 'queued',
            priority: j.priority,
            seq: await nextSeq(),
            input: JSON.stringify(j.input),
            results: null,
            error: null,
            cost_milli: j.costMilli,
            progress_step: null,
            progress_total: null,
            extras: '{}',
            attempts: 0,
            lease_owner: null,
            lease_expires_at: null,
            cancel_requested: 0,
            created_at: created,
            started_at: null,
            finished_at: null,
          })
          .execute();
      }
    },

    /**
     * A set as its owner sees it; another account's id reads as missing. One query (set joined
     * to its jobs): this is the status-poll hot path.
     */
    async getSet(id: string, accountId?: string): Promise<StoredJobSet | undefined> {
      const reader = setReaderFor(db);
      const fast = reader?.read(id, accountId);
      if (reader && fast !== null) return fast && rowToSet(fast.set, fast.jobs.map(rowToJob));
      const { rows } = await db.executeQuery(accountId ? setOfAccount(id, accountId) : setById(id));
      if (!rows.length) return undefined;
      const r = rows[0];
      const set: JobSetsTable = {
        id: r.set_id,
        account_id: r.set_account_id,
        type: r.type,
        model: r.model,
        dialect: r.dialect,
        input_params: r.input_params,
        webhook: r.webhook,
        created_at: r.set_created_at,
        finished_at: r.set_finished_at,
        visible_until: r.visible_until,
        kind: r.set_kind,
        status: r.set_status,
        version: r.version,
      };
      const jobs = rows.filter((x) => x.id !== null).map((x) => rowToJob(x as JobsTable));
      return rowToSet(set, jobs);
    },

    async getJob(id: string): Promise<Job | undefined> {
      const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? rowToJob(r) : undefined;
    },

    /** The dialect a set was submitted in (for log lines written away from the request). */
    async dialectOfSet(id: string): Promise<string | undefined> {
      const r = await db.selectFrom('job_sets').select('dialect').where('id', '=', id).executeTakeFirst();
      return r?.dialect;
    },

    /** Job set of one of its jobs' ids: v1 clients sometimes poll with a job id. */
    async setIdOfJob(jobId: string) {
      const r = await db.selectFrom('jobs').select('job_set_id').where('id', '=', jobId).executeTakeFirst();
      return r?.job_set_id;
    },

    async countActiveSets(accountId: string): Promise<number> {
      const r = await db
        .selectFrom('jobs')
        .select(sql<number>`count(distinct job_set_id)`.as('n'))
        .where('account_id', '=', accountId)
        .where('status', 'in', ACTIVE)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async queueDepth(): Promise<{ kind: string; status: string; n: number }[]> {
      const rows = await db
        .selectFrom('jobs')
        .select(['kind', 'status', sql<number>`count(*)`.as('n')])
        .where('status', 'in', ACTIVE)
        .groupBy(['kind', 'status'])
        .execute();
      return rows.map((r) => ({ kind: r.kind, status: r.status, n: Number(r.n) }));
    },

    /**
     * Lease the next queued job: highest priority first, FIFO within a priority. One UPDATE
     * picks and leases atomically; PostgreSQL adds SKIP LOCKED so workers never queue behind
     * each other.
     */
    async claim(workerId: string, leaseMs: number, kinds: string[] | undefined, setStatus: JobStatus): Promise<Job | undefined> {
      const now = nowIso();
      const expires = new Date(Date.now() + leaseMs).toISOString();
      const kindFilter = kinds?.length ? sql`and kind in (${sql.join(kinds)})` : sql``;
      const lock = engine === 'postgres' ? sql`for update skip locked` : sql``;
      return claimMarkingSet(
        sql`update jobs set status = 'in_progress', lease_owner = ${workerId}, lease_expires_at = ${expires},
          attempts = attempts + 1, started_at = coalesce(started_at, ${now})
        where id = (
          select id from jobs ${claimIndex} where status = 'queued' and cancel_requested = 0 ${kindFilter}
          order by priority desc, seq asc limit 1 ${lock}
        ) and status = 'queued'
        returning *`,
        setStatus,
      );
    },

    /**
     * Lease exactly this job if it is still queued (a dispatched id): canceled, running or ended
     * rows are left alone, so a duplicate delivery claims nothing. A single-row UPDATE by key:
     * concurrent claimers serialise on the row and only the first sees `queued`.
     */
    async claimById(
      id: string,
      workerId: string,
      leaseMs: number,
      kinds: string[] | undefined,
      setStatus: JobStatus,
    ): Promise<Job | undefined> {
      const now = nowIso();
      const expires = new Date(Date.now() + leaseMs).toISOString();
      const kindFilter = kinds?.length ? sql`and kind in (${sql.join(kinds)})` : sql``;
      return claimMarkingSet(
        sql`update jobs set status = 'in_progress', lease_owner = ${workerId}, lease_expires_at = ${expires},
          attempts = attempts + 1, started_at = coalesce(started_at, ${now})
        where id = ${id} and status = 'queued' and cancel_requested = 0 ${kindFilter}
        returning *`,
        setStatus,
      );
    },

    /** The head of the queue (what runs next), queued since before `createdBefore`: re-dispatch candidates. */
    async queuedHead(createdBefore: string, limit: number): Promise<{ id: string; kind: JobKind; priority: number; attempts: number }[]> {
      const { rows } = await sql<{ id: string; kind: string; priority: number; attempts: number }>`
        select id, kind, priority, attempts from jobs ${claimIndex}
        where status = 'queued' and cancel_requested = 0 and created_at < ${createdBefore}
        order by priority desc, seq asc limit ${limit}`.execute(db);
      return rows.map((r) => ({ id: r.id, kind: r.kind as JobKind, priority: r.priority, attempts: r.attempts }));
    },

    /** Extend the lease; false when the job is no longer ours (recovered, canceled). */
    async heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<{ owned: boolean; cancel: boolean }> {
      const expires = new Date(Date.now() + leaseMs).toISOString();
      const r = await db
        .updateTable('jobs')
        .set({ lease_expires_at: expires })
        .where('id', '=', jobId)
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'in_progress')
        .returning('cancel_requested')
        .executeTakeFirst();
      return { owned: !!r, cancel: !!r && r.cancel_requested === 1 };
    },

    async setProgress(jobId: string, workerId: string, step: number, total: number) {
      await db
        .updateTable('jobs')
        .set({ progress_step: step, progress_total: total })
        .where('id', '=', jobId)
        .where('lease_owner', '=', workerId)
        .execute();
    },

    /**
     * Move a job to a terminal status if `from` still holds (guards against a recovered lease
     * finishing twice). Returns true when this call made the transition.
     */
    async finish(
      jobId: string,
      from: { status: JobStatus | readonly JobStatus[]; workerId?: string },
      to: { status: JobStatus; results?: unknown; error?: string | null; extras?: Record<string, unknown> },
    ): Promise<boolean> {
      let q = db
        .updateTable('jobs')
        .set({
          status: to.status,
          results: to.results === undefined ? null : JSON.stringify(to.results),
          error: to.error ?? null,
          ...(to.extras ? { extras: JSON.stringify(to.extras) } : {}),
          lease_owner: null,
          lease_expires_at: null,
          finished_at: nowIso(),
        })
        .where('id', '=', jobId)
        .where('status', 'in', typeof from.status === 'string' ? [from.status] : [...from.status]);
      if (from.workerId) q = q.where('lease_owner', '=', from.workerId);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Put a leased job back in the queue (drain, or a retryable crash). */
    async release(jobId: string, workerId: string): Promise<boolean> {
      const r = await db
        .updateTable('jobs')
        .set({ status: 'queued', lease_owner: null, lease_expires_at: null, progress_step: null, progress_total: null })
        .where('id', '=', jobId)
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'in_progress')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** in_progress jobs whose lease ran out: their worker died. */
    expiredLeases(now = nowIso()) {
      return db
        .selectFrom('jobs')
        .selectAll()
        .where('status', '=', 'in_progress')
        .where('lease_expires_at', '<', now)
        .execute()
        .then((rows) => rows.map((r) => Object.assign(rowToJob(r), { cancelRequested: !!r.cancel_requested })));
    },

    async requeueExpired(jobId: string, leaseExpiresBefore: string): Promise<boolean> {
      const r = await db
        .updateTable('jobs')
        .set({ status: 'queued', lease_owner: null, lease_expires_at: null, progress_step: null, progress_total: null })
        .where('id', '=', jobId)
        .where('status', '=', 'in_progress')
        .where('lease_expires_at', '<', leaseExpiresBefore)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    requestCancel(jobSetId: string) {
      return db.updateTable('jobs').set({ cancel_requested: 1 }).where('job_set_id', '=', jobSetId).where('status', 'in', ACTIVE).execute();
    },

    markSetFinished(jobSetId: string) {
      return db
        .updateTable('job_sets')
        .set({ finished_at: nowIso() })
        .where('id', '=', jobSetId)
        .where('finished_at', 'is', null)
        .executeTakeFirst();
    },

    /**
     * The `kind` jobs of an account whose input has `field` = `value` (a Soul ID build names its
     * character). Input is JSON text on both engines: LIKE only narrows (ids need no escaping;
     * anything else skips it), the parsed input decides.
     */
    async jobsByInput(accountId: string, kind: JobKind, field: string, value: string): Promise<Job[]> {
      let q = db.selectFrom('jobs').selectAll().where('account_id', '=', accountId).where('kind', '=', kind);
      if (/^[A-Za-z0-9-]+$/.test(value)) q = q.where('input', 'like', `%"${value}"%`);
      const rows = await q.execute();
      return rows.map(rowToJob).filter((j) => j.input[field] === value);
    },

    /** Rewrite what a set and its jobs were asked (scrubbing personal data); `hideAt` makes the set read as missing. */
    async redactSet(
      jobSetId: string,
      inputParams: Record<string, unknown>,
      jobInputs: Map<string, Record<string, unknown>>,
      hideAt: string,
    ) {
      await db
        .updateTable('job_sets')
        .set({ input_params: JSON.stringify(inputParams), visible_until: hideAt })
        .where('id', '=', jobSetId)
        .execute();
      for (const [id, input] of jobInputs)
        await db
          .updateTable('jobs')
          .set({ input: JSON.stringify(input) })
          .where('id', '=', id)
          .where('job_set_id', '=', jobSetId)
          .execute();
    },

    /** Newest sets first, of one account or all; `open`: only sets with a job still queued or running. */
    async recentSetIds(o: { accountId?: string; open?: boolean; limit: number }): Promise<string[]> {
      let q = db.selectFrom('job_sets').select('id');
      if (o.accountId) q = q.where('account_id', '=', o.accountId);
      if (o.open) q = q.where('finished_at', 'is', null);
      const rows = await q.orderBy('created_at', 'desc').limit(o.limit).execute();
      return rows.map((r) => r.id);
    },

    /**
     * Locks the set row (PostgreSQL) and counts a change: callers then read the jobs' statuses,
     * so concurrent transitions of one set's jobs are serialised and the last one sees them all.
     */
    async bumpSetVersion(jobSetId: string): Promise<void> {
      await db
        .updateTable('job_sets')
        .set({ version: sql`version + 1` })
        .where('id', '=', jobSetId)
        .execute();
    },

    /** The set's waiting jobs become claimable; returns them for the dispatcher. */
    async queueWaiting(jobSetId: string): Promise<{ id: string; kind: JobKind; priority: number; attempts: number }[]> {
      const rows = await db
        .updateTable('jobs')
        .set({ status: 'queued' })
        .where('job_set_id', '=', jobSetId)
        .where('status', '=', 'waiting')
        .returning(['id', 'kind', 'priority', 'attempts'])
        .execute();
      return rows.map((r) => ({ id: r.id, kind: r.kind as JobKind, priority: Number(r.priority), attempts: Number(r.attempts) }));
    },

    async jobStatuses(jobSetId: string): Promise<{ status: JobStatus }[]> {
      const rows = await db.selectFrom('jobs').select('status').where('job_set_id', '=', jobSetId).execute();
      return rows.map((r) => ({ status: r.status as JobStatus }));
    },

    async setIndexedStatus(jobSetId: string, status: JobStatus): Promise<void> {
      await db.updateTable('job_sets').set({ status }).where('id', '=', jobSetId).where('status', '<>', status).execute();
    },

    /**
     * One page of an account's sets, newest first, strictly after `cursor`: one range scan of
     * the job_sets_list* index matching the filters, then the page's jobs by job_set_id.
     */
    /** The page query of listSets, exposed so its plan can be checked (EXPLAIN) on each engine. */
    listSetsQuery(accountId: string, f: SetListFilter) {
      let q = db.selectFrom('job_sets').selectAll().where('account_id', '=', accountId);
      if (f.kind) q = q.where('kind', '=', f.kind);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.cursor) {
        const c = f.cursor;
        // `created_at <= c` alone bounds the index range (the OR form left both engines scanning
        // from the newest row down to the cursor); the OR then only sorts out the ties.
        q = q.where('created_at', '<=', c.createdAt).where((eb) => eb.or([eb('created_at', '<', c.createdAt), eb('id', '<', c.id)]));
      }
      q = q.where((eb) => eb.or([eb('visible_until', 'is', null), eb('visible_until', '>=', f.visibleAt)]));
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit);
    },

    /**
     * One page of an account's sets, newest first, strictly after `cursor`: one range scan of
     * the job_sets_list* index matching the filters, then the page's jobs by job_set_id.
     */
    async listSets(accountId: string, f: SetListFilter): Promise<StoredJobSet[]> {
      const sets = await this.listSetsQuery(accountId, f).execute();
      if (!sets.length) return [];
      const jobs = await db
        .selectFrom('jobs')
        .selectAll()
        .where(
          'job_set_id',
          'in',
          sets.map((x) => x.id),
        )
        .orderBy('job_set_id')
        .orderBy('idx')
        .execute();
      const bySet = new Map<string, Job[]>(sets.map((x) => [x.id, []]));
      for (const j of jobs) bySet.get(j.job_set_id)!.push(rowToJob(j));
      return sets.map((x) => rowToSet(x, bySet.get(x.id)!));
    },

    async listSetIds(accountId: string, limit: number) {
      const rows = await db
        .selectFrom('job_sets')
        .select('id')
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
  };
}
export type JobsRepo = ReturnType<typeof jobsRepo>;
