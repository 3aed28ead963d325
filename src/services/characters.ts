import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { type Job, type MediaRef, isTerminal } from '../domain/job.js';
import type { PriceTable } from '../domain/pricing.js';
import type { Db } from '../store/db.js';
import { type CharacterMediaRow, charactersRepo } from '../store/repos/characters.js';
import type { CharactersTable } from '../store/schema.js';
import type { GenerationService, SetFinishedHook, SubmitPlan } from './generation.js';
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

/** Which identity transfer runs: the shipped mesh warp, or the InsightFace swapper when installed. */
export type IdentityEngineName = 'mesh-warp' | 'insightface-swapper';

export interface IdentityEngineStatus {
  engine: IdentityEngineName;
  /** Why this engine: what is installed, and how to install the optional upgrade. */
  message: string;
}

/** What a transfer needs of a character; `photos` reads its accepted photos only when not cached. */
export interface CharacterIdentity {
  centroid: Float32Array;
  faceCrops: Buffer[];
  photos: () => Promise<Buffer[]>;
  cacheKey: string;
}

/** One face of a generated image: transferred, or refused with a code and a sentence. */
export interface FaceTransferReport {
  /** [x, y, width, height] in output pixels. */
  box: [number, number, number, number];
  transferred: boolean;
  code?: string;
  reason?: string;
  /** Index (among the character's accepted photos) of the reference that was warped. */
  reference?: number;
}

export interface TransferResult {
  image: Buffer;
  engine: IdentityEngineName;
  engineReason: string;
  /** faceres cosine to the centroid before and after the transfer (0 when no face). */
  scoreBefore: number;
  identityScore: number;
  /** ArcFace cosine to the character's ArcFace embedding, when that recogniser is installed. */
  arcfaceScore?: number;
  /** Faces transferred. */
  faces: number;
  reports: FaceTransferReport[];
}

/** What Soul ID needs from the face engine (src/engine/face, wired in src/production.ts). */
export interface CharacterEngine {
  build(photos: Buffer[], onProgress?: (done: number, total: number) => void): Promise<CharacterBuildResult>;
  /** The engine a transfer would run now, and why. Never a reason to refuse a request. */
  identityStatus(): Promise<IdentityEngineStatus>;
  transfer(image: Buffer, character: CharacterIdentity, strength: number): Promise<TransferResult>;
  /** Loads the engine's models now (start-up), so the first Soul ID job does not. */
  warm?(): Promise<void>;
  /** Drops what the engine keeps in memory for a character (its source embedding). */
  forget?(cacheKey: string): void;
}

export interface CharacterView extends CharactersTable {
  media: { id: string; media_key: string; face_crop_key: string | null; accepted: number; idx: number }[];
}

/**
 * Soul ID characters: creation as a `soul_id` job (charged, refunded if no photo is usable),
 * reads and deletes scoped to the owning account, and the gate that Soul requests pass.
 */
export class CharacterService {
  private readonly repo: ReturnType<typeof charactersRepo>;

  constructor(
    db: Db,
    private readonly generation: GenerationService,
    private readonly media: MediaService,
    private readonly prices: PriceTable,
    private readonly engine: CharacterEngine | null,
  ) {
    this.repo = charactersRepo(db);
    generation.onSetFinished(this.dropOrphanBuildOutputs);
    generation.onSetFinished(this.failUnfinishedBuilds);
  }

  async create(accountId: string, name: string, imageUrls: string[]) {
    const id = randomUUID();
    await this.repo.insert({ id, accountId, name, inputImages: imageUrls });
    try {
      await this.generation.submit(accountId, this.plan(id, name, imageUrls));
    } catch (e) {
      await this.repo.remove(id);
      throw e;
    }
    return (await this.get(id, accountId))!;
  }

  /** The priced build of a character (what create charges and a quote answers); nothing stored. */
  plan(characterId: string, name: string, imageUrls: string[]): SubmitPlan {
    return {
      id: randomUUID(),
      type: 'soul_id',
      kind: 'soul_id',
      model: 'soul-id',
      dialect: 'higgsfield',
      inputParams: { name, input_images: imageUrls.map((u) => ({ type: 'image_url', image_url: u })) },
      webhook: null,
      jobs: [{ id: randomUUID(), priority: 5, costMilli: this.prices.milli('soul_id.create'), input: { characterId, imageUrls } }],
    };
  }

  async get(id: string, accountId: string): Promise<CharacterView | undefined> {
    const row = await this.repo.get(id, accountId);
    if (!row) return undefined;
    return { ...row, media: await this.repo.media(id) };
  }

  async list(accountId: string, page: number, pageSize: number) {
    const total = await this.repo.count(accountId);
    const items = await this.repo.page(accountId, pageSize, (page - 1) * pageSize);
    return { total, items };
  }

  /**
   * Removes the photos, crops, thumbnail and embeddings, and the job set that built them (its
   * output is the face crop, its input the photo URLs); the ids then read as missing.
   */
  async delete(id: string, accountId: string): Promise<boolean> {
    if (!(await this.get(id, accountId))) return false;
    const builds = await this.generation.jobsByInput(accountId, 'soul_id', 'characterId', id);
    // A build still under way is stopped first, through the one cancel path: a queued job ends
    // now with its refund; a running one stops at its next step and finishJob refunds it then
    // (if it gets as far as storeBuild, that finds the character gone and records nothing).
    for (const setId of new Set(builds.filter((j) => !isTerminal(j.status)).map((j) => j.jobSetId))) {
      try {
        await this.generation.cancel(setId, accountId);
      } catch (e) {
        if (!(e instanceof DomainError && e.code === 'not_found')) throw e;
      }
    }
    // Deleting the character row first takes its lock (PostgreSQL), ordering this against
    // storeBuild's guarded UPDATE: either its rows are committed and removed here, or it sees no row.
    const keys = await this.repo.deleteWithMedia(id, accountId);
    if (!keys) return false; // a concurrent delete got there first
    this.engine?.forget?.(id);
    // Read the build sets again: one that ended meanwhile has its outputs now; one that ends
    // later is cleaned by dropOrphanBuildOutputs. A second in the past, because sets stay
    // readable while visible_until is not yet strictly before now.
    const hideAt = new Date(Date.now() - 1000).toISOString();
    for (const setId of new Set(builds.map((j) => j.jobSetId))) {
      const set = await this.generation.setForCleanup(setId, accountId);
      if (!set) continue;
      keys.push(...set.jobs.flatMap(outputKeys));
      const inputs = new Map(set.jobs.map((j) => [j.id, { ...j.input, imageUrls: [] }]));
      await this.generation.redactSet(setId, { input_images: [] }, inputs, hideAt);
    }
    await this.media.deleteKeys(keys);
    return true;
  }

  /**
   * Set-finished hook, inside finishJob's transaction: a build that completes after its
   * character was deleted (its worker had not yet seen the cancel) must not keep the face crop
   * it just stored as its output.
   */
  private readonly dropOrphanBuildOutputs: SetFinishedHook = async (trx, set) => {
    if (set.type !== 'soul_id') return;
    const orphaned: string[] = [];
    for (const j of set.jobs) {
      const keys = outputKeys(j);
      if (!keys.length) continue;
      if (!(await charactersRepo(trx).lock(String(j.input.characterId)))) orphaned.push(...keys);
    }
    // Not awaited: on SQLite this transaction holds the only connection. Outputs also carry a
    // retention expiry, so the sweeper removes them should this fail.
    if (orphaned.length) void this.media.deleteKeys(orphaned).catch(() => {});
  };

  /**
   * Set-finished hook: a build job that ended without completing (a crash, a lease given up, a
   * cancel) leaves its character `failed`, never `in_progress` forever. The runner's own
   * failures already wrote their per-photo report; this keeps it.
   */
  private readonly failUnfinishedBuilds: SetFinishedHook = async (trx, set) => {
    if (set.type !== 'soul_id') return;
    for (const j of set.jobs) {
      if (j.status === 'completed' || !isTerminal(j.status)) continue;
      await charactersRepo(trx).failIfUnfinished(String(j.input.characterId));
    }
  };

  /**
   * Soul requests naming a character: it must be ours and completed. No model is checked here:
   * the shipped mesh-warp engine always runs, the InsightFace swapper only when installed.
   */
  readonly gate = async (accountId: string, characterId: string) => {
    const c = await this.get(characterId, accountId);
    if (!c) throw new DomainError('bad_input', `custom_reference_id ${characterId} was not found`);
    if (c.status !== 'completed') throw new DomainError('bad_input', `custom_reference_id ${characterId} is ${c.status}, not completed`);
    if (!this.engine) throw new DomainError('bad_input', 'Soul ID is not available on this server');
  };

  // ---- used by the soul_id runner -------------------------------------------------------

  markInProgress(id: string) {
    return this.repo.markInProgress(id);
  }

  /**
   * Stores the photos, crops and thumbnail and records them on the character, in one
   * transaction. `deleted` when the character was deleted meanwhile: then nothing is recorded
   * and the blobs written here are deleted again (the job's refund is finishJob's, at its end).
   */
  async storeBuild(
    id: string,
    accountId: string,
    photos: Buffer[],
    result: CharacterBuildResult,
  ): Promise<{ deleted: true } | { deleted: false; thumb: MediaRef | null }> {
    // Deleted while the engine ran (the usual case): write no blob at all.
    if (!(await this.repo.exists(id))) return { deleted: true };
    const written: string[] = [];
    const put = async (bytes: Buffer, contentType: string) => {
      const ref = await this.media.put(accountId, 'character', { bytes, contentType, type: 'image' }, null);
      written.push(ref.key);
      return ref;
    };
    const acceptedSet = new Map(result.accepted.map((idx, i) => [idx, i]));
    const rows: CharacterMediaRow[] = [];
    for (let i = 0; i < photos.length; i++) {
      const info = await this.media.inspect(photos[i]);
      const photo = await put(photos[i], info.contentType);
      const cropIndex = acceptedSet.get(i);
      const crop = cropIndex !== undefined && result.faceCrops[cropIndex] ? await put(result.faceCrops[cropIndex], 'image/jpeg') : null;
      rows.push({
        id: randomUUID(),
        character_id: id,
        account_id: accountId,
        idx: i,
        media_key: photo.key,
        face_crop_key: crop?.key ?? null,
        accepted: cropIndex !== undefined ? 1 : 0,
      });
    }
    const thumb = result.thumbnail ? await put(result.thumbnail, 'image/jpeg') : null;
    // A re-run (drained or recovered job) replaces the earlier run's media instead of orphaning it.
    const replaced = await this.repo.recordBuild(id, rows, {
      status: result.status,
      thumbnailKey: thumb?.key ?? null,
      centroid: result.centroid ? JSON.stringify(Array.from(result.centroid)) : null,
      qualityReport: JSON.stringify(result.refused),
    });
    if (!replaced) {
      await this.media.deleteKeys(written);
      return { deleted: true };
    }
    await this.media.deleteKeys(replaced);
    return { deleted: false, thumb };
  }

  async fail(id: string, refused: PhotoRefusal[]) {
    await this.repo.fail(id, JSON.stringify(refused));
  }

  /**
   * Centroid, accepted face crops and (read on demand) the accepted photos, for identity
   * transfer. The photos are the mesh-warp engine's references; it caches what it derives.
   */
  async identity(id: string, accountId: string): Promise<Omit<CharacterIdentity, 'cacheKey'> | null> {
    const c = await this.get(id, accountId);
    if (!c?.centroid) return null;
    const crops: Buffer[] = [];
    for (const m of c.media) {
      if (!m.face_crop_key) continue;
      const b = await this.media.readOwn(m.face_crop_key, accountId);
      if (b) crops.push(b);
    }
    const accepted = c.media.filter((m) => m.accepted && m.face_crop_key);
    const photos = async () => {
      const out: Buffer[] = [];
      for (const m of accepted) {
        const b = await this.media.readOwn(m.media_key, accountId);
        if (b) out.push(b);
      }
      return out;
    };
    return { centroid: Float32Array.from(JSON.parse(c.centroid) as number[]), faceCrops: crops, photos };
  }
}

/** Blob keys of a job's outputs. */
function outputKeys(j: Job): string[] {
  return j.results
    ? [
        j.results.raw.key,
        j.results.min.key,
        ...(j.results.poster ? [j.results.poster.key] : []),
        ...(j.results.overlay ? [j.results.overlay.key] : []),
      ]
    : [];
}
