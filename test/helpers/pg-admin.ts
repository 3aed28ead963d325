import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL maintenance database tests create and drop their own databases through. */
export const PG_ADMIN = process.env.OPENSOUL_TEST_PG_ADMIN ?? 'postgres://root@127.0.0.1:5432/postgres';

/** One statement on the admin connection (create/drop database, inspect activity). */
export async function pgAdmin<T = unknown>(query: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    return (await c.query(query, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * A fresh PostgreSQL database named `<prefix>_<random>`, and how to drop it. The drop first waits
 * (up to 5 s) for the database's sessions to end: pg.Pool#end resolves before its sockets close,
 * and terminating them (drop … with force) would make the pool emit an unhandled 'error'.
 */
export async function createPgDatabase(prefix: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await pgAdmin(`create database ${name}`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const drop = async () => {
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      const [{ n }] = await pgAdmin<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await pgAdmin(`drop database if exists ${name} with (force)`);
  };
  return { name, url: url.toString(), drop };
}
