import type { Db } from '../db.js';
import { SEALED_PREFIX, SECRET_HEADERS } from '../../domain/sealed.js';
import { nowIso } from '../../util/now.js';

const PAGE = 500;

/** Which secret a check row is about: `data` seals webhook secrets, `media` signs media and upload URLs. */
export type KeyPurpose = 'data' | 'media';

/**
 * The key check rows (one per purpose) and the rows that may still hold a secret in plain text (written by a
 * version before sealing): the accounts' signing secrets, job sets' per-request webhook secrets
 * and outbox rows' X-Webhook-Secret-Key header. Pages are keyed by id; updates are guarded by
 * the value read, so a row changed meanwhile is left alone.
 */
export function secretsRepo(db: Db) {
  return {
    keyCheck(purpose: KeyPurpose) {
      return db.selectFrom('data_key').selectAll().where('id', '=', purpose).executeTakeFirst();
    },
    /** First writer wins: two processes starting at once with different keys cannot both record theirs. */
    async recordKeyCheck(keyId: string, check: string, purpose: KeyPurpose) {
      await db
        .insertInto('data_key')
        .values({ id: purpose, key_id: keyId, key_check: check, created_at: nowIso() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },

    plainAccountSecrets(after: string) {
      return db
        .selectFrom('accounts')
        .select(['id', 'webhook_secret as value'])
        .where('id', '>', after)
        .where('webhook_secret', 'not like', `${SEALED_PREFIX}%`)
        .orderBy('id')
        .limit(PAGE)
        .execute();
    },
    async replaceAccountSecret(id: string, old: string, sealed: string) {
      await db.updateTable('accounts').set({ webhook_secret: sealed }).where('id', '=', id).where('webhook_secret', '=', old).execute();
    },

    plainSetWebhooks(after: string) {
      return db
        .selectFrom('job_sets')
        .select(['id', 'webhook as value'])
        .where('id', '>', after)
        .where('webhook', 'like', '%"secret":"%')
        .where('webhook', 'not like', `%"secret":"${SEALED_PREFIX}%`)
        .orderBy('id')
        .limit(PAGE)
        .execute();
    },
    async replaceSetWebhook(id: string, old: string, sealed: string) {
      await db.updateTable('job_sets').set({ webhook: sealed }).where('id', '=', id).where('webhook', '=', old).execute();
    },

    plainOutboxHeaders(after: string) {
      return db
        .selectFrom('outbox')
        .select(['id', 'headers as value'])
        .where('id', '>', after)
        .where((eb) =>
          eb.or(
            SECRET_HEADERS.map((h) =>
              eb.and([eb('headers', 'like', `%"${h}":"%`), eb('headers', 'not like', `%"${h}":"${SEALED_PREFIX}%`)]),
            ),
          ),
        )
        .orderBy('id')
        .limit(PAGE)
        .execute();
    },
    async replaceOutboxHeaders(id: string, old: string, sealed: string) {
      await db.updateTable('outbox').set({ headers: sealed }).where('id', '=', id).where('headers', '=', old).execute();
    },
  };
}
