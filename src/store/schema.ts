import type { Generated, Kysely } from 'kysely';

/**
 * Table shapes shared by SQLite and PostgreSQL. Portable on purpose: JSON as text, times as
 * ISO-8601 text (they sort correctly), booleans as 0/1, money as integer milli-credits.
 */
export interface AccountsTable {
  id: string;
  name: string;
  balance_milli: number;
  /** Sealed with the data key (`enc:v1:…`, src/services/secret-box.ts); older rows may be plain until start-up seals them. */
  webhook_secret: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  /** sha256 of the secret: secrets are 256-bit random, so a fast hash is enough and keeps auth cheap. */
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface LedgerTable {
  id: Generated<number>;
  account_id: string;
  delta_milli: number;
  balance_after_milli: number;
  reason: 'grant' | 'charge' | 'refund' | 'adjust';
  job_set_id: string | null;
  job_id: string | null;
  note: string | null;
  created_at: string;
}

export interface JobSetsTable {
  id: string;
  account_id: string;
  type: string;
  model: string;
  dialect: string;
  input_params: string;
  webhook: string | null;
  created_at: string;
  finished_at: string | null;
  /** After this the set reads as not found (Segmind keeps results 1 hour). */
  visible_until: string | null;
  /** Job kind of the set's jobs (one kind per set). */
  kind: string;
  /** Set status as jobSetStatus computes it, kept in step with the jobs (list filter). */
  status: string;
  /** Bumped on every job status change and progress write: the set's event id. */
  version: number;
}

export interface JobsTable {
  id: string;
  job_set_id: string;
  account_id: string;
  kind: string;
  idx: number;
  status: string;
  priority: number;
  /** Monotonic submit order: FIFO within a priority. */
  seq: number;
  input: string;
  results: string | null;
  error: string | null;
  cost_milli: number;
  progress_step: number | null;
  progress_total: number | null;
  extras: string;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  cancel_requested: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** The columns a Job is built from (queue bookkeeping left out). */
export type JobRowFields = Omit<JobsTable, 'seq' | 'lease_owner' | 'lease_expires_at' | 'cancel_requested'>;

export interface IdempotencyTable {
  account_id: string;
  key: string;
  request_hash: string;
  state: 'in_flight' | 'done';
  response_status: number | null;
  response_body: string | null;
  created_at: string;
  /** The set the keyed submit committed (null until then). */
  job_set_id: string | null;
}

export interface MediaTable {
  key: string;
  account_id: string;
  kind: 'upload' | 'output' | 'character' | 'cache';
  content_type: string;
  size: number;
  width: number | null;
  height: number | null;
  created_at: string;
  expires_at: string | null;
  deleted_at: string | null;
  /** Uploads: the input moderation verdict and scores (JSON ModerationRecord); null when not classified. */
  moderation: string | null;
}

export interface UploadSlotsTable {
  /** sha256 (base64url) of the upload URL's token; slots older than that change hold the token. */
  token: string;
  account_id: string;
  media_key: string;
  content_type: string;
  expires_at: string;
  used_at: string | null;
  /** Largest body the PUT accepts; null = only the global upload limit. */
  max_bytes: number | null;
}

export interface OutboxTable {
  id: string;
  account_id: string;
  job_set_id: string;
  url: string;
  body: string;
  headers: string;
  /** Standard Webhooks signing flavour: 'standard' (v1,base64) or 'wavespeed' (v3,hex). */
  signing: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: string;
  first_attempt_at: string | null;
  last_error: string | null;
  last_status: number | null;
  created_at: string;
  delivered_at: string | null;
  /** The claim (process + claim number) delivering this row now; null when nobody is. */
  claimed_by: string | null;
  /** When that claim lapses, so a row whose deliverer died is picked up by another process. */
  lease_until: string | null;
}

export interface CharactersTable {
  id: string;
  account_id: string;
  name: string;
  status: string;
  thumbnail_key: string | null;
  centroid: string | null;
  source_embedding: string | null;
  quality_report: string;
  input_images: string;
  created_at: string;
  in_progress_at: string | null;
  finished_at: string | null;
}

export interface CharacterMediaTable {
  id: string;
  character_id: string;
  account_id: string;
  idx: number;
  media_key: string;
  face_crop_key: string | null;
  accepted: number;
}

export interface CountersTable {
  name: string;
  value: number;
}

/** Keyed checks of the secrets every process must share (never the secrets); one row per purpose (`data`, `media`). */
export interface DataKeyTable {
  /** The purpose: src/store/repos/secrets.ts KeyPurpose. */
  id: string;
  key_id: string;
  key_check: string;
  created_at: string;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  ledger: LedgerTable;
  job_sets: JobSetsTable;
  jobs: JobsTable;
  idempotency: IdempotencyTable;
  media: MediaTable;
  upload_slots: UploadSlotsTable;
  outbox: OutboxTable;
  characters: CharactersTable;
  character_media: CharacterMediaTable;
  counters: CountersTable;
  data_key: DataKeyTable;
}

/** A connection or an open transaction. */
export type Db = Kysely<Database>;
