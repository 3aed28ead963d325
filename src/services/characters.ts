import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { PriceTable } from '../domain/pricing.js';
import type { Db } from '../store/db.js';
import { nowIso } from '../store/repos/accounts.js';
import type { CharactersTable } from '../store/schema.js';
import type { GenerationService } from './generation.js';
import type { MediaService } from './media.js';

/** One refused photo: a machine-readable code and a sentence the user can act on. */
export interface PhotoRefusal {
  index: number;
  code: string;
  message: string;
}

export interface CharacterBuildResult {
  status: 'completed' | 'failed';
  accepted: number[];
  refused: PhotoRefusal[];
  centroid: Float32Array | null;
  thumbnail: Buffer | null;
  /** Face crops of the accepted photos (JPEG), in `accepted` order. */
  faceCrops: Buffer[];
}

/** What Soul ID needs from the face engine (src/engine/face, wired in src/production.ts). */
export interface CharacterEngine {
  build(photos: Buffer[], onProgress?: (done: number, total: number) => void): Promise<CharacterBuildResult>;
  /** Identity transfer models installed? The message names the pull command when not. */
  transferStatus(): Promise<{ ok: boolean; message: string }>;
  transfer(image: Buffer, character: { centroid: Float32Array; faceCrops: Buffer[]; cacheKey: string }, strength: number): Promise<{ image: Buffer; identityScore: number; faces: number }>;
}

export interface CharacterView extends CharactersTable {
  media: { id: string; media_key: string; face_crop_key: string | null; accepted: number; idx: number }[];
}

/**
 * Soul ID characters: creation as a `soul_id` job (charged, refunded if no photo is usable),
 * reads and deletes scoped to the owning account, and the gate that Soul requests pass.
 */
export class CharacterService {
  constructor(
    private readonly db: Db,
    private readonly generation: GenerationService,
    private readonly media: MediaService,
    private readonly prices: PriceTable,
    private readonly engine: CharacterEngine | null,
  ) {}

  async create(accountId: string, name: string, imageUrls: string[]) {
    const id = randomUUID();
    await this.db
      .insertInto('characters')
      .values({ id, account_id: accountId, name, status: 'queued', thumbnail_key: null, centroid: null, source_embedding: null, quality_report: '[]', input_images: JSON.stringify(imageUrls), created_at: nowIso(), in_progress_at: null, finished_at: null })
      .execute();
    try {
      await this.generation.submit(accountId, {
        id: randomUUID(),
        type: 'soul_id',
        kind: 'soul_id',
        model: 'soul-id',
        dialect: 'higgsfield',
        inputParams: { name, input_images: imageUrls.map((u) => ({ type: 'image_url', image_url: u })) },
        webhook: null,
        jobs: [{ id: randomUUID(), priority: 5, costMilli: this.prices.milli('soul_id.create'), input: { characterId: id, imageUrls } }],
      });
    } catch (e) {
      await this.db.deleteFrom('characters').where('id', '=', id).execute();
      throw e;
    }
    return (await this.get(id, accountId))!;
  }

  async get(id: string, accountId: string): Promise<CharacterView | undefined> {
    const row = await this.db.selectFrom('characters').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    if (!row) return undefined;
    const media = await this.db.selectFrom('character_media').select(['id', 'media_key', 'face_crop_key', 'accepted', 'idx']).where('character_id', '=', id).orderBy('idx').execute();
    return { ...row, media };
  }

  async list(accountId: string, page: number, pageSize: number) {
    const total = Number((await this.db.selectFrom('characters').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow()).n);
    const items = await this.db.selectFrom('characters').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id').limit(pageSize).offset((page - 1) * pageSize).execute();
    return { total, items };
  }

  /** Removes the photos, crops, thumbnail and embeddings; the id then reads as missing. */
  async delete(id: string, accountId: string): Promise<boolean> {
    const c = await this.get(id, accountId);
    if (!c) return false;
    const keys = [...c.media.map((m) => m.media_key), ...c.media.map((m) => m.face_crop_key).filter((k): k is string => !!k), ...(c.thumbnail_key ? [c.thumbnail_key] : [])];
    await this.media.deleteKeys(keys);
    await this.db.deleteFrom('character_media').where('character_id', '=', id).execute();
    await this.db.deleteFrom('characters').where('id', '=', id).execute();
    return true;
  }

  /** Soul requests naming a character: it must be ours, completed, and transfer models installed. */
  readonly gate = async (accountId: string, characterId: string) => {
    const c = await this.get(characterId, accountId);
    if (!c) throw new DomainError('bad_input', `custom_reference_id ${characterId} was not found`);
    if (c.status !== 'completed') throw new DomainError('bad_input', `custom_reference_id ${characterId} is ${c.status}, not completed`);
    if (!this.engine) throw new DomainError('bad_input', 'Soul ID is not available on this server');
    const st = await this.engine.transferStatus();
    if (!st.ok) throw new DomainError('bad_input', st.message);
  };

  // ---- used by the soul_id runner -------------------------------------------------------

  markInProgress(id: string) {
    return this.db.updateTable('characters').set({ status: 'in_progress', in_progress_at: nowIso() }).where('id', '=', id).where('status', 'in', ['queued', 'in_progress']).execute();
  }

  async storeBuild(id: string, accountId: string, photos: Buffer[], result: CharacterBuildResult) {
    const acceptedSet = new Map(result.accepted.map((idx, i) => [idx, i]));
    const put = (bytes: Buffer, contentType: string) => this.media.put(accountId, 'character', { bytes, contentType, type: 'image' }, null);
    for (let i = 0; i < photos.length; i++) {
      const info = await this.media.inspect(photos[i]);
      const photo = await put(photos[i], info.contentType);
      const cropIndex = acceptedSet.get(i);
      const crop = cropIndex !== undefined && result.faceCrops[cropIndex] ? await put(result.faceCrops[cropIndex], 'image/jpeg') : null;
      await this.db.insertInto('character_media').values({ id: randomUUID(), character_id: id, account_id: accountId, idx: i, media_key: photo.key, face_crop_key: crop?.key ?? null, accepted: cropIndex !== undefined ? 1 : 0 }).execute();
    }
    const thumb = result.thumbnail ? await put(result.thumbnail, 'image/jpeg') : null;
    await this.db
      .updateTable('characters')
      .set({
        status: result.status,
        thumbnail_key: thumb?.key ?? null,
        centroid: result.centroid ? JSON.stringify(Array.from(result.centroid)) : null,
        quality_report: JSON.stringify(result.refused),
        finished_at: nowIso(),
      })
      .where('id', '=', id)
      .execute();
    return thumb;
  }

  async fail(id: string, refused: PhotoRefusal[]) {
    await this.db.updateTable('characters').set({ status: 'failed', quality_report: JSON.stringify(refused), finished_at: nowIso() }).where('id', '=', id).execute();
  }

  /** Centroid and accepted face crops for identity transfer. */
  async identity(id: string, accountId: string): Promise<{ centroid: Float32Array; faceCrops: Buffer[] } | null> {
    const c = await this.get(id, accountId);
    if (!c?.centroid) return null;
    const crops: Buffer[] = [];
    for (const m of c.media) {
      if (!m.face_crop_key) continue;
      const b = await this.media.readOwn(m.face_crop_key, accountId);
      if (b) crops.push(b);
    }
    return { centroid: Float32Array.from(JSON.parse(c.centroid) as number[]), faceCrops: crops };
  }
}
