import { nowIso } from '../../util/now.js';
import type { Db } from '../db.js';
import type { CharacterMediaTable } from '../schema.js';

export type CharacterMediaRow = CharacterMediaTable;

/** What a finished build records on its character. */
export interface CharacterBuildRecord {
  status: string;
  thumbnailKey: string | null;
  centroid: string | null;
  qualityReport: string;
}

const keysOf = (thumbnail: string | null, media: { media_key: string; face_crop_key: string | null }[]) =>
  [thumbnail, ...media.flatMap((m) => [m.media_key, m.face_crop_key])].filter((k): k is string => !!k);

/** Soul ID characters and their photos. `db` may be a transaction (the set-finished hooks). */
export function charactersRepo(db: Db) {
  return {
    insert(c: { id: string; accountId: string; name: string; inputImages: string[] }) {
      return db
        .insertInto('characters')
        .values({
          id: c.id,
          account_id: c.accountId,
          name: c.name,
          status: 'queued',
          thumbnail_key: null,
          centroid: null,
          source_embedding: null,
          quality_report: '[]',
          input_images: JSON.stringify(c.inputImages),
          created_at: nowIso(),
          in_progress_at: null,
          finished_at: null,
        })
        .execute();
    },
    /** Undoes `insert` when the build could not be submitted. */
    remove(id: string) {
      return db.deleteFrom('characters').where('id', '=', id).execute();
    },
    get(id: string, accountId: string) {
      return db.selectFrom('characters').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    },
    async exists(id: string): Promise<boolean> {
      return !!(await db.selectFrom('characters').select('id').where('id', '=', id).executeTakeFirst());
    },
    media(id: string) {
      return db
        .selectFrom('character_media')
        .select(['id', 'media_key', 'face_crop_key', 'accepted', 'idx'])
        .where('character_id', '=', id)
        .orderBy('idx')
        .execute();
    },
    async count(accountId: string): Promise<number> {
      const row = await db
        .selectFrom('characters')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Newest first. */
    page(accountId: string, limit: number, offset: number) {
      return db
        .selectFrom('characters')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
    },
    /**
     * Deletes the character and its photo rows in one transaction; the blob keys they named, or
     * null when it was not there. The character row goes first: that takes its lock (PostgreSQL),
     * ordering this against `recordBuild`.
     */
    deleteWithMedia(id: string, accountId: string): Promise<string[] | null> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .deleteFrom('characters')
          .where('id', '=', id)
          .where('account_id', '=', accountId)
          .returning('thumbnail_key')
          .executeTakeFirst();
        if (!row) return null;
        const media = await trx
          .deleteFrom('character_media')
          .where('character_id', '=', id)
          .returning(['media_key', 'face_crop_key'])
          .execute();
        return keysOf(row.thumbnail_key, media);
      });
    },
    /**
     * A no-op UPDATE of the character row: inside a transaction it takes the row lock on
     * PostgreSQL (a SELECT would not), ordering that transaction against a concurrent delete.
     * false when the character is gone.
     */
    async lock(id: string): Promise<boolean> {
      return !!(await lockRow(db, id));
    },
    markInProgress(id: string) {
      return db
        .updateTable('characters')
        .set({ status: 'in_progress', in_progress_at: nowIso() })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'in_progress'])
        .execute();
    },
    /** `failed` unless it already ended; keeps the quality report written so far. */
    failIfUnfinished(id: string) {
      return db
        .updateTable('characters')
        .set({ status: 'failed', finished_at: nowIso() })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'in_progress'])
        .execute();
    },
    fail(id: string, qualityReport: string) {
      return db
        .updateTable('characters')
        .set({ status: 'failed', quality_report: qualityReport, finished_at: nowIso() })
        .where('id', '=', id)
        .execute();
    },
    /**
     * Records a build in one transaction, replacing an earlier run's photo rows: the blob keys
     * that no longer belong to the character (to delete), or null when it was deleted meanwhile
     * (then nothing is recorded). The lock comes first, so a delete that won leaves no row and
     * one that comes later waits, then removes what this commits.
     */
    recordBuild(id: string, rows: CharacterMediaRow[], build: CharacterBuildRecord): Promise<string[] | null> {
      return db.transaction().execute(async (trx) => {
        const prev = await lockRow(trx, id);
        if (!prev) return null;
        const old = await trx
          .deleteFrom('character_media')
          .where('character_id', '=', id)
          .returning(['media_key', 'face_crop_key'])
          .execute();
        for (const r of rows) await trx.insertInto('character_media').values(r).execute();
        await trx
          .updateTable('characters')
          .set({
            status: build.status,
            thumbnail_key: build.thumbnailKey,
            centroid: build.centroid,
            quality_report: build.qualityReport,
            finished_at: nowIso(),
          })
          .where('id', '=', id)
          .execute();
        return keysOf(prev.thumbnail_key, old);
      });
    },
  };
}

function lockRow(db: Db, id: string) {
  return db
    .updateTable('characters')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('id', '=', id)
    .returning('thumbnail_key')
    .executeTakeFirst();
}
