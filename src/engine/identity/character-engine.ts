/**
 * The face engine behind Soul ID (CharacterEngine in src/services/characters.ts): characters are
 * built by src/engine/face, generated images get identity transfer (this folder) and are scored
 * against the character's centroid with the recogniser the character was built with.
 */
import { buildCharacter } from '../face/character.js';
import { scoreIdentity } from '../face/score.js';
import type { ExecutionProviderName } from '../onnx/index.js';
import type { CharacterBuildResult, CharacterEngine } from '../../services/characters.js';
import { identityModelsStatus } from './models.js';
import { loadIdentityTransfer, type IdentityTransfer } from './transfer.js';

export interface IdentityModelPaths {
  swapperPath: string;
  recognizerPath: string;
}

export interface FaceCharacterEngineOptions {
  modelsDir: string;
  provider: ExecutionProviderName;
  /** Where the transfer models are; default: identityModelsStatus(modelsDir). Tests point it at fixtures. */
  locate?: () => Promise<IdentityModelPaths | null>;
}

/** Source embeddings kept per character (a character's crops never change after it is built). */
const EMBEDDING_CACHE_SIZE = 256;

export function faceCharacterEngine(opts: FaceCharacterEngineOptions): CharacterEngine {
  let transfer: Promise<IdentityTransfer> | null = null;
  const embeddings = new Map<string, Promise<Float32Array>>();

  async function paths(): Promise<IdentityModelPaths | null> {
    if (opts.locate) return opts.locate();
    const s = await identityModelsStatus(opts.modelsDir);
    return s.ok && s.swapperPath && s.recognizerPath ? { swapperPath: s.swapperPath, recognizerPath: s.recognizerPath } : null;
  }

  function models(): Promise<IdentityTransfer> {
    transfer ??= (async () => {
      const p = await paths();
      if (!p) throw new Error((await identityModelsStatus(opts.modelsDir)).message);
      return loadIdentityTransfer({ ...p, provider: opts.provider });
    })().catch((e) => {
      transfer = null; // a later request retries, e.g. after the models are pulled
      throw e;
    });
    return transfer;
  }

  function sourceEmbedding(t: IdentityTransfer, key: string, faceCrops: Buffer[]): Promise<Float32Array> {
    let e = embeddings.get(key);
    if (e) {
      embeddings.delete(key); // re-insert: Map order doubles as least-recently-used order
      embeddings.set(key, e);
      return e;
    }
    e = t.embedSource(faceCrops);
    embeddings.set(key, e);
    e.catch(() => embeddings.delete(key));
    while (embeddings.size > EMBEDDING_CACHE_SIZE) embeddings.delete(embeddings.keys().next().value!);
    return e;
  }

  return {
    forget(key) {
      embeddings.delete(key);
    },
    async build(photos, onProgress): Promise<CharacterBuildResult> {
      onProgress?.(0, photos.length);
      const b = await buildCharacter(photos);
      onProgress?.(photos.length, photos.length);
      return {
        status: b.status,
        accepted: b.accepted,
        refused: b.refused.map((r) => ({ index: r.index, code: r.code, message: r.message })),
        centroid: b.centroid,
        thumbnail: b.thumbnail,
        faceCrops: b.faceCrops,
      };
    },

    async warm() {
      await models();
    },

    async transferStatus() {
      if (opts.locate) {
        if (await opts.locate()) return { ok: true, message: 'identity transfer models installed' };
        const s = await identityModelsStatus(opts.modelsDir);
        return { ok: false, message: s.message };
      }
      const s = await identityModelsStatus(opts.modelsDir);
      return { ok: s.ok, message: s.message };
    },

    async transfer(image, character, strength) {
      const t = await models();
      const source = await sourceEmbedding(t, character.cacheKey, character.faceCrops);
      const out = await t.apply({ image, sourceEmbedding: source, strength });
      // Scored on every output, swapped or not, with the recogniser the centroid came from.
      const identityScore = await scoreIdentity(out.image, character.centroid);
      return { image: out.image, identityScore, faces: out.faces };
    },
  };
}
