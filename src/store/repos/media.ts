import { nowIso } from '../../util/now.js';
import type { Db } from '../db.js';
import type { MediaTable } from '../schema.js';

export function mediaRepo(db: Db) {
  return {
    /** A key stored again (a job's output written by a repeated run) replaces its row. */
    insert(m: Omit<MediaTable, 'created_at' | 'deleted_at' | 'moderation'> & { moderation?: string | null }) {
      const row = { ...m, moderation: m.moderation ?? null, created_at: nowIso(), deleted_at: null };
      return db
        .insertInto('media')
        .values(row)
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            content_type: row.content_type,
            size: row.size,
            width: row.width,
            height: row.height,
            moderation: row.moderation,
            created_at: row.created_at,
            expires_at: row.expires_at,
            deleted_at: null,
          }),
        )
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
        .values({
          token: s.token,
          account_id: s.accountId,
          media_key: s.mediaKey,
          content_type: s.contentType,
          expires_at: s.expiresAt,
          used_at: null,
          max_bytes: s.maxBytes,
        })
        .execute();
    },
    getSlot(token: string) {
      return db.selectFrom('upload_slots').selectAll().where('token', '=', token).executeTakeFirst();
    },
    async useSlot(token: string): Promise<boolean> {
      const r = await db
        .updateTable('upload_slots')
        .set({ used_at: nowIso() })
        .where('token', '=', token)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
