// Found by the soak (bench/soak.ts): pg_terminate_backend on the database ended every opensoul
// process, because the 'error' events of a connection the server closed had no listener (the
// pool's for an idle connection, the client's for one checked out between queries). The pool
// must drop that connection, say so, and serve the next query on a new one.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDb } from '../../src/store/db.js';
import { PG_ADMIN, pgAdmin } from '../helpers/pg-admin.js';
import { waitFor } from '../helpers/server.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

const terminateAll = async (name: string) =>
  (
    await pgAdmin<{ n: number }>(
      'select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1) t',
      [name],
    )
  )[0].n;

async function fresh(lost: Error[]): Promise<{ name: string; opened: OpenedDb }> {
  const name = `opensoul_connloss_${randomBytes(4).toString('hex')}`;
  await pgAdmin(`create database ${name}`);
  cleanup.push(() => pgAdmin(`drop database if exists ${name} with (force)`));
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const opened = await openDatabase(url.toString(), '', { onConnectionError: (e) => lost.push(e) });
  cleanup.push(() => opened.close());
  return { name, opened };
}

describe('PostgreSQL connections ended by the server', () => {
  it('idle pooled connections terminated by the server are replaced, not fatal', async () => {
    const lost: Error[] = [];
    const { name, opened } = await fresh(lost);
    // Several idle connections in the pool.
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(opened.db)));
    const terminated = await terminateAll(name);
    expect(terminated).toBeGreaterThanOrEqual(1);
    // Every terminated connection is reported (and so dropped by the pool) before the next query;
    // until its 'error' arrives an idle connection still looks usable to the pool.
    await waitFor(async () => lost.length >= terminated, 5000);
    expect(String(lost[0])).toMatch(/terminating connection/);
    const r = await sql<{ one: number }>`select 1 as one`.execute(opened.db);
    expect(r.rows[0].one).toBe(1);
    expect((await opened.db.selectFrom('accounts').select('id').execute()).length).toBe(0);
  });

  it('a connection terminated while checked out between queries fails its next query, not the process', async () => {
    const lost: Error[] = [];
    const { name, opened } = await fresh(lost);
    const inTrx = opened.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await terminateAll(name);
      await new Promise((r) => setTimeout(r, 300));
      await sql`select 1`.execute(trx);
    });
    await expect(inTrx).rejects.toThrow();
    expect(lost.length).toBeGreaterThanOrEqual(1);
    const r = await sql<{ one: number }>`select 1 as one`.execute(opened.db);
    expect(r.rows[0].one).toBe(1);
  });
});
