// Bulk fill for bench/scale.ts: one INSERT … SELECT per table over a number series, so a
// million jobs take seconds, not hours. The mix is a long-lived server's: one job per set, 10%
// of jobs queued, a handful running, 5% failed (with refunds), the rest completed; one charge per
// set in the ledger, one output per job in media (those past their 7 days already swept), and a
// delivered webhook for every other set.
import { sql, type RawBuilder } from 'kysely';
import type { OpenedDb } from '../src/store/db.js';

/** Every account owns the same 20 jobs at every size, so only the tables grow, not what one account sees. */
export const JOBS_PER_ACCOUNT = 20;
export const accountCount = (jobs: number) => Math.ceil(jobs / JOBS_PER_ACCOUNT);
/** The account of row x (1-based), as the fill assigns it. */
export const accountOfRow = (x: number) => `acct-${Math.floor((x - 1) / JOBS_PER_ACCOUNT)}`;

export interface FillShape {
  jobs: number;
}

export async function fillTables(opened: OpenedDb, shape: FillShape): Promise<void> {
  const { db, engine } = opened;
  const n = shape.jobs;
  const series = (count: number): RawBuilder<unknown> =>
    engine === 'postgres'
      ? sql`generate_series(1, ${sql.lit(count)}) as s(x)`
      : sql`(with recursive r(x) as (select 1 union all select x + 1 from r where x < ${sql.lit(count)}) select x from r) as s`;
  // Row x was created x seconds after the first; the newest an hour ago.
  const end = Math.floor(Date.now() / 1000) - 3600;
  const epoch = (offsetS: RawBuilder<unknown> | string): RawBuilder<unknown> => {
    const e = sql`(${sql.lit(end - n)} + ${typeof offsetS === 'string' ? sql.raw(offsetS) : offsetS})`;
    return engine === 'postgres'
      ? sql`to_char(to_timestamp(${e}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS".000Z"')`
      : sql`strftime('%Y-%m-%dT%H:%M:%S.000Z', ${e}, 'unixepoch')`;
  };
  const account = sql`'acct-' || ((x - 1) / ${sql.lit(JOBS_PER_ACCOUNT)})`;
  const status = sql`case when x % 10 = 0 then 'queued' when x % 10 = 5 and x < 80 then 'in_progress' when x % 20 = 3 then 'failed' else 'completed' end`;
  const sevenDays = 7 * 86400;

  await sql`insert into accounts (id, name, balance_milli, webhook_secret, created_at)
    select 'acct-' || (x - 1), 'bench', 1000000000000, 'whsec_bench', ${epoch('0')} from ${series(accountCount(n))}`.execute(db);
  await sql`insert into job_sets (id, account_id, kind, status, type, model, dialect, input_params, webhook, created_at, finished_at, visible_until)
    select 'set-' || x, ${account}, 'soul', ${status}, 'text2image_soul', 'higgsfield-ai/soul/standard', 'higgsfield-v1',
      '{"prompt":"a lighthouse at dawn","width_and_height":"1536x1536","quality":"720p","seed":' || x || '}', null,
      ${epoch('x')}, case when x % 10 = 0 or (x % 10 = 5 and x < 80) then null else ${epoch('x + 30')} end, null
    from ${series(n)}`.execute(db);
  await sql`insert into jobs (id, job_set_id, account_id, kind, idx, status, priority, seq, input, results, error, cost_milli,
      progress_step, progress_total, extras, attempts, lease_owner, lease_expires_at, cancel_requested, created_at, started_at, finished_at)
    select 'job-' || x, 'set-' || x, ${account}, 'soul', 0, ${status}, 0, x,
      '{"prompt":"a lighthouse at dawn","width":1024,"height":1024,"seed":' || x || '}',
      case when ${status} = 'completed' then '{"raw":{"type":"image","key":"out/' || x || '.png"},"min":{"type":"image","key":"out/' || x || '.jpg"}}' else null end,
      case when ${status} = 'failed' then 'Generation failed' else null end, 1500, null, null, '{}',
      case when ${status} = 'queued' then 0 else 1 end,
      case when ${status} = 'in_progress' then 'bench-running' else null end,
      case when ${status} = 'in_progress' then ${epoch(`x + ${n} + 86400`)} else null end, 0,
      ${epoch('x')}, case when ${status} = 'queued' then null else ${epoch('x + 1')} end,
      case when ${status} in ('completed', 'failed') then ${epoch('x + 30')} else null end
    from ${series(n)}`.execute(db);
  await sql`insert into ledger (account_id, delta_milli, balance_after_milli, reason, job_set_id, job_id, note, created_at)
    select ${account}, -1500, 1000000000000 - x * 1500, 'charge', 'set-' || x, null, 'higgsfield-ai/soul/standard', ${epoch('x')}
    from ${series(n)}`.execute(db);
  await sql`insert into ledger (account_id, delta_milli, balance_after_milli, reason, job_set_id, job_id, note, created_at)
    select ${account}, 1500, 1000000000000, 'refund', 'set-' || x, 'job-' || x, null, ${epoch('x + 30')}
    from ${series(n)} where x % 20 = 3`.execute(db);
  // Outputs live 7 days and the sweeper has deleted those past it, except one batch it has not
  // reached yet (the first 500 rows, expired a day after they were made): every size's sweep reads
  // the same 500 rows. Rows that expire within the next day count as swept, so none turn up
  // while the bench runs.
  await sql`insert into media (key, account_id, kind, content_type, size, width, height, created_at, expires_at, deleted_at)
    select 'out/' || x || '.png', ${account}, 'output', 'image/png', 900000, 1024, 1024, ${epoch('x + 30')},
      case when x <= 500 then ${epoch(`x - 86400`)} else ${epoch(`x + 30 + ${sevenDays}`)} end,
      case when x > 500 and ${sql.lit(end - n)} + x + 30 + ${sql.lit(sevenDays)} < ${sql.lit(end + 86400)} then ${epoch(`x + 30 + ${sevenDays}`)} else null end
    from ${series(n)}`.execute(db);
  await sql`insert into outbox (id, account_id, job_set_id, url, body, headers, signing, state, attempts, next_attempt_at, first_attempt_at,
      last_error, last_status, created_at, delivered_at, claimed_by, lease_until)
    select 'msg-' || x, ${account}, 'set-' || x, 'https://hooks.example.com/opensoul', '{}', '{}', 'standard', 'delivered', 1,
      ${epoch('x + 30')}, ${epoch('x + 30')}, null, 200, ${epoch('x + 30')}, ${epoch('x + 31')}, null, null
    from ${series(n)} where x % 2 = 0`.execute(db);
  await sql`insert into counters (name, value) values ('job_seq', ${sql.lit(n)})
    on conflict (name) do update set value = ${sql.lit(n)}`.execute(db);
}
