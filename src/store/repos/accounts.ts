import { nowIso } from '../../util/now.js';
import type { Db } from '../db.js';

export function accountsRepo(db: Db) {
  return {
    async create(a: { id: string; name: string; webhookSecret: string }) {
      await db
        .insertInto('accounts')
        .values({ id: a.id, name: a.name, balance_milli: 0, webhook_secret: a.webhookSecret, created_at: nowIso() })
        .execute();
    },
    get(id: string) {
      return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    list() {
      return db.selectFrom('accounts').selectAll().orderBy('created_at').execute();
    },
    insertKey(k: { id: string; accountId: string; name: string; secretHash: string }) {
      return db
        .insertInto('api_keys')
        .values({
          id: k.id,
          account_id: k.accountId,
          name: k.name,
          secret_hash: k.secretHash,
          created_at: nowIso(),
          revoked_at: null,
          last_used_at: null,
        })
        .execute();
    },
    findKey(id: string) {
      return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },
    listKeys() {
      return db
        .selectFrom('api_keys')
        .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
        .select([
          'api_keys.id',
          'api_keys.name',
          'api_keys.account_id',
          'api_keys.created_at',
          'api_keys.revoked_at',
          'api_keys.last_used_at',
          'accounts.balance_milli',
        ])
        .orderBy('api_keys.created_at')
        .execute();
    },
    async revokeKey(id: string): Promise<boolean> {
      const r = await db
        .updateTable('api_keys')
        .set({ revoked_at: nowIso() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
