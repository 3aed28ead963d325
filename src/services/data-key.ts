import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.js';
import { secretsRepo } from '../store/repos/secrets.js';
import { SecretBox, parseDataKey } from './secret-box.js';

export interface DataKeySettings {
  dataDir: string;
  /** OPENSOUL_DATA_KEY (base64 or hex of 32 bytes); null = the key file in the data dir. */
  dataKey: string | null;
}

/** A start-up failure about the data key: the process must not run with secrets it cannot open. */
export class DataKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataKeyError';
  }
}

const SAME_EVERYWHERE =
  'every API and worker process sharing this database must use the same key: set OPENSOUL_DATA_KEY to one value everywhere';

/**
 * The key that seals webhook secrets: OPENSOUL_DATA_KEY, else `<dataDir>/data-key` (0600, made on
 * the first start of a database that has none). The database remembers a keyed check of the
 * key it was sealed with, so a different or lost key stops the process here with a clear
 * message, instead of every webhook failing later.
 */
export async function openSecretBox(s: DataKeySettings, db: Db): Promise<SecretBox> {
  const repo = secretsRepo(db);
  let recorded = await repo.keyCheck('data');
  const file = path.join(s.dataDir, 'data-key');
  let key: Buffer;
  let source: string;
  if (s.dataKey) {
    const parsed = parseDataKey(s.dataKey);
    if (!parsed) throw new DataKeyError('OPENSOUL_DATA_KEY must be 32 bytes as base64 (44 characters) or hex (64)');
    key = parsed;
    source = 'OPENSOUL_DATA_KEY';
  } else if (fs.existsSync(file)) {
    const parsed = parseDataKey(fs.readFileSync(file, 'utf8'));
    if (!parsed) throw new DataKeyError(`${file} does not hold a data key (32 bytes as base64 or hex)`);
    key = parsed;
    source = file;
  } else if (recorded) {
    throw new DataKeyError(
      `this database's webhook secrets are sealed with data key ${recorded.key_id}, but OPENSOUL_DATA_KEY is not set and ${file} does not exist: ` +
        `restore that file or set OPENSOUL_DATA_KEY (${SAME_EVERYWHERE})`,
    );
  } else {
    key = randomBytes(32);
    fs.mkdirSync(s.dataDir, { recursive: true, mode: 0o700 });
    // wx: a process starting beside this one may have just written it; then use theirs.
    try {
      fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      key = parseDataKey(fs.readFileSync(file, 'utf8')) ?? key;
    }
    source = file;
  }
  const box = new SecretBox(key);
  if (!recorded) {
    await repo.recordKeyCheck(box.keyId, box.check, 'data');
    recorded = await repo.keyCheck('data');
  }
  const ok =
    recorded && recorded.key_check.length === box.check.length && timingSafeEqual(Buffer.from(recorded.key_check), Buffer.from(box.check));
  if (!ok) {
    throw new DataKeyError(
      `data key ${box.keyId} (from ${source}) is not the key this database's webhook secrets are sealed with (${recorded?.key_id}); ${SAME_EVERYWHERE}`,
    );
  }
  return box;
}

/**
 * Seals secrets that older versions stored in plain text (and that a process of an older
 * version may have written during a rolling upgrade): run at every start. Values are read back
 * unchanged by SecretBox.open, so a row missed here still works; sealing only changes its form.
 */
export async function sealPlainSecrets(db: Db, box: SecretBox): Promise<number> {
  const read = secretsRepo(db);
  /** Pages of plain rows, each page's updates in one transaction (one commit, not one per row). */
  async function sealAll<R extends { id: string; value: string | null }>(
    page: (after: string) => Promise<R[]>,
    write: (repo: ReturnType<typeof secretsRepo>, row: R) => Promise<void>,
  ): Promise<number> {
    let count = 0;
    for (let after = ''; ;) {
      const rows = await page(after);
      if (rows.length === 0) return count;
      await db.transaction().execute(async (trx) => {
        const repo = secretsRepo(trx);
        for (const r of rows) await write(repo, r);
      });
      count += rows.length;
      after = rows[rows.length - 1].id;
    }
  }
  return (
    (await sealAll(read.plainAccountSecrets, (repo, r) => repo.replaceAccountSecret(r.id, r.value, box.seal(r.value)))) +
    (await sealAll(read.plainSetWebhooks, async (repo, r) => {
      const hook = JSON.parse(r.value!) as { secret?: string | null };
      if (typeof hook.secret === 'string')
        await repo.replaceSetWebhook(r.id, r.value!, JSON.stringify({ ...hook, secret: box.reseal(hook.secret) }));
    })) +
    (await sealAll(read.plainOutboxHeaders, (repo, r) =>
      repo.replaceOutboxHeaders(r.id, r.value, JSON.stringify(sealHeaders(box, JSON.parse(r.value)))),
    ))
  );
}

/** Outbox headers that carry a secret; the rest are sent as stored. */
export const SECRET_HEADERS = ['X-Webhook-Secret-Key'];

export function sealHeaders(box: SecretBox, headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  for (const h of SECRET_HEADERS) if (typeof out[h] === 'string') out[h] = box.reseal(out[h]);
  return out;
}

export function openHeaders(box: SecretBox, headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  for (const h of SECRET_HEADERS) if (typeof out[h] === 'string') out[h] = box.open(out[h]);
  return out;
}
