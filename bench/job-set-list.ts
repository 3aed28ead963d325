// bench/job-set-list.ts — GET /v1/job-sets' page query as one account's history grows (issue 11).
// Fills a fresh SQLite file and a fresh PostgreSQL database with N job sets (one job each) of ONE
// account (the worst case for a list: everything is that account's), with kinds and set
// statuses mixed, then times a page of 20 through the service the route runs (listJobSets) at
// the newest page, in the middle and near the oldest, unfiltered and with each filter, and prints
// p50/p99 per size and the growth from the smallest size to the largest (flat means ~1x).
// Needs PostgreSQL (OPENSOUL_BENCH_PG_ADMIN, default postgres://root@127.0.0.1:5432/postgres).
// Run: npx tsx bench/job-set-list.ts [sizes=1000,1000000] [engines=sqlite,postgres] [iterations=200]
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import { BENCH_PG_ADMIN, benchPgAdmin } from './pg-admin.js';
import { loadConfig } from '../src/config.js';
import { GenerationService } from '../src/services/generation.js';
import { SecretBox } from '../src/services/secret-box.js';
import { encodeSetCursor, listJobSets, readSetListQuery } from '../src/services/job-set-list.js';
import { openDatabase, type OpenedDb } from '../src/store/db.js';
import { percentile } from './load.js';

const sizes = (process.argv[2] ?? '1000,1000000').split(',').map(Number);
const engines = (process.argv[3] ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const iterations = Number(process.argv[4] ?? 200);
const ACCOUNT = 'acct-heavy';

/** Set x: created x seconds after the first; kind dop every 5th, soul_id every 50th; 5% failed, 10% queued. */
async function fill(opened: OpenedDb, n: number) {
  const { db, engine } = opened;
  const series: RawBuilder<unknown> =
    engine === 'postgres'
      ? sql`generate_series(1, ${sql.lit(n)}) as s(x)`
      : sql`(with recursive r(x) as (select 1 union all select x + 1 from r where x < ${sql.lit(n)}) select x from r) as s`;
  const end = Math.floor(Date.now() / 1000);
  const at = (e: RawBuilder<unknown>) =>
    engine === 'postgres'
      ? sql`to_char(to_timestamp(${e}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS".000Z"')`
      : sql`strftime('%Y-%m-%dT%H:%M:%S.000Z', ${e}, 'unixepoch')`;
  const created = at(sql`(${sql.lit(end - n)} + x)`);
  const kind = sql`case when x % 50 = 0 then 'soul_id' when x % 5 = 0 then 'dop' else 'soul' end`;
  const type = sql`case when x % 50 = 0 then 'soul_id' when x % 5 = 0 then 'image2video' else 'text2image_soul' end`;
  const status = sql`case when x % 10 = 1 then 'queued' when x % 20 = 3 then 'failed' else 'completed' end`;
  await sql`insert into accounts (id, name, balance_milli, webhook_secret, created_at) values (${ACCOUNT}, 'bench', 0, 'whsec', '2026-01-01T00:00:00.000Z')`.execute(
    db,
  );
  await sql`insert into job_sets (id, account_id, type, model, dialect, input_params, webhook, created_at, finished_at, visible_until, kind, status, version)
    select 'set-' || x, ${ACCOUNT}, ${type}, 'soul', 'higgsfield', '{"prompt":"a lighthouse"}', null, ${created}, null, null, ${kind}, ${status}, 3
    from ${series}`.execute(db);
  await sql`insert into jobs (id, job_set_id, account_id, kind, idx, status, priority, seq, input, results, error, cost_milli,
      progress_step, progress_total, extras, attempts, lease_owner, lease_expires_at, cancel_requested, created_at, started_at, finished_at)
    select 'job-' || x, 'set-' || x, ${ACCOUNT}, ${kind}, 0, ${status}, 0, x, '{}',
      case when ${status} = 'completed' then '{"raw":{"type":"image","key":"out/' || x || '.png","contentType":"image/png"},"min":{"type":"image","key":"out/' || x || '.jpg","contentType":"image/jpeg"}}' else null end,
      case when ${status} = 'failed' then 'Generation failed' else null end, 1500, null, null, '{}', 1, null, null, 0, ${created}, null, null
    from ${series}`.execute(db);
  if (engine === 'postgres') await sql`analyze`.execute(db);
  else await sql`analyze`.execute(db);
}

async function openFresh(engine: 'sqlite' | 'postgres', dir: string): Promise<{ opened: OpenedDb; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const file = path.join(dir, `list-${randomBytes(4).toString('hex')}.db`);
    const opened = await openDatabase(`sqlite:${file}`, dir);
    return { opened, drop: async () => fs.rmSync(file, { force: true }) };
  }
  const name = `opensoul_bench_list_${randomBytes(4).toString('hex')}`;
  await benchPgAdmin(`create database ${name}`);
  const url = new URL(BENCH_PG_ADMIN);
  url.pathname = `/${name}`;
  const opened = await openDatabase(url.toString(), dir);
  return { opened, drop: () => benchPgAdmin(`drop database if exists ${name} with (force)`) };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-bench-list-'));
const results = new Map<string, number[]>();
for (const engine of engines) {
  for (const n of sizes) {
    const { opened, drop } = await openFresh(engine, dir);
    const t0 = performance.now();
    await fill(opened, n);
    const fillS = (performance.now() - t0) / 1000;
    const generation = new GenerationService(opened.db, opened.engine, loadConfig({}, { dataDir: dir }), new SecretBox(randomBytes(32)));
    // Cursors at three depths: the newest page, the middle, ten pages from the oldest.
    const depth = { newest: null as string | null, middle: Math.floor(n / 2), oldest: Math.min(n, 200) };
    // The cursor a client would hold after reading set x: its own (created_at, id).
    const cursorAt = async (x: number | null) => {
      if (x === null) return null;
      const row = await opened.db
        .selectFrom('job_sets')
        .select(['created_at', 'id'])
        .where('id', '=', `set-${x}`)
        .executeTakeFirstOrThrow();
      return encodeSetCursor({ createdAt: row.created_at, id: row.id });
    };
    const cases: [string, string][] = [];
    for (const [where, x] of Object.entries(depth)) {
      const c = await cursorAt(x as number | null);
      for (const filter of ['', 'kind=dop', 'status=failed', 'kind=soul&status=queued'])
        cases.push([`${where}${filter ? ` ${filter}` : ''}`, `${filter}${c ? `${filter ? '&' : ''}cursor=${c}` : ''}`]);
    }
    console.log(`\n${engine}, ${n.toLocaleString('en')} sets of one account (filled in ${fillS.toFixed(1)} s)`);
    for (const [label, qs] of cases) {
      const query = readSetListQuery(Object.fromEntries(new URLSearchParams(qs)));
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < iterations; i++) {
        const t = performance.now();
        const page = await listJobSets(generation, ACCOUNT, query);
        times.push(performance.now() - t);
        items = page.items.length;
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50);
      results.set(`${engine}|${label}|${n}`, [p50, percentile(times, 99)]);
      console.log(
        `  ${label.padEnd(40)} ${String(items).padStart(3)} items  p50 ${p50.toFixed(3)} ms  p99 ${percentile(times, 99).toFixed(3)} ms`,
      );
    }
    await opened.close();
    await drop();
  }
  if (sizes.length > 1) {
    const [lo, hi] = [sizes[0], sizes[sizes.length - 1]];
    console.log(`\n${engine}: p50 growth ${lo.toLocaleString('en')} -> ${hi.toLocaleString('en')} sets`);
    for (const key of [...results.keys()].filter((k) => k.startsWith(`${engine}|`) && k.endsWith(`|${lo}`))) {
      const label = key.split('|')[1];
      const a = results.get(key)![0];
      const b = results.get(`${engine}|${label}|${hi}`)![0];
      console.log(`  ${label.padEnd(40)} ${(b / a).toFixed(2)}x`);
    }
  }
}
fs.rmSync(dir, { recursive: true, force: true });
