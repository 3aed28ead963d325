// The hot paths must stay flat as tables grow (bench/scale.ts measures it): here each one's
// query plan is read from the database itself, on the SQL the repositories really run, with
// enough rows and statistics that a planner would pick a sort or a table scan if it could.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDb } from '../../src/store/db.js';
import { jobsRepo } from '../../src/store/repos/jobs.js';
import { mediaRepo } from '../../src/store/repos/media.js';
import { fillTables } from '../../bench/scale-fill.js';
import { PG_ADMIN, pgAdmin } from '../helpers/pg-admin.js';

const ROWS = 20_000;

type Captured = { sql: string; parameters: readonly unknown[] };

async function open(engine: 'sqlite' | 'postgres', seen: Captured[]): Promise<{ opened: OpenedDb; cleanup: () => Promise<void> }> {
  const onQuery = (text: string, parameters: readonly unknown[]) => seen.push({ sql: text, parameters });
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-plans-'));
    const opened = await openDatabase(`sqlite:${path.join(dir, 'plans.db')}`, dir, { onQuery });
    return { opened, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `opensoul_plans_${randomBytes(4).toString('hex')}`;
  await pgAdmin(`create database ${name}`);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  const opened = await openDatabase(u.toString(), os.tmpdir(), { onQuery });
  return { opened, cleanup: () => pgAdmin(`drop database ${name} with (force)`).then(() => undefined) };
}

/** The plan of the last statement captured whose text matches `pattern`, as one string. */
async function planOf(opened: OpenedDb, seen: Captured[], pattern: RegExp): Promise<string> {
  const q = [...seen].reverse().find((c) => pattern.test(c.sql));
  if (!q) throw new Error(`no statement matching ${pattern} was run`);
  const prefix = opened.engine === 'sqlite' ? 'explain query plan ' : 'explain ';
  const res = await opened.db.executeQuery({
    sql: prefix + q.sql,
    parameters: q.parameters,
    query: { kind: 'RawNode' } as never,
    queryId: { queryId: 'plan' },
  });
  return (res.rows as Record<string, unknown>[]).map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
}

describe.each(['sqlite', 'postgres'] as const)('hot-path query plans on %s', (engine) => {
  const seen: Captured[] = [];
  let ctx: Awaited<ReturnType<typeof open>>;
  afterAll(async () => {
    await ctx?.opened.close();
    await ctx?.cleanup();
  });

  it('claims from the queue index in claim order, without sorting the queued rows', async () => {
    ctx = await open(engine, seen);
    await fillTables(ctx.opened, { jobs: ROWS });
    await sql`analyze`.execute(ctx.opened.db);
    const jobs = jobsRepo(ctx.opened.db, ctx.opened.engine);
    const before = await ctx.opened.db
      .selectFrom('job_sets')
      .select('version')
      .where('id', '=', (await jobs.getJob('job-10'))!.jobSetId)
      .executeTakeFirstOrThrow();
    const claimed = await jobs.claim('plan-test', 60_000, undefined, 'in_progress');
    // Highest priority, then oldest: the fill's oldest queued job is job-10.
    expect(claimed?.id).toBe('job-10');
    // The claim counts the change on its set (one statement on PostgreSQL, by the set's key).
    const set = await ctx.opened.db
      .selectFrom('job_sets')
      .select(['version', 'status'])
      .where('id', '=', claimed!.jobSetId)
      .executeTakeFirstOrThrow();
    expect(set).toEqual({ version: before.version + 1, status: 'in_progress' });
    const plan = await planOf(ctx.opened, seen, /^\s*(with claimed as \(\s*)?update jobs set status = 'in_progress'/);
    expect(plan).toContain('jobs_claim_order');
    expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
    const setUpdate =
      engine === 'postgres' ? plan : await planOf(ctx.opened, seen, /^update "job_sets" set "version" = version \+ 1, "status"/);
    expect(setUpdate).toMatch(/job_sets_pkey|USING INDEX sqlite_autoindex_job_sets|USING PRIMARY KEY|job_sets \(id=\?\)/i);
    expect(setUpdate).not.toMatch(/Seq Scan on job_sets|SCAN job_sets\b(?! USING)/);
  });

  it('reads the re-dispatch head from the same index', async () => {
    const jobs = jobsRepo(ctx.opened.db, ctx.opened.engine);
    const head = await jobs.queuedHead(new Date().toISOString(), 5);
    expect(head.map((h) => h.id)).toEqual(['job-20', 'job-30', 'job-40', 'job-50', 'job-60']);
    const plan = await planOf(ctx.opened, seen, /from jobs .*where status = 'queued'.*created_at </s);
    expect(plan).toContain('jobs_claim_order');
    expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
  });

  it('sweeps expired media and expired leases through partial indexes, never a table scan', async () => {
    const media = mediaRepo(ctx.opened.db);
    await media.expired(new Date().toISOString(), 500);
    const sweep = await planOf(ctx.opened, seen, /from "media" where "deleted_at" is null/);
    expect(sweep).toContain('media_live_expiry');
    expect(sweep).not.toMatch(/^SCAN media|Seq Scan/m);
    await jobsRepo(ctx.opened.db, ctx.opened.engine).expiredLeases();
    const leases = await planOf(ctx.opened, seen, /from "jobs" where "status" = \S+ and "lease_expires_at" </);
    expect(leases).toContain('jobs_running_leases');
  });
});
