/**
 * Identity transfer: every face in a generated image is aligned with a five-point similarity
 * transform, re-drawn by the swapper with the character's identity, colour-matched to the
 * original face, and pasted back through the inverse warp with a feathered mask, blended by
 * strength (0 leaves every pixel as it was, 1 is the full swap).
 */
import sharp from 'sharp';
import { faceTemplate, similarityTransform, warpAffine, type Point } from '../face/align.js';
import { detectFaces, type DetectedFace } from '../face/detect.js';
import { faceCropTemplate } from '../face/face-crop.js';
import { centroid, cosine } from '../face/vector.js';
import { decodeRgb, type RgbImage } from '../human/image-tensor.js';
import type { ExecutionProviderName } from '../onnx/index.js';
import { loadArcFace, type ArcFaceModel } from './arcface.js';
import { featherMask, matchColours, pasteFace } from './paste.js';
import { loadSwapper, type SwapperModel } from './swapper.js';

/** Largest image transferred onto (pixels); generated images are at most 2048x2048. */
export const MAX_TRANSFER_PIXELS = 4096 * 4096;
/** Largest stored face crop read (pixels); crops are 256x256. */
export const MAX_CROP_PIXELS = 2048 * 2048;
/** Faces are detected on a copy at most this large (longest side); points are scaled back. */
export const DETECT_MAX_SIDE = 1536;
/** Faces narrower than this (image pixels) are left alone: too small to carry an identity. */
export const MIN_SWAP_FACE = 24;

export interface IdentityTransferOptions {
  swapperPath: string;
  recognizerPath: string;
  provider?: ExecutionProviderName;
}

export interface IdentityTransfer {
  /** What was loaded: crop size, source width and where the embedding projection came from. */
  readonly info: { swapperSize: number; sourceDims: number; embeddingDims: number; emap: 'named' | 'last-initializer' | null };
  /**
   * The source identity from a character's stored face crops (JPEG, face-crop.ts framing): each
   * crop aligned to the recogniser template, embedded, averaged, L2-normalised.
   */
  embedSource(faceCrops: Buffer[]): Promise<Float32Array>;
  /** Swaps every face in `image` towards the source identity; returns a PNG and the faces swapped. */
  apply(opts: { image: Buffer; sourceEmbedding: Float32Array; strength: number }): Promise<{ image: Buffer; faces: number }>;
  /** The same on decoded pixels and faces already located (five points each); returns new pixels. */
  applyToFaces(image: RgbImage, faces: readonly (readonly Point[])[], sourceEmbedding: Float32Array, strength: number): Promise<RgbImage>;
  /** ArcFace cosine of the best-matching face in `image` to the source embedding; 0 without a face. */
  scoreArcFace(image: RgbImage, sourceEmbedding: Float32Array): Promise<number>;
  release(): Promise<void>;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE);
}

export async function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

/** The input unchanged: the same bytes when already PNG, else its pixels as PNG. */
export async function unchanged(bytes: Buffer, decoded?: RgbImage): Promise<Buffer> {
  if (isPng(bytes)) return bytes;
  return encodePng(decoded ?? (await decodeRgb(bytes, { maxPixels: MAX_TRANSFER_PIXELS })));
}

/** Every face with its mesh, detected on a copy at most DETECT_MAX_SIDE large, in `img` pixels, largest first. */
export async function detectFacesScaled(img: RgbImage): Promise<DetectedFace[]> {
  const scale = Math.max(img.width, img.height) / DETECT_MAX_SIDE;
  if (scale <= 1) return detectFaces(img);
  const w = Math.round(img.width / scale),
    h = Math.round(img.height / scale);
  const data = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .resize(w, h, { fit: 'fill' })
    .raw()
    .toBuffer();
  const s = img.width / w;
  const up = (p: readonly (number | undefined)[]) => p.map((v) => (v ?? 0) * s);
  return (await detectFaces({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: w, height: h })).map((f) => ({
    ...f,
    box: up(f.box) as DetectedFace['box'],
    mesh: f.mesh.map(up) as DetectedFace['mesh'],
    fivePoints: f.fivePoints.map(up) as Point[],
  }));
}

/** Five points of every face large enough to swap, in `img` pixels, largest first. */
export async function facesToSwap(img: RgbImage): Promise<Point[][]> {
  const scale = Math.max(img.width, img.height) / DETECT_MAX_SIDE;
  let probe = img;
  if (scale > 1) {
    const w = Math.round(img.width / scale),
      h = Math.round(img.height / scale);
    const data = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
      raw: { width: img.width, height: img.height, channels: 3 },
    })
      .resize(w, h, { fit: 'fill' })
      .raw()
      .toBuffer();
    probe = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: w, height: h };
  }
  const s = img.width / probe.width;
  return (await detectFaces(probe))
    .filter((f) => f.box[2] * s >= MIN_SWAP_FACE)
    .map((f) => f.fivePoints.map(([x, y]) => [x * s, y * s] as Point));
}

export async function loadIdentityTransfer(opts: IdentityTransferOptions): Promise<IdentityTransfer> {
  const provider = opts.provider ?? 'cpu';
  const arcface: ArcFaceModel = await loadArcFace(opts.recognizerPath, provider);
  let swapper: SwapperModel;
  try {
    swapper = await loadSwapper(opts.swapperPath, provider);
  } catch (e) {
    await arcface.release();
    throw e;
  }
  if (swapper.emap && swapper.emap.rows !== arcface.dims) {
    await Promise.all([arcface.release(), swapper.release()]);
    throw new Error(`the swapper's emap takes ${swapper.emap.rows}-d embeddings but the recogniser gives ${arcface.dims}`);
  }
  const size = swapper.size;
  const template = faceTemplate(size);
  const mask = featherMask(size);

  async function embedCrop(bytes: Buffer): Promise<Float32Array | null> {
    const crop = await decodeRgb(bytes, { maxPixels: MAX_CROP_PIXELS });
    // Stored crops are squares with the five points at known places: no need to detect again.
    if (crop.width === crop.height) return arcface.embedFace(crop, faceCropTemplate(crop.width));
    const faces = await detectFaces(crop);
    return faces.length ? arcface.embedFace(crop, faces[0].fivePoints) : null;
  }

  function checkInputs(sourceEmbedding: Float32Array, strength: number): void {
    if (!(strength >= 0 && strength <= 1)) throw new RangeError(`strength must be between 0 and 1, got ${strength}`);
    if (sourceEmbedding.length !== arcface.dims)
      throw new Error(`source embedding has ${sourceEmbedding.length} values, expected ${arcface.dims}`);
  }

  async function applyToFaces(
    img: RgbImage,
    faces: readonly (readonly Point[])[],
    sourceEmbedding: Float32Array,
    strength: number,
  ): Promise<RgbImage> {
    checkInputs(sourceEmbedding, strength);
    const out: RgbImage = { data: new Uint8Array(img.data), width: img.width, height: img.height };
    if (strength === 0 || faces.length === 0) return out;
    const latent = swapper.latent(sourceEmbedding);
    for (const points of faces) {
      const toCrop = similarityTransform(points, template);
      // Crops come from the untouched input, so overlapping faces do not feed on each other.
      const crop = warpAffine(img, toCrop, size, size, 'replicate');
      const swapped = await swapper.swap(crop, latent);
      pasteFace(out, matchColours(swapped, crop, mask), mask, toCrop, strength);
    }
    return out;
  }

  return {
    info: { swapperSize: size, sourceDims: swapper.sourceDims, embeddingDims: arcface.dims, emap: swapper.emap?.from ?? null },

    async embedSource(faceCrops) {
      if (faceCrops.length === 0) throw new Error('embedSource needs at least one face crop');
      const embeddings: Float32Array[] = [];
      for (const c of faceCrops) {
        const e = await embedCrop(c);
        if (e) embeddings.push(e);
      }
      if (embeddings.length === 0) throw new Error('no face was found in any of the face crops');
      return centroid(embeddings);
    },

    async apply({ image, sourceEmbedding, strength }) {
      checkInputs(sourceEmbedding, strength);
      if (strength === 0) return { image: await unchanged(image), faces: 0 };
      const img = await decodeRgb(image, { maxPixels: MAX_TRANSFER_PIXELS });
      const faces = await facesToSwap(img);
      if (faces.length === 0) return { image: await unchanged(image, img), faces: 0 };
      return { image: await encodePng(await applyToFaces(img, faces, sourceEmbedding, strength)), faces: faces.length };
    },

    applyToFaces,

    async scoreArcFace(image, sourceEmbedding) {
      let best = 0;
      for (const f of await detectFacesScaled(image))
        best = Math.max(best, cosine(await arcface.embedFace(image, f.fivePoints), sourceEmbedding));
      return best;
    },

    async release() {
      await Promise.all([arcface.release(), swapper.release()]);
    },
  };
}
