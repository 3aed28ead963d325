import { sql } from 'kysely';
import type { Db } from '../db.js';
import { nowIso } from '../../util/now.js';

export interface LedgerEntry {
  accountId: string;
  deltaMilli: number;
  reason: 'grant' | 'charge' | 'refund' | 'adjust';
  jobSetId?: string | null;
  jobId?: string | null;
  note?: string | null;
}

export function ledgerRepo(db: Db) {
  return {
    /**
     * Move credits and write the audit row in one statement pair. A charge only succeeds when
     * the balance covers it (checked in the UPDATE itself, so concurrent submits cannot overdraw).
     * Returns the new balance, or null when the balance was short.
     */
    async apply(e: LedgerEntry): Promise<number | null> {
      const q = db
        .updateTable('accounts')
        .set({ balance_milli: sql`balance_milli + ${e.deltaMilli}` })
        .where('id', '=', e.accountId);
      const guarded = e.deltaMilli < 0 ? q.where('balance_milli', '>=', -e.deltaMilli) : q;
      const row = await guarded.returning('balance_milli').executeTakeFirst();
      if (!row) return null;
      const balance = Number(row.balance_milli);
      await db
        .insertInto('ledger')
        .values({
          account_id: e.accountId,
          delta_milli: e.deltaMilli,
          balance_after_milli: balance,
          reason: e.reason,
          job_set_id: e.jobSetId ?? null,
          job_id: e.jobId ?? null,
          note: e.note ?? null,
          created_at: nowIso(),
        })
        .execute();
      return balance;
    },
    list(accountId: string, limit = 100) {
      return db.selectFrom('ledger').selectAll().where('account_id', '=', accountId).orderBy('id', 'desc').limit(limit).execute();
    },
  };
}
