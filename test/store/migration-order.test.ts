// Helpers add migrations on branches that land in any order: a database that already ran a later
// migration (0006 from main) must still run an earlier one it has not seen (0004) on its next start.
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { expect, it } from 'vitest';
import { buildMigrations, migrateToLatest } from '../../src/store/migrations.js';

it('runs a migration numbered before one the database already ran', async () => {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
  const all = buildMigrations('sqlite');
  const { '0004_job_set_list': _missing, ...rest } = all;
  const early = await new Migrator({ db, provider: { getMigrations: async () => rest } }).migrateToLatest();
  expect(early.error).toBeUndefined();
  expect(early.results!.map((r) => r.migrationName)).toContain('0006_hot_path_indexes');
  await migrateToLatest(db, 'sqlite');
  const cols = await sql<{ name: string }>`select name from pragma_table_info('job_sets')`.execute(db);
  expect(cols.rows.map((c) => c.name)).toEqual(expect.arrayContaining(['kind', 'status', 'version']));
  const ran = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  expect(ran.rows.map((r) => r.name)).toEqual(Object.keys(all).sort());
  await db.destroy();
});
