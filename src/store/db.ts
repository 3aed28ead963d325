import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './schema.js';
import { migrateToLatest } from './migrations.js';
import { registerSetReader, sqliteSetReader } from './sqlite-set-reader.js';

export type { Db };
export type DbEngine = 'sqlite' | 'postgres';

export interface OpenedDb {
  db: Db;
  engine: DbEngine;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Sees every statement Kysely runs (SQL text and parameters): query-plan tests, debugging. */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void;
  /** PostgreSQL: a pooled connection was ended by the server (the pool replaces it). */
  onConnectionError?: (err: Error) => void;
}

/** `sqlite` (file in dataDir), `sqlite::memory:`, `sqlite:/path/file.db` or a postgres:// URL. */
export async function openDatabase(url: string, dataDir: string, opts: OpenDatabaseOptions = {}): Promise<OpenedDb> {
  const log = opts.onQuery ? (e: LogEvent) => opts.onQuery!(e.query.sql, e.query.parameters) : undefined;
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // bigint columns come back as strings by default; our values stay far below 2^53.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // A connection the server ends (restart, failover, pg_terminate_backend) emits 'error' on its
    // client, and on the pool too while idle; unhandled, either event ends the process. A query
    // on it fails on its own and the pool discards the connection, so here it is only reported.
    pool.on('connect', (client) => client.on('error', (err) => opts.onConnectionError?.(err)));
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
    await migrateToLatest(db, 'postgres');
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  let file = url === 'sqlite' ? path.join(dataDir, 'opensoul.db') : url.replace(/^sqlite:/, '');
  if (file !== ':memory:') {
    file = path.resolve(file);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Key hashes and webhook secrets live here: owner-only, like the other secrets. SQLite gives
    // its -wal and -shm files the database file's permissions.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
  }
  const sqlite = new SQLite(file);
  // WAL lets pollers read while a worker writes; busy_timeout absorbs short write contention.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // SQLite's own page cache defaults to 2 MB: at a million jobs most index lookups then go
  // through read() calls. 64 MB keeps the upper b-tree levels of every hot index cached.
  sqlite.pragma('cache_size = -65536');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), log });
  await migrateToLatest(db, 'sqlite');
  registerSetReader(db, sqliteSetReader(sqlite));
  return { db, engine: 'sqlite', close: () => db.destroy() };
}

/**
 * Kysely prepares every query afresh; preparing costs more than running a small query on
 * better-sqlite3. Reusing statements by SQL text makes hot reads (status polls) several times faster.
 */
function withStatementCache(sqlite: SQLite.Database, max = 512) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}
