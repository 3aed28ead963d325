import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadGraphModelFromDisk } from '../human/disk-models.js';
import type { RgbImage } from '../human/image-tensor.js';
import { withHuman } from '../human/loader.js';
import { humanModelsDir } from '../human/paths.js';
import { faceTemplate, similarityTransform, warpAffine, type Point } from './align.js';
import { l2normalize } from './vector.js';

/**
 * The identity descriptor: human-models' `faceres` (HSE FaceRes, MobileNet backbone), its
 * 1024-d global-pooling output on a 224 px crop aligned on the ArcFace five-point template,
 * pixels in 0..255, L2-normalised.
 *
 * Chosen by scripts/compare-face-descriptors.ts on the face fixtures (9 real photos of
 * one man, 21 other people, 6 synthetic copies per face; cosine similarity):
 *
 *   descriptor (input)            real same mean/min  different mean/max  d'    best acc  LOO same min / other max
 *   faceres, ArcFace crop (0..255)     0.742 / 0.596       0.387 / 0.699   4.46  99.5%     0.702 / 0.563
 *   faceres, looser crop               0.765 / 0.583       0.387 / 0.683   4.52  99.1%     0.675 / 0.557
 *   faceres-deep, ArcFace crop         0.735 / 0.561       0.472 / 0.798   2.68  95.6%     0.678 / 0.583
 *   mobileface 256-d                   0.619 / 0.263       0.115 / 0.556   3.75  98.4%     0.444 / 0.436
 *   mobilefacenet 192-d (any input)    ~0.98-1.00 for every pair (degenerate output)  d' < 1
 *
 * faceres separates the real photos best and is the only descriptor whose leave-one-out centroid
 * similarities leave a gap between the same man (>= 0.702) and everyone else (<= 0.563). The
 * different-person maximum (0.699) is a pair of grid photos that may well show one man. The
 * package holds no insightface descriptor, and a 0..1 input collapses every faceres output.
 */
export const RECOGNIZER = {
  name: 'human-models/faceres',
  dims: 1024,
  inputSize: 224,
} as const;

/**
 * Cosine between a photo and the leave-one-out centroid of the rest of a set under which the
 * photo is refused as another person. On the fixtures the same man scored >= 0.702 against the
 * centroid of his other photos and other people <= 0.563; single-pair similarities overlap more
 * (same >= 0.596, different up to 0.65-0.70), which matters for two- or three-photo sets. 0.60
 * sits in the centroid gap and at the best single-pair threshold (0.596).
 */
export const SAME_PERSON_THRESHOLD = 0.6;

let model: Promise<tf.GraphModel> | null = null;

function loadModel(): Promise<tf.GraphModel> {
  model ??= loadGraphModelFromDisk(path.join(humanModelsDir(), 'faceres.json')).catch((err) => {
    model = null;
    throw err;
  });
  return model;
}

/** The aligned recogniser input for a face given its five points. */
export function recognizerCrop(image: RgbImage, fivePoints: readonly Point[]): RgbImage {
  const size = RECOGNIZER.inputSize;
  return warpAffine(image, similarityTransform(fivePoints, faceTemplate(size)), size, size, 'replicate');
}

/** Identity embeddings (L2-normalised, 1024-d) for aligned crops from recognizerCrop. */
export async function embedCrops(crops: readonly RgbImage[]): Promise<Float32Array[]> {
  if (crops.length === 0) return [];
  const graph = await loadModel();
  const size = RECOGNIZER.inputSize;
  for (const c of crops) if (c.width !== size || c.height !== size) throw new Error(`recogniser crop must be ${size}x${size}`);
  return withHuman(async () => {
    const out: Float32Array[] = [];
    for (const crop of crops) {
      const outputs = tf.tidy(() => {
        const x = tf.tensor4d(new Float32Array(crop.data), [1, size, size, 3]);
        const r = graph.execute(x);
        return Array.isArray(r) ? r : [r];
      });
      try {
        const desc = outputs.find((t) => t.shape[t.shape.length - 1] === RECOGNIZER.dims);
        if (!desc) throw new Error('faceres returned no 1024-d descriptor');
        out.push(l2normalize(await desc.data()));
      } finally {
        tf.dispose(outputs);
      }
    }
    return out;
  });
}

/** Embedding of one face in an image. */
export async function embedFace(image: RgbImage, fivePoints: readonly Point[]): Promise<Float32Array> {
  return (await embedCrops([recognizerCrop(image, fivePoints)]))[0];
}
