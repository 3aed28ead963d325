import { nowIso } from '../../util/now.js';
import type { Db } from '../db.js';
import type { MediaTable } from '../schema.js';

export function mediaRepo(db: Db) {
  return {
    insert(m: Omit<MediaTable, 'created_at' | 'deleted_at' | 'moderation'> & { moderation?: string | null }) {
      return db.insertInto('media').values({ ...m, moderation: m.moderation ?? null, created_at: nowIso(), deleted_at: null }).execute();
    },
    get(key: string) {
      return db.selectFrom('media').selectAll().where('key', '=', key).executeTakeFirst();
    },
    expired(now = nowIso(), limit = 500) {
      return db.selectFrom('media').selectAll().where('deleted_at', 'is', null).where('expires_at', '<', now).limit(limit).execute();
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
