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
