// The media secret on a scaled deployment: every process over one database must sign and verify
// media and upload URLs with the same secret. Real `opensoul serve` processes, each with its own
// data dir (as on separate machines), over one SQLite file or PostgreSQL database: the first
// records a keyed check of its secret; another with no secret or a different one exits 1 naming
// OPENSOUL_MEDIA_SECRET; with the same one it starts and honours URLs the first one signed.
import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { verifyMediaSignature } from '../../src/net/signed-url.js';
import { mediaSecretCheck } from '../../src/services/media-secret.js';
import { openDatabase } from '../../src/store/db.js';
import { createPgDatabase } from '../helpers/pg-admin.js';
import { hfHeaders, waitFor } from '../helpers/server.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

async function freshDatabase(database: 'sqlite' | 'postgres'): Promise<string> {
  const tag = randomBytes(4).toString('hex');
  if (database === 'sqlite') {
    const file = path.join(os.tmpdir(), `opensoul-media-secret-${tag}.db`);
    cleanup.push(async () => [file, `${file}-wal`, `${file}-shm`].forEach((f) => fs.rmSync(f, { force: true })));
    return `sqlite:${file}`;
  }
  const db = await createPgDatabase('opensoul_media_secret');
  cleanup.push(db.drop);
  return db.url;
}

/** A data dir of its own: what a separate machine has. */
function machine(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-machine-'));
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment of one process: the shared database and data key, and its media secret if any. */
function env(databaseUrl: string, dataKey: string, mediaSecret?: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    OPENSOUL_DATABASE_URL: databaseUrl,
    OPENSOUL_DATA_KEY: dataKey,
    OPENSOUL_MODERATION: 'off',
    OPENSOUL_C2PA: 'false',
  };
  delete e.OPENSOUL_MEDIA_SECRET;
  if (mediaSecret) e.OPENSOUL_MEDIA_SECRET = mediaSecret;
  return e;
}

const serveArgs = (dataDir: string) => [
  '--import',
  'tsx',
  path.join(root, 'src/main.ts'),
  '--data-dir',
  dataDir,
  'serve',
  '--port',
  '0',
  '--no-workers',
];

/** `opensoul serve` until it listens (and, first on a fresh database, has printed its bootstrap key). */
async function serve(
  dataDir: string,
  processEnv: NodeJS.ProcessEnv,
  first: boolean,
): Promise<{ url: string; apiKey: string | null; child: ChildProcess }> {
  const child = spawn(process.execPath, serveArgs(dataDir), { env: processEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${err}`);
    return first ? /^API key: /m.test(out) : /^Soul model:/m.test(out);
  }, 60_000);
  const url = /opensoul listening on (\S+)/.exec(out)![1];
  const apiKey = /^API key: (\S+)/m.exec(out)?.[1] ?? null;
  return { url, apiKey, child };
}

function serveFails(dataDir: string, processEnv: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, serveArgs(dataDir), { env: processEnv, encoding: 'utf8', timeout: 60_000 });
}

describe.each(['sqlite', 'postgres'] as const)('the media secret of processes over one %s database', (database) => {
  it("a second machine without it, or with another one, refuses to start; with the same one it honours the first one's URLs", async () => {
    const databaseUrl = await freshDatabase(database);
    const dataKey = randomBytes(32).toString('base64');
    const dirA = machine();
    const a = await serve(dirA, env(databaseUrl, dataKey), true);
    expect(a.apiKey).toMatch(/^[^:]+:.+$/);
    // The first start made its secret (0600) and recorded only a keyed check of it.
    const file = path.join(dirA, 'media-secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const secret = fs.readFileSync(file, 'utf8').trim();
    const { keyId, check } = mediaSecretCheck(secret);
    const db = await openDatabase(databaseUrl, dirA);
    cleanup.push(() => db.close());
    const row = await db.db.selectFrom('data_key').selectAll().where('id', '=', 'media').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ key_id: keyId, key_check: check });
    const tables = (await db.db.introspection.getTables()).map((t) => t.name);
    for (const t of tables) expect(JSON.stringify((await sql`select * from ${sql.table(t)}`.execute(db.db)).rows), t).not.toContain(secret);

    // Another machine that would make its own secret: refused, and nothing made there.
    const dirB = machine();
    const none = serveFails(dirB, env(databaseUrl, dataKey));
    expect(none.status).toBe(1);
    expect(none.stderr).toContain(
      `this database's media and upload URLs are signed with media secret ${keyId}, but OPENSOUL_MEDIA_SECRET is not set and ${path.join(dirB, 'media-secret')} does not exist`,
    );
    expect(none.stderr).toContain('set OPENSOUL_MEDIA_SECRET to one value everywhere');
    expect(none.stdout).not.toContain('listening');
    expect(fs.existsSync(path.join(dirB, 'media-secret'))).toBe(false);

    // A different secret: refused, naming both checks (never the secrets).
    const other = randomBytes(32).toString('hex');
    const wrong = serveFails(dirB, env(databaseUrl, dataKey, other));
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(
      `media secret ${mediaSecretCheck(other).keyId} (from OPENSOUL_MEDIA_SECRET) is not the secret this database's media and upload URLs are signed with (${keyId}); every API and worker process`,
    );
    expect(wrong.stderr).not.toContain(other);
    expect(wrong.stdout).not.toContain('listening');

    // The same secret: starts, and URLs signed by the first process verify here.
    const b = await serve(dirB, env(databaseUrl, dataKey, secret), false);
    expect(b.apiKey).toBeNull();
    const [keyIdA, keySecret] = a.apiKey!.split(':');
    const slot = (await (
      await fetch(`${a.url}/files/generate-upload-url`, {
        method: 'POST',
        headers: hfHeaders({ keyId: keyIdA, secret: keySecret }),
        body: JSON.stringify({ content_type: 'image/png' }),
      })
    ).json()) as { upload_url: string; public_url: string };
    expect(slot.upload_url.startsWith(a.url)).toBe(true);
    const onB = (signed: string) => b.url + signed.slice(a.url.length);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    // A changed signature is refused: B really checks.
    const forged = onB(slot.upload_url).replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`);
    expect((await fetch(forged, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status).toBe(404);
    expect(
      (await fetch(onB(slot.upload_url), { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status,
    ).toBe(200);
    // The media URL A signed serves the bytes B stored.
    const got = await fetch(onB(slot.public_url));
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(await sharp(Buffer.from(await got.arrayBuffer())).metadata()).toMatchObject({ width: 8, height: 8 });
  }, 240_000);
});

describe('the media secret file', () => {
  it('of an older version (no check recorded, readable by others) is kept, tightened to 0600 and recorded', async () => {
    const dataDir = machine();
    const file = path.join(dataDir, 'media-secret');
    const legacy = randomBytes(32).toString('hex');
    fs.writeFileSync(file, legacy, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const ctx = await createContext(loadConfig({}, { dataDir, workers: 0 }), { runners: [] });
    cleanup.push(() => ctx.close());
    expect(ctx.config.mediaSecret).toBe(legacy);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const row = await ctx.db.db.selectFrom('data_key').selectAll().where('id', '=', 'media').executeTakeFirstOrThrow();
    expect(row.key_id).toBe(mediaSecretCheck(legacy).keyId);
    // URLs it signs verify against that secret, and only that one.
    const signed = new URL(ctx.media.url('some/key.png'));
    expect(verifyMediaSignature(signed.pathname, signed.search, legacy)).toBe('ok');
    expect(verifyMediaSignature(signed.pathname, signed.search, randomBytes(32).toString('hex'))).toBe('bad_signature');
  });

  it('that was emptied is a clear start-up error, not a new secret', async () => {
    const dataDir = machine();
    fs.writeFileSync(path.join(dataDir, 'media-secret'), '\n', { mode: 0o600 });
    await expect(createContext(loadConfig({}, { dataDir, workers: 0 }), { runners: [] })).rejects.toThrow(
      `${path.join(dataDir, 'media-secret')} does not hold a media secret (at least 16 characters); restore it or set OPENSOUL_MEDIA_SECRET`,
    );
  });
});
