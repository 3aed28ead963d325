// bench/scale.ts — cost of every hot database path as the tables grow (issue 15).
// Fills a fresh SQLite file and a fresh PostgreSQL database with 10^3, 10^5 and 10^6 jobs in bulk
// (one SQL statement per table: a recursive series on SQLite, generate_series on PostgreSQL),
// then times each path through the same repository code the server runs and prints p50/p99 per
// size and the growth ratio from the smallest to the largest size (target: <= 2x).
// Needs PostgreSQL (OPENSOUL_BENCH_PG_ADMIN, default postgres://root@127.0.0.1:5432/postgres).
// Run: npx tsx bench/scale.ts [sizes=1000,100000,1000000] [engines=sqlite,postgres] [iterations=300]
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { BENCH_PG_ADMIN, benchPgAdmin } from './pg-admin.js';
import { loadConfig } from '../src/config.js';
import { GenerationService } from '../src/services/generation.js';
import { SecretBox } from '../src/services/secret-box.js';
import { openDatabase, type OpenedDb } from '../src/store/db.js';
import { jobsRepo } from '../src/store/repos/jobs.js';
import { ledgerRepo } from '../src/store/repos/ledger.js';
import { mediaRepo } from '../src/store/repos/media.js';
import { outboxRepo } from '../src/store/repos/outbox.js';
import { percentile } from './load.js';
import { accountOfRow, fillTables, type FillShape } from './scale-fill.js';

const sizes = (process.argv[2] ?? '1000,100000,1000000').split(',').map(Number);
const engines = (process.argv[3] ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const iterations = Number(process.argv[4] ?? 300);

type Path = { name: string; run: (i: number) => Promise<unknown>; after?: (i: number, r: unknown) => Promise<void> };

function paths(opened: OpenedDb, shape: FillShape): Path[] {
  const { db, engine } = opened;
  const jobs = jobsRepo(db, engine);
  const ledger = ledgerRepo(db);
  const media = mediaRepo(db);
  const outbox = outboxRepo(db, engine);
  const generation = new GenerationService(db, engine, loadConfig({}, { leaseMs: 60_000 }), new SecretBox(randomBytes(32)));
  // A different row every call, spread over the whole table: no read is a cache hit.
  const row = (i: number) => 1 + ((i * 7919 + 13) % shape.jobs);
  const account = (i: number) => accountOfRow(row(i));
  return [
    {
      // Through the service, as workers claim: the lease plus the set's version and list status.
      name: 'claim next job',
      run: () => generation.claimNext('bench-worker'),
      // Put the job back so every iteration sees the same queue.
      after: async (_i, job) => {
        const id = (job as { id: string } | undefined)?.id;
        if (!id) throw new Error('claim found no queued job');
        await db.updateTable('jobs').set({ status: 'queued', lease_owner: null, lease_expires_at: null }).where('id', '=', id).execute();
      },
    },
    { name: 'status poll (by id, miss)', run: (i) => jobs.getSet(`set-${row(i)}`, account(i)) },
    { name: 'job-set list (page 1)', run: (i) => jobs.listSets(account(i), { limit: 21, visibleAt: new Date().toISOString() }) },
    {
      name: 'job-set list (failed only)',
      run: (i) => jobs.listSets(account(i), { limit: 21, status: 'failed', visibleAt: new Date().toISOString() }),
    },
    { name: 'in-flight count at submit', run: (i) => jobs.countActiveSets(account(i)) },
    { name: 'ledger page', run: (i) => ledger.list(account(i), 20) },
    { name: 'retention sweep (batch)', run: () => media.expired(new Date().toISOString(), 500) },
    { name: 'outbox scan (idle tick)', run: (i) => outbox.claimDue(`bench-${i}`, 30_000, 8) },
    { name: 'expired-lease scan', run: () => jobs.expiredLeases() },
  ];
}

async function measure(p: Path, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    const r = await p.run(i);
    const dt = performance.now() - t0;
    if (i >= 20) times.push(dt); // the first 20 warm statement caches and the page cache
    await p.after?.(i, r);
  }
  return times;
}

async function openEngine(engine: 'sqlite' | 'postgres', size: number): Promise<{ opened: OpenedDb; cleanup: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-scale-'));
    const opened = await openDatabase(`sqlite:${path.join(dir, 'scale.db')}`, dir);
    return { opened, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `opensoul_scale_${size}_${randomBytes(3).toString('hex')}`;
  await benchPgAdmin(`create database ${name}`);
  const u = new URL(BENCH_PG_ADMIN);
  u.pathname = `/${name}`;
  const opened = await openDatabase(u.toString(), os.tmpdir());
  return { opened, cleanup: () => benchPgAdmin(`drop database ${name} with (force)`) };
}

type Row = { engine: string; size: number; path: string; p50: number; p99: number };
const rows: Row[] = [];
const f = (ms: number) => ms.toFixed(3).padStart(9);

for (const engine of engines) {
  for (const size of sizes) {
    const { opened, cleanup } = await openEngine(engine, size);
    try {
      const shape: FillShape = { jobs: size };
      const t0 = performance.now();
      await fillTables(opened, shape);
      await sql`analyze`.execute(opened.db);
      console.log(`${engine} ${size} jobs: filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      for (const p of paths(opened, shape)) {
        const times = await measure(p, iterations);
        rows.push({ engine, size, path: p.name, p50: percentile(times, 50), p99: percentile(times, 99) });
      }
    } finally {
      await opened.close();
      await cleanup();
    }
  }
}

console.log(`\nopensoul bench/scale — ms per call (${iterations} calls each), growth = p50 at ${sizes.at(-1)} / p50 at ${sizes[0]}`);
console.log(
  `${'engine'.padEnd(9)}${'path'.padEnd(29)}${sizes.map((s) => `p50@${s}`.padStart(13) + `p99@${s}`.padStart(13)).join('')}   growth`,
);
for (const engine of engines) {
  for (const name of [...new Set(rows.filter((r) => r.engine === engine).map((r) => r.path))]) {
    const mine = sizes.map((s) => rows.find((r) => r.engine === engine && r.size === s && r.path === name)!);
    const growth = mine.at(-1)!.p50 / mine[0].p50;
    console.log(
      `${engine.padEnd(9)}${name.padEnd(29)}${mine.map((r) => `   ${f(r.p50)} ${f(r.p99)}`).join('')}   ${growth.toFixed(2)}x${growth > 2 ? '  (over 2x)' : ''}`,
    );
  }
}
