import { sql } from 'kysely';
import type { Db, DbEngine } from '../db.js';
import type { OutboxTable } from '../schema.js';
import { nowIso } from '../../util/now.js';

/** What attempt bookkeeping the delivery loop writes when a claimed attempt ends. */
export type OutboxAttemptPatch = Pick<OutboxTable, 'state' | 'attempts' | 'first_attempt_at' | 'last_status' | 'last_error'> &
  Partial<Pick<OutboxTable, 'next_attempt_at' | 'delivered_at'>>;

export function outboxRepo(db: Db, engine: DbEngine) {
  return {
    insert(
      o: Omit<
        OutboxTable,
        | 'state'
        | 'attempts'
        | 'first_attempt_at'
        | 'last_error'
        | 'last_status'
        | 'created_at'
        | 'delivered_at'
        | 'claimed_by'
        | 'lease_until'
      >,
    ) {
      return db
        .insertInto('outbox')
        .values({
          ...o,
          state: 'pending',
          attempts: 0,
          first_attempt_at: null,
          last_error: null,
          last_status: null,
          created_at: nowIso(),
          delivered_at: null,
          claimed_by: null,
          lease_until: null,
        })
        .execute();
    },

    /**
     * Claims up to `limit` due rows for `claimToken` until now + leaseMs, in one UPDATE …
     * RETURNING, so every process (serve and each worker runs a delivery loop) can call it and a
     * row is handed to one of them at a time. The outer guard repeats the inner filter: on
     * PostgreSQL a row another process claimed meanwhile is re-checked against its new version
     * and dropped; SKIP LOCKED just spares the wait for it. A lease left by a process that died
     * mid-delivery expires and the row becomes claimable again (at-least-once, same id).
     */
    async claimDue(claimToken: string, leaseMs: number, limit: number): Promise<OutboxTable[]> {
      const now = nowIso();
      // Read first so idle ticks stay read-only: on SQLite an UPDATE takes the database's write
      // lock even when it matches nothing, and every process ticks every second.
      const any = await db
        .selectFrom('outbox')
        .select('id')
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .limit(1)
        .executeTakeFirst();
      if (!any) return [];
      const until = new Date(Date.now() + leaseMs).toISOString();
      const lock = engine === 'postgres' ? sql`for update skip locked` : sql``;
      const res = await sql<OutboxTable>`
        update outbox set claimed_by = ${claimToken}, lease_until = ${until}
        where id in (
          select id from outbox
          where state = 'pending' and next_attempt_at <= ${now} and (lease_until is null or lease_until <= ${now})
          order by next_attempt_at limit ${limit} ${lock}
        ) and state = 'pending' and next_attempt_at <= ${now} and (lease_until is null or lease_until <= ${now})
        returning *`.execute(db);
      return res.rows;
    },

    /**
     * Records the end of an attempt and drops the claim, only while the claim is still
     * `claimToken`'s: a holder whose lease expired and was taken over cannot overwrite the newer
     * attempt's outcome. false when the claim was lost.
     */
    async finishAttempt(id: string, claimToken: string, patch: OutboxAttemptPatch): Promise<boolean> {
      const r = await db
        .updateTable('outbox')
        .set({ ...patch, claimed_by: null, lease_until: null })
        .where('id', '=', id)
        .where('claimed_by', '=', claimToken)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    forJobSet(jobSetId: string) {
      return db.selectFrom('outbox').selectAll().where('job_set_id', '=', jobSetId).execute();
    },
  };
}
