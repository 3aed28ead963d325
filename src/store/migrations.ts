import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { type JobStatus, jobSetStatus } from '../domain/job.js';

/** Migrations in code (not files) so they ship inside the package and run the same on both engines. */
export function buildMigrations(engine: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0001_init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('balance_milli', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('webhook_secret', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          .execute();
        await db.schema
          .createTable('ledger')
          .addColumn('id', engine === 'postgres' ? 'serial' : 'integer', (c) =>
            engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('delta_milli', 'bigint', (c) => c.notNull())
          .addColumn('balance_after_milli', 'bigint', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('job_set_id', 'text')
          .addColumn('job_id', 'text')
          .addColumn('note', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ledger_account').on('ledger').columns(['account_id', 'id']).execute();
        // A job is refunded at most once, enforced by the database rather than by care.
        await db.schema
          .createIndex('ledger_one_refund_per_job')
          .on('ledger')
          .columns(['job_id', 'reason'])
          .unique()
          .where(sql.ref('reason'), '=', 'refund')
          .execute();
        await db.schema
          .createTable('job_sets')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('dialect', 'text', (c) => c.notNull())
          .addColumn('input_params', 'text', (c) => c.notNull())
          .addColumn('webhook', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text')
          .addColumn('visible_until', 'text')
          .execute();
        await db.schema.createIndex('job_sets_account').on('job_sets').columns(['account_id', 'created_at']).execute();
        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('job_set_id', 'text', (c) => c.notNull().references('job_sets.id'))
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('input', 'text', (c) => c.notNull())
          .addColumn('results', 'text')
          .addColumn('error', 'text')
          .addColumn('cost_milli', 'bigint', (c) => c.notNull())
          .addColumn('progress_step', 'integer')
          .addColumn('progress_total', 'integer')
          .addColumn('extras', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('lease_owner', 'text')
          .addColumn('lease_expires_at', 'text')
          .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema.createIndex('jobs_pick').on('jobs').columns(['status', 'priority', 'seq']).execute();
        await db.schema.createIndex('jobs_set').on('jobs').columns(['job_set_id', 'idx']).execute();
        await db.schema.createIndex('jobs_account_status').on('jobs').columns(['account_id', 'status']).execute();
        await db.schema
          .createTable('idempotency')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('request_hash', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('response_status', 'integer')
          .addColumn('response_body', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_pk', ['account_id', 'key'])
          .execute();
        await db.schema
          .createTable('media')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('deleted_at', 'text')
          .execute();
        await db.schema.createIndex('media_expiry').on('media').columns(['deleted_at', 'expires_at']).execute();
        await db.schema
          .createTable('upload_slots')
          .addColumn('token', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('media_key', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .execute();
        await db.schema
          .createTable('outbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('job_set_id', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('headers', 'text', (c) => c.notNull())
          .addColumn('signing', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('first_attempt_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('last_status', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('delivered_at', 'text')
          .execute();
        await db.schema.createIndex('outbox_due').on('outbox').columns(['state', 'next_attempt_at']).execute();
        await db.schema
          .createTable('characters')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('thumbnail_key', 'text')
          .addColumn('centroid', 'text')
          .addColumn('source_embedding', 'text')
          .addColumn('quality_report', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('input_images', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('in_progress_at', 'text')
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema.createIndex('characters_account').on('characters').columns(['account_id', 'created_at']).execute();
        await db.schema
          .createTable('character_media')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('character_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('media_key', 'text', (c) => c.notNull())
          .addColumn('face_crop_key', 'text')
          .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('counters')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Outbox rows are claimed with a lease before delivery: serve and every worker process run
    // the delivery loop, and without a claim each of them posted the same row.
    '0002_outbox_claims': {
      async up(db: Kysely<any>) {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        await db.schema.alterTable('outbox').addColumn('claimed_by', 'text').execute();
        await db.schema.alterTable('outbox').addColumn('lease_until', 'text').execute();
      },
    },
    // WaveSpeed upload tickets declare the file size; the PUT they hand out must not take more.
    // Null = only the global upload limit (Higgsfield's generate-upload-url, older slots).
    '0003_upload_slot_max_bytes': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('upload_slots').addColumn('max_bytes', 'bigint').execute();
      },
    },
    // The job-set list (GET /v1/job-sets) filters by kind and set status and pages newest first:
    // the set status is stored (kept by GenerationService in the transaction that moves a job),
    // and each filter combination has an index ending in (created_at, id), so a page is one index
    // range scan whatever the account's history. `version` counts every visible change of a set
    // (job status, progress): it is the event id of the set's event stream.
    '0004_job_set_list': {
      async up(db: Kysely<any>) {
        await db.schema
          .alterTable('job_sets')
          .addColumn('kind', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema
          .alterTable('job_sets')
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued'))
          .execute();
        await db.schema
          .alterTable('job_sets')
          .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(1))
          .execute();
        await sql`update job_sets set kind = coalesce((select j.kind from jobs j where j.job_set_id = job_sets.id order by j.idx limit 1), '')`.execute(
          db,
        );
        // The set status rule lives in the domain: existing sets are backfilled through it, in pages.
        let after = '';
        for (;;) {
          const ids = (await db.selectFrom('job_sets').select('id').where('id', '>', after).orderBy('id').limit(500).execute()).map(
            (r) => r.id as string,
          );
          if (!ids.length) break;
          const jobs = await db.selectFrom('jobs').select(['job_set_id', 'status']).where('job_set_id', 'in', ids).execute();
          const bySet = new Map<string, { status: JobStatus }[]>(ids.map((id) => [id, []]));
          for (const j of jobs) bySet.get(j.job_set_id)!.push({ status: j.status });
          for (const [id, list] of bySet)
            await db
              .updateTable('job_sets')
              .set({ status: jobSetStatus(list) })
              .where('id', '=', id)
              .execute();
          after = ids[ids.length - 1];
        }
        await db.schema.dropIndex('job_sets_account').execute();
        await db.schema.createIndex('job_sets_list').on('job_sets').columns(['account_id', 'created_at', 'id']).execute();
        await db.schema.createIndex('job_sets_list_status').on('job_sets').columns(['account_id', 'status', 'created_at', 'id']).execute();
        await db.schema.createIndex('job_sets_list_kind').on('job_sets').columns(['account_id', 'kind', 'created_at', 'id']).execute();
        await db.schema
          .createIndex('job_sets_list_kind_status')
          .on('job_sets')
          .columns(['account_id', 'kind', 'status', 'created_at', 'id'])
          .execute();
      },
    },
    // Hot paths flat in table size (bench/scale.ts). The claim orders by (priority desc, seq asc):
    // the old (status, priority, seq) index could not give that mixed order, so every claim sorted
    // all queued rows (16 ms at 100k queued). A partial index over claimable rows only, in the
    // claim's own order, makes it one index step; the running-job index does the same for the
    // expired-lease scan.
    '0006_hot_path_indexes': {
      async up(db: Kysely<any>) {
        await sql`create index jobs_claim_order on jobs (priority desc, seq asc) where status = 'queued' and cancel_requested = 0`.execute(
          db,
        );
        await sql`create index jobs_running_leases on jobs (lease_expires_at) where status = 'in_progress'`.execute(db);
        // Queue depth (metrics) still needs the active rows by status; kind makes it index-only.
        await db.schema.dropIndex('jobs_pick').execute();
        await db.schema.createIndex('jobs_status_kind').on('jobs').columns(['status', 'kind']).execute();
        // The retention sweep reads live media past expiry. With (deleted_at, expires_at), PostgreSQL
        // guessed a quarter of a million rows matched and scanned the table (1.1 s at 10^6 media).
        await db.schema.dropIndex('media_expiry').execute();
        await sql`create index media_live_expiry on media (expires_at) where deleted_at is null`.execute(db);
      },
    },
    // Uploads are classified as they arrive (OPENSOUL_INPUT_MODERATION): the verdict and scores
    // of each stored upload are kept with it.
    '0014_media_moderation': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('media').addColumn('moderation', 'text').execute();
      },
    },
    // The set a keyed submit committed: a retry that takes over a key abandoned by a dead process
    // finds it here instead of submitting (and charging) a second set.
    '0015_idempotency_set': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('idempotency').addColumn('job_set_id', 'text').execute();
      },
    },
    // Webhook secrets are sealed with the data key (src/services/secret-box.ts). One row records
    // which key: a process started with another key stops with a clear error instead of failing
    // every webhook. Plain secrets of older versions are sealed at start (src/services/data-key.ts).
    // Its id is the key's purpose: 'data', and 'media' for the media URL secret (src/services/media-secret.ts).
    // Listed last, under its original name: databases have recorded it (unordered migrations are allowed).
    '0014_data_key': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('data_key')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('key_check', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}

class CodeMigrations implements MigrationProvider {
  constructor(private readonly engine: 'sqlite' | 'postgres') {}
  async getMigrations() {
    return buildMigrations(this.engine);
  }
}

export async function migrateToLatest(db: Kysely<any>, engine: 'sqlite' | 'postgres'): Promise<void> {
  // Numbers are handed out ahead and branches land in any order (0006 was applied before 0004
  // existed): a database that ran a later one still runs an earlier one it lacks.
  const migrator = new Migrator({ db, provider: new CodeMigrations(engine), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`database migration failed: ${String(error ?? failed?.migrationName)}`);
}
