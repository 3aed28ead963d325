import sharp from 'sharp';
import { decodeRgb, type RgbImage } from '../../human/image-tensor.js';
import type { ExecutionProviderName } from '../../onnx/index.js';
import { faceTemplate, similarityTransform, warpAffine } from '../align.js';
import { detectFaces } from '../detect.js';
import { faceCropTemplate } from '../face-crop.js';
import { scoreIdentityRgb } from '../score.js';
import { centroid as meanDirection } from '../vector.js';
import { loadOnnxRecognizer, type OnnxRecognizer } from './arcface.js';
import { matchColours, pasteFace } from './paste.js';
import { loadFaceSwapper, type FaceSwapper } from './swapper.js';

export { identityModelsStatus, IDENTITY_MODELS, MANUAL_IDENTITY_DIR, type IdentityModelsStatus, type IdentityModelSpec } from './models.js';

/** Faces narrower than this (pixels) are left alone: too small for the 128 px swap to help. */
export const MIN_SWAP_FACE = 32;
/** Largest generated image accepted (pixels). */
export const MAX_TRANSFER_PIXELS = 16_777_216;
/** Largest stored face crop accepted by embedSource. */
const MAX_CROP_PIXELS = 1024 * 1024;

export interface ApplyIdentityOptions {
  /** The generated image (any format sharp reads). */
  image: Buffer;
  /** Source identity from embedSource on the character's face crops. */
  sourceEmbedding: Float32Array;
  /** 0 keeps the generated face, 1 uses the swapped face fully; values between blend. */
  strength: number;
  /** When given, the identity score of the returned image against this centroid (recognizer.ts). */
  centroid?: Float32Array;
  /** Encoding of the returned image when it changed (default png, lossless). */
  format?: 'png' | 'jpeg' | 'webp';
}

export interface ApplyIdentityResult {
  /** The image with the identity applied; the input bytes themselves when nothing changed. */
  image: Buffer;
  /** Faces found (and, at strength > 0, swapped). */
  faces: number;
  /** Cosine to `centroid` of the best face in the returned image; present when a centroid was given. */
  identityScore?: number;
}

export interface IdentityTransfer {
  readonly swapperHasEmap: boolean;
  /** Source identity (L2-normalised, recogniser dims) from stored aligned face crops (JPEG/PNG). */
  embedSource(faceCrops: readonly Buffer[]): Promise<Float32Array>;
  applyIdentity(opts: ApplyIdentityOptions): Promise<ApplyIdentityResult>;
  release(): Promise<void>;
}

export interface LoadIdentityTransferOptions {
  swapperPath: string;
  recognizerPath: string;
  provider?: ExecutionProviderName;
}

async function encode(img: RgbImage, format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } });
  if (format === 'jpeg') return s.jpeg({ quality: 95 }).toBuffer();
  if (format === 'webp') return s.webp({ quality: 95 }).toBuffer();
  return s.png().toBuffer();
}

/** Loads the swapper and the recogniser (ONNX Runtime, CPU or CUDA with CPU fallback). */
export async function loadIdentityTransfer(opts: LoadIdentityTransferOptions): Promise<IdentityTransfer> {
  const provider = opts.provider ?? 'cpu';
  const swapper: FaceSwapper = await loadFaceSwapper(opts.swapperPath, provider);
  let recognizer: OnnxRecognizer;
  try {
    recognizer = await loadOnnxRecognizer(opts.recognizerPath, provider);
  } catch (err) {
    await swapper.release();
    throw err;
  }

  async function embedSource(faceCrops: readonly Buffer[]): Promise<Float32Array> {
    if (faceCrops.length === 0) throw new Error('embedSource needs at least one face crop');
    const aligned: RgbImage[] = [];
    for (const bytes of faceCrops) {
      const crop = await decodeRgb(bytes, { maxPixels: MAX_CROP_PIXELS });
      if (crop.width !== crop.height) throw new Error('face crops must be square (face-crop.ts framing)');
      // Stored crops have the five points at known places: re-align without detecting again.
      const m = similarityTransform(faceCropTemplate(crop.width), faceTemplate(recognizer.inputSize));
      aligned.push(warpAffine(crop, m, recognizer.inputSize, recognizer.inputSize, 'replicate'));
    }
    const embeddings = await recognizer.embed(aligned);
    if (embeddings[0].length !== swapper.sourceDims) {
      throw new Error(`recogniser gives ${embeddings[0].length}-d embeddings; the swapper takes ${swapper.sourceDims}`);
    }
    return meanDirection(embeddings);
  }

  async function applyIdentity(o: ApplyIdentityOptions): Promise<ApplyIdentityResult> {
    if (!(o.strength >= 0 && o.strength <= 1)) throw new Error('strength must be between 0 and 1');
    const latent = swapper.latent(o.sourceEmbedding); // validates the embedding size up front
    const rgb = await decodeRgb(o.image, { maxPixels: MAX_TRANSFER_PIXELS });
    const faces = (await detectFaces(rgb)).filter((f) => f.box[2] >= MIN_SWAP_FACE);
    const score = async (img: RgbImage) => (o.centroid ? { identityScore: await scoreIdentityRgb(img, o.centroid) } : {});
    if (o.strength === 0 || faces.length === 0) return { image: o.image, faces: faces.length, ...(await score(rgb)) };

    const out: RgbImage = { data: new Uint8Array(rgb.data), width: rgb.width, height: rgb.height };
    for (const face of faces) {
      const toCrop = similarityTransform(face.fivePoints, faceTemplate(swapper.size));
      const target = warpAffine(rgb, toCrop, swapper.size, swapper.size, 'replicate');
      const swapped = matchColours(await swapper.swap(target, latent), target);
      pasteFace(out, swapped, toCrop, o.strength);
    }
    return { image: await encode(out, o.format ?? 'png'), faces: faces.length, ...(await score(out)) };
  }

  return {
    swapperHasEmap: swapper.hasEmap,
    embedSource,
    applyIdentity,
    async release() {
      await Promise.all([swapper.release(), recognizer.release()]);
    },
  };
}
