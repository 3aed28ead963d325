// The PostgreSQL maintenance connection benches create and drop their databases through.
import pg from 'pg';

export const BENCH_PG_ADMIN = process.env.OPENSOUL_BENCH_PG_ADMIN ?? 'postgres://root@127.0.0.1:5432/postgres';

export async function benchPgAdmin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: BENCH_PG_ADMIN });
  await c.connect();
  try {
    await c.query(query);
  } finally {
    await c.end();
  }
}
