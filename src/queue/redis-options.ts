/** Connection options for BullMQ (ioredis) from `redis://[user:pass@]host[:port][/db]` or `rediss://`. */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
}

/** Never echoes the value: it is a credential. */
function decodeUserinfo(v: string, what: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    throw new Error(`OPENSOUL_REDIS_URL ${what} has invalid percent-encoding`);
  }
}

export function redisOptions(url: string): RedisConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('OPENSOUL_REDIS_URL is not a URL (value not shown: it may hold a password)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`OPENSOUL_REDIS_URL must start with redis:// or rediss://, got "${u.protocol}//"`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`OPENSOUL_REDIS_URL database must be a number, got "${u.pathname.slice(1)}"`);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeUserinfo(u.username, 'user name') } : {}),
    ...(u.password ? { password: decodeUserinfo(u.password, 'password') } : {}),
    db,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
