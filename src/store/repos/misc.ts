import type { Db } from '../db.js';
import type { MediaTable } from '../schema.js';
import { nowIso } from './accounts.js';

export function idempotencyRepo(db: Db) {
  return {
    get(accountId: string, key: string) {
      return db.selectFrom('idempotency').selectAll().where('account_id', '=', accountId).where('key', '=', key).executeTakeFirst();
    },
    /** false when the key already exists (the primary key decides races). */
    async begin(accountId: string, key: string, requestHash: string): Promise<boolean> {
      const r = await db
        .insertInto('idempotency')
        .values({ account_id: accountId, key, request_hash: requestHash, state: 'in_flight', response_status: null, response_body: null, created_at: nowIso() })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      return r !== undefined;
    },
    /**
     * Takes over a key whose first request never finished (its process died between begin and
     * complete): only an in_flight row that is still the one seen, so two retries cannot both win.
     */
    async takeOver(accountId: string, key: string, seenCreatedAt: string, requestHash: string): Promise<boolean> {
      const r = await db
        .updateTable('idempotency')
        .set({ request_hash: requestHash, created_at: nowIso() })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('state', '=', 'in_flight')
        .where('created_at', '=', seenCreatedAt)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Keys are remembered for a day (as Stripe does); older rows are deleted. */
    purgeOlderThan(cutoffIso: string) {
      return db.deleteFrom('idempotency').where('created_at', '<', cutoffIso).executeTakeFirst();
    },
    complete(accountId: string, key: string, status: number, body: string) {
      return db
        .updateTable('idempotency')
        .set({ state: 'done', response_status: status, response_body: body })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .execute();
    },
    forget(accountId: string, key: string) {
      return db.deleteFrom('idempotency').where('account_id', '=', accountId).where('key', '=', key).execute();
    },
  };
}

export function mediaRepo(db: Db) {
  return {
    /** A key stored again (a job's output written by a repeated run) replaces its row. */
    insert(m: Omit<MediaTable, 'created_at' | 'deleted_at'>) {
      const row = { ...m, created_at: nowIso(), deleted_at: null };
      return db
        .insertInto('media')
        .values(row)
        .onConflict((oc) => oc.column('key').doUpdateSet({ content_type: row.content_type, size: row.size, width: row.width, height: row.height, created_at: row.created_at, expires_at: row.expires_at, deleted_at: null }))
        .execute();
    },
    get(key: string) {
      return db.selectFrom('media').selectAll().where('key', '=', key).executeTakeFirst();
    },
    expired(now = nowIso(), limit = 500) {
      return db.selectFrom('media').selectAll().where('deleted_at', 'is', null).where('expires_at', '<', now).limit(limit).execute();
    },
    /** Hands these keys to the retention sweep now (those that exist and are not deleted yet). */
    expireNow(keys: string[]) {
      const now = nowIso();
      return db.updateTable('media').set({ expires_at: now }).where('key', 'in', keys).where('deleted_at', 'is', null).execute();
    },
    markDeleted(key: string) {
      return db.updateTable('media').set({ deleted_at: nowIso() }).where('key', '=', key).execute();
    },
    insertSlot(s: { token: string; accountId: string; mediaKey: string; contentType: string; expiresAt: string; maxBytes: number | null }) {
      return db
        .insertInto('upload_slots')
        .values({ token: s.token, account_id: s.accountId, media_key: s.mediaKey, content_type: s.contentType, expires_at: s.expiresAt, used_at: null, max_bytes: s.maxBytes })
        .execute();
    },
    getSlot(token: string) {
      return db.selectFrom('upload_slots').selectAll().where('token', '=', token).executeTakeFirst();
    },
    async useSlot(token: string): Promise<boolean> {
      const r = await db.updateTable('upload_slots').set({ used_at: nowIso() }).where('token', '=', token).where('used_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
