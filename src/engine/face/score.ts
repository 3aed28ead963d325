import { decodeRgb, type RgbImage } from '../human/image-tensor.js';
import { detectFaces, type DetectedFace } from './detect.js';
import { embedCrops, recognizerCrop, RECOGNIZER } from './recognizer.js';
import { cosine } from './vector.js';

/** Faces narrower than this (pixels) are too small to score. */
const MIN_SCORED_FACE = 24;
/** Generated images are scored at most this large (longest side). */
const SCORE_MAX_SIDE = 2048;

/** Identity score of already-decoded pixels; see scoreIdentity. `detected`: faces already found in it. */
export async function scoreIdentityRgb(image: RgbImage, centroid: Float32Array, detected?: readonly DetectedFace[]): Promise<number> {
  if (centroid.length !== RECOGNIZER.dims)
    throw new Error(`centroid has ${centroid.length} values, expected ${RECOGNIZER.dims} (${RECOGNIZER.name})`);
  const faces = (detected ?? (await detectFaces(image))).filter((f) => f.box[2] >= MIN_SCORED_FACE);
  if (faces.length === 0) return 0;
  const embeddings = await embedCrops(faces.map((f) => recognizerCrop(image, f.fivePoints)));
  return Math.max(...embeddings.map((e) => cosine(e, centroid)));
}

/**
 * Cosine similarity between a character's centroid and the best-matching face in an image, from
 * the recogniser the character was built with; 0 when the image has no face.
 */
export async function scoreIdentity(image: Buffer, centroid: Float32Array): Promise<number> {
  return scoreIdentityRgb(await decodeRgb(image, { maxSide: SCORE_MAX_SIDE }), centroid);
}
