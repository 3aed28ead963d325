import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';
import { SECRET_HEADERS } from '../domain/sealed.js';
import { secretsRepo } from '../store/repos/secrets.js';
import { openCheckedSecret, SecretCheckError } from './checked-secret.js';
import { SecretBox, parseDataKey } from './secret-box.js';

export interface DataKeySettings {
  dataDir: string;
  /** OPENSOUL_DATA_KEY (base64 or hex of 32 bytes); null = the key file in the data dir. */
  dataKey: string | null;
}

/**
 * The key that seals webhook secrets: OPENSOUL_DATA_KEY, else `<dataDir>/data-key` (0600, made on
 * the first start of a database that has none). The database remembers a keyed check of the
 * key it was sealed with, so a different or lost key stops the process here with a clear
 * message, instead of every webhook failing later.
 */
export async function openSecretBox(s: DataKeySettings, db: Db): Promise<SecretBox> {
  const key = await openCheckedSecret(
    {
      purpose: 'data',
      label: 'data key',
      noun: 'key',
      guards: 'webhook secrets are sealed with',
      envName: 'OPENSOUL_DATA_KEY',
      envValue: s.dataKey,
      dataDir: s.dataDir,
      fileName: 'data-key',
      restoreHint: 'restore that file',
      sameEverywhere:
        'every API and worker process sharing this database must use the same key: set OPENSOUL_DATA_KEY to one value everywhere',
      parse(text, source) {
        const parsed = parseDataKey(text);
        if (parsed) return parsed;
        throw new SecretCheckError(
          source === 'OPENSOUL_DATA_KEY'
            ? 'OPENSOUL_DATA_KEY must be 32 bytes as base64 (44 characters) or hex (64)'
            : `${source} does not hold a data key (32 bytes as base64 or hex)`,
        );
      },
      generate() {
        const value = randomBytes(32);
        return { value, text: value.toString('base64') };
      },
      material: (key) => key,
    },
    db,
  );
  return new SecretBox(key);
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
