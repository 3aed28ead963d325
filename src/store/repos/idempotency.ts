import { nowIso } from '../../util/now.js';
import type { Db } from '../db.js';

export function idempotencyRepo(db: Db) {
  return {
    get(accountId: string, key: string) {
      return db.selectFrom('idempotency').selectAll().where('account_id', '=', accountId).where('key', '=', key).executeTakeFirst();
    },
    /** false when the key already exists (the primary key decides races). */
    async begin(accountId: string, key: string, requestHash: string): Promise<boolean> {
      const r = await db
        .insertInto('idempotency')
        .values({
          account_id: accountId,
          key,
          request_hash: requestHash,
          state: 'in_flight',
          response_status: null,
          job_set_id: null,
          response_body: null,
          created_at: nowIso(),
        })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      return r !== undefined;
    },
    /**
     * Takes over a key whose first request never finished (its process died between begin and
     * complete): only an in_flight row that is still the one seen, so two retries cannot both win.
     */
    async takeOver(accountId: string, key: string, seenCreatedAt: string): Promise<boolean> {
      const r = await db
        .updateTable('idempotency')
        .set({ created_at: nowIso() })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('state', '=', 'in_flight')
        .where('created_at', '=', seenCreatedAt)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** The set a keyed submit already committed, if any. */
    async committedSet(accountId: string, key: string): Promise<string | null> {
      const row = await db
        .selectFrom('idempotency')
        .select('job_set_id')
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .executeTakeFirst();
      return row?.job_set_id ?? null;
    },
    /** Records the set inside the submit's transaction, so the link commits with the set. */
    async linkSet(accountId: string, key: string, jobSetId: string) {
      await db
        .updateTable('idempotency')
        .set({ job_set_id: jobSetId })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .execute();
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
