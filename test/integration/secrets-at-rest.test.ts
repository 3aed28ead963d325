// Webhook secrets at rest: sealed with the data key in every table they reach (accounts, job
// sets, outbox), still signing webhooks that the receiver verifies, plain rows of older versions
// sealed at start without losing their webhook, and a wrong or lost key stopping the start.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { verifyStandardWebhook, verifyWaveSpeedWebhook } from '../../src/net/webhook-signing.js';
import { SecretBox } from '../../src/services/secret-box.js';
import type { Db } from '../../src/store/db.js';
import { resellerSurfaces } from '../dialects/servers.js';
import { type LocalServer, startLocalServer } from '../helpers/local-http-server.js';
import { createPgDatabase } from '../helpers/pg-admin.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

async function freshDatabase(database: 'sqlite' | 'postgres'): Promise<{ url: string; files: string[] }> {
  const tag = randomBytes(4).toString('hex');
  if (database === 'sqlite') {
    const file = path.join(os.tmpdir(), `opensoul-secrets-${tag}.db`);
    const files = [file, `${file}-wal`, `${file}-shm`];
    cleanup.push(async () => files.forEach((f) => fs.rmSync(f, { force: true })));
    return { url: `sqlite:${file}`, files };
  }
  const db = await createPgDatabase('opensoul_secrets');
  cleanup.push(db.drop);
  return { url: db.url, files: [] };
}

/** Servers over one database share its media secret too (each has its own data dir). */
const MEDIA_SECRET = randomBytes(32).toString('hex');

async function server(databaseUrl: string, dataKey: string, opts: { webhooks?: boolean } = {}): Promise<TestServer> {
  const s = await startServer({ surfaces: resellerSurfaces(), config: { databaseUrl, dataKey, mediaSecret: MEDIA_SECRET } });
  if (opts.webhooks === false) s.ctx.webhooks.stop();
  cleanup.push(() => s.close());
  return s;
}

async function receiver(): Promise<LocalServer> {
  const r = await startLocalServer((_req, res) => res.end('ok'));
  cleanup.push(() => r.close());
  return r;
}

/** Every value of every row of every table, as text: where a plain secret must not appear. */
async function everyStoredValue(db: Db): Promise<string> {
  const tables = (await db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
  expect(tables).toEqual(expect.arrayContaining(['accounts', 'job_sets', 'outbox', 'idempotency', 'jobs']));
  const out: string[] = [];
  for (const t of tables) out.push(JSON.stringify((await sql`select * from ${sql.table(t)}`.execute(db)).rows));
  return out.join('\n');
}

async function submitV1(url: string, a: { keyId: string; secret: string }, hookUrl: string, secret: string): Promise<string> {
  const r = await fetch(`${url}/v1/text2image/soul`, {
    method: 'POST',
    headers: { ...hfHeaders(a), 'idempotency-key': randomBytes(8).toString('hex') },
    body: JSON.stringify({ params: { prompt: 'sealed' }, webhook: { url: hookUrl, secret } }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { id: string }).id;
}

/** The account's signing secret as its owner reads it over HTTP. */
async function signingSecret(url: string, a: { keyId: string; secret: string }): Promise<string> {
  const body = (await (await fetch(`${url}/v1/account`, { headers: hfHeaders(a) })).json()) as { webhook_signing_secret: string };
  expect(body.webhook_signing_secret).toMatch(/^whsec_/);
  return body.webhook_signing_secret;
}

const headerBag = (h: http.IncomingHttpHeaders) => h as Record<string, string>;

describe.each(['sqlite', 'postgres'] as const)('webhook secrets at rest over %s', (database) => {
  it('are stored sealed everywhere and still sign webhooks the receiver verifies', async () => {
    const { url, files } = await freshDatabase(database);
    const s = await server(url, randomBytes(32).toString('base64'));
    const hooks = await receiver();
    const a = await s.account(100);
    const perRequest = `per-request-${randomBytes(8).toString('hex')}`;
    const setId = await submitV1(s.url, a, hooks.url('/v1'), perRequest);
    // WaveSpeed signs with the same account secret, its own way (v3, hex).
    const ws = await fetch(`${s.url}/api/v3/higgsfield/soul/text-to-image?webhook=${encodeURIComponent(hooks.url('/ws'))}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'sealed too' }),
    });
    expect(ws.status).toBe(200);
    const hit = await waitFor(async () => hooks.received.find((r) => r.url === '/v1'));
    const wsHit = await waitFor(async () => hooks.received.find((r) => r.url === '/ws'));
    const secret = await signingSecret(s.url, a);
    expect(JSON.parse(hit.body.toString()).id).toBe(setId);
    expect(hit.headers['x-webhook-secret-key']).toBe(perRequest);
    expect(verifyStandardWebhook(headerBag(hit.headers), hit.body, secret)).toBe('ok');
    const wsSecret = (
      (await (await fetch(`${s.url}/api/v3/webhook/secret`, { headers: { authorization: `Bearer ${a.credential}` } })).json()) as any
    ).data.secret;
    expect(wsSecret).toBe(secret);
    expect(verifyWaveSpeedWebhook(headerBag(wsHit.headers), wsHit.body, secret)).toBe('ok');
    // A different secret does not verify: the receiver really checks.
    expect(verifyStandardWebhook(headerBag(hit.headers), hit.body, 'whsec_' + randomBytes(24).toString('base64'))).toBe('bad_signature');

    // An upload URL's token is stored hashed; the URL still works once.
    const slot = (await (
      await fetch(`${s.url}/files/generate-upload-url`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ content_type: 'image/png' }),
      })
    ).json()) as { upload_url: string };
    const uploadToken = new URL(slot.upload_url).pathname.split('/').pop()!;
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    expect(
      (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status,
    ).toBe(200);
    expect(
      (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status,
    ).toBe(409);

    const db = s.ctx.db.db;
    const stored = await everyStoredValue(db);
    expect(stored).not.toContain(secret.slice(6));
    expect(stored).not.toContain(perRequest);
    expect(stored).not.toContain(uploadToken);
    const account = await db.selectFrom('accounts').select('webhook_secret').where('id', '=', a.accountId).executeTakeFirstOrThrow();
    expect(account.webhook_secret).toMatch(/^enc:v1:[A-Za-z0-9_-]+$/);
    const set = await db.selectFrom('job_sets').select('webhook').where('id', '=', setId).executeTakeFirstOrThrow();
    expect(JSON.parse(set.webhook!).secret).toMatch(/^enc:v1:/);
    const outbox = await db.selectFrom('outbox').select('headers').where('job_set_id', '=', setId).executeTakeFirstOrThrow();
    expect(JSON.parse(outbox.headers)['X-Webhook-Secret-Key']).toMatch(/^enc:v1:/);
    // SQLite: not in the file's bytes either (database and its write-ahead log).
    for (const f of files.filter((f) => fs.existsSync(f))) {
      const bytes = fs.readFileSync(f);
      expect(bytes.includes(secret.slice(6)), f).toBe(false);
      expect(bytes.includes(perRequest), f).toBe(false);
      expect(bytes.includes(uploadToken), f).toBe(false);
    }
  });

  it('plain secrets written by an older version are sealed at start and their webhook is still delivered', async () => {
    const { url } = await freshDatabase(database);
    const dataKey = randomBytes(32).toString('base64');
    const hooks = await receiver();
    // The "older version": the set finishes while nothing delivers, then its rows are made plain.
    const old = await server(url, dataKey, { webhooks: false });
    const a = await old.account(100);
    const plainSigning = await signingSecret(old.url, a);
    const perRequest = `legacy-${randomBytes(8).toString('hex')}`;
    const setId = await submitV1(old.url, a, hooks.url('/legacy'), perRequest);
    const db = old.ctx.db.db;
    const row = await waitFor(async () => (await old.ctx.webhooks.deliveries(setId))[0]);
    const setRow = await db.selectFrom('job_sets').select('webhook').where('id', '=', setId).executeTakeFirstOrThrow();
    await db.updateTable('accounts').set({ webhook_secret: plainSigning }).where('id', '=', a.accountId).execute();
    await db
      .updateTable('job_sets')
      .set({ webhook: JSON.stringify({ ...JSON.parse(setRow.webhook!), secret: perRequest }) })
      .where('id', '=', setId)
      .execute();
    await db
      .updateTable('outbox')
      .set({ headers: JSON.stringify({ 'X-Webhook-Secret-Key': perRequest }) })
      .where('id', '=', row.id)
      .execute();
    expect(await everyStoredValue(db)).toContain(perRequest);
    expect(hooks.received).toHaveLength(0);
    await old.close();

    const now = await server(url, dataKey);
    const hit = await waitFor(async () => hooks.received[0]);
    expect(hit.headers['webhook-id']).toBe(row.id);
    expect(hit.headers['x-webhook-secret-key']).toBe(perRequest);
    expect(verifyStandardWebhook(headerBag(hit.headers), hit.body, plainSigning)).toBe('ok');
    expect(await signingSecret(now.url, a)).toBe(plainSigning);
    const stored = await everyStoredValue(now.ctx.db.db);
    expect(stored).not.toContain(perRequest);
    expect(stored).not.toContain(plainSigning.slice(6));
  });

  it('a different data key stops the start with a clear error', async () => {
    const { url } = await freshDatabase(database);
    const first = await server(url, randomBytes(32).toString('base64'));
    await first.account(1);
    const keyId = first.ctx.secrets.keyId;
    await first.close();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-wrong-key-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const wrong = randomBytes(32).toString('base64');
    const config = loadConfig({}, { dataDir, databaseUrl: url, dataKey: wrong, workers: 0 });
    await expect(createContext(config, { runners: [] })).rejects.toThrow(
      new RegExp(
        `data key ${new SecretBox(Buffer.from(wrong, 'base64')).keyId} \\(from OPENSOUL_DATA_KEY\\) is not the key this database's webhook secrets are sealed with \\(${keyId}\\); every API and worker process`,
      ),
    );
    // No key configured and no key file in this data dir: it is not invented anew.
    await expect(createContext(loadConfig({}, { dataDir, databaseUrl: url, workers: 0 }), { runners: [] })).rejects.toThrow(
      /data key [0-9a-f]{12} .*is not the key|does not exist/,
    );
  });
});

describe('a sealed secret changed in the database', () => {
  it('ends its outbox row dead with the reason instead of retrying it forever', async () => {
    const { url } = await freshDatabase('sqlite');
    const s = await server(url, randomBytes(32).toString('base64'), { webhooks: false });
    const hooks = await receiver();
    const a = await s.account(10);
    const setId = await submitV1(s.url, a, hooks.url('/x'), 'per-request');
    const row = await waitFor(async () => (await s.ctx.webhooks.deliveries(setId))[0]);
    const sealed = JSON.parse(row.headers)['X-Webhook-Secret-Key'] as string;
    // Flip a bit of the tag's last byte (editing base64 text can leave the bytes unchanged when only padding bits move).
    const prefix = 'enc:v1:';
    const raw = Buffer.from(sealed.slice(prefix.length), 'base64url');
    raw[raw.length - 1] ^= 1;
    const changed = prefix + raw.toString('base64url');
    await s.ctx.db.db
      .updateTable('outbox')
      .set({ headers: JSON.stringify({ 'X-Webhook-Secret-Key': changed }) })
      .where('id', '=', row.id)
      .execute();
    s.ctx.webhooks.start(50);
    const ended = await waitFor(async () => {
      const r = (await s.ctx.webhooks.deliveries(setId))[0];
      return r.state !== 'pending' && r;
    });
    expect(ended).toMatchObject({ state: 'dead', claimed_by: null });
    expect(ended.last_error).toBe(
      `not sent: sealed secret does not open with data key ${s.ctx.secrets.keyId} (sealed under another key, or changed)`,
    );
    expect(hooks.received).toHaveLength(0);
  });
});

describe('the data key file', () => {
  it('is made 0600 on first start, kept, and a lost one is a clear start-up error (opensoul serve exits 1)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-keyfile-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({}, { dataDir, workers: 0 });
    const ctx = await createContext(config, { runners: [] });
    const file = path.join(dataDir, 'data-key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const keyId = ctx.secrets.keyId;
    const acct = await ctx.accounts.createAccountWithKey('k', 0);
    const plain = await ctx.accounts.webhookSecret(acct.accountId);
    await ctx.close();
    // Restarted on the same data dir: same key, same secret.
    const again = await createContext(config, { runners: [] });
    expect(again.secrets.keyId).toBe(keyId);
    expect(await again.accounts.webhookSecret(acct.accountId)).toBe(plain);
    await again.close();

    fs.renameSync(file, file + '.moved');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/main.ts'), '--data-dir', dataDir, 'serve', '--port', '0', '--no-workers'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `this database's webhook secrets are sealed with data key ${keyId}, but OPENSOUL_DATA_KEY is not set and ${file} does not exist`,
    );
    expect(r.stdout).not.toContain('listening');
    expect(fs.existsSync(file)).toBe(false);
    // The key given as OPENSOUL_DATA_KEY instead of the file works.
    const viaEnv = await createContext(
      loadConfig({ OPENSOUL_DATA_KEY: fs.readFileSync(file + '.moved', 'utf8').trim() }, { dataDir, workers: 0 }),
      { runners: [] },
    );
    expect(await viaEnv.accounts.webhookSecret(acct.accountId)).toBe(plain);
    await viaEnv.close();
  }, 70_000);
});
