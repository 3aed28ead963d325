/**
 * The inswapper-style face swapper: an aligned target face (RGB, 0..1, NCHW) and a source
 * identity latent in, the target face re-drawn with the source identity out (RGB, 0..1).
 *
 * The real inswapper_128 does not take the ArcFace embedding itself: it stores a matrix `emap`
 * among its initializers (unused by the graph) and expects latent = normalise(embedding · emap).
 * The matrix is found by name, or, as InsightFace's own loader does, as the last initializer when
 * it has the right shape.
 */
import type { RgbImage } from '../human/image-tensor.js';
import { l2normalize } from '../face/vector.js';
import {
  fixedDim,
  floatInput,
  loadOnnxModel,
  toFloat32,
  type ExecutionProviderName,
  type OnnxModel,
  type TensorInfo,
} from '../onnx/index.js';
import { listInitializers, readInitializer } from './onnx-initializers.js';

export interface SwapperModel {
  /** Side of the square aligned crop the model takes (128 for inswapper_128). */
  readonly size: number;
  /** Length of the source input (512). */
  readonly sourceDims: number;
  /** The embedding -> latent projection [embeddingDims x sourceDims], or null when the model takes the embedding as is. */
  readonly emap: { rows: number; cols: number; values: Float32Array; from: 'named' | 'last-initializer' } | null;
  /** The source input for a recogniser embedding. */
  latent(embedding: Float32Array): Float32Array;
  /** Runs the swap on an aligned crop; returns the swapped crop (same size). */
  swap(crop: RgbImage, latent: Float32Array): Promise<RgbImage>;
  release(): Promise<void>;
}

/** latent = normalise(e · M) for a row vector e and a rows x cols matrix M (row-major). */
export function projectEmbedding(embedding: Float32Array, emap: { rows: number; cols: number; values: Float32Array }): Float32Array {
  if (embedding.length !== emap.rows) throw new Error(`embedding has ${embedding.length} values, emap expects ${emap.rows}`);
  const out = new Float64Array(emap.cols);
  for (let i = 0; i < emap.rows; i++) {
    const e = embedding[i];
    if (e === 0) continue;
    const row = i * emap.cols;
    for (let j = 0; j < emap.cols; j++) out[j] += e * emap.values[row + j];
  }
  return l2normalize(out);
}

async function findEmap(path: string, sourceDims: number): Promise<SwapperModel['emap']> {
  const inits = await listInitializers(path);
  const named = inits.find((i) => i.name === 'emap');
  const last = inits[inits.length - 1];
  const pick = named ?? (last && last.dims.length === 2 && last.dims[1] === sourceDims && last.dims[0] === sourceDims ? last : undefined);
  if (!pick) return null;
  if (pick.dims.length !== 2 || pick.dims[1] !== sourceDims)
    throw new Error(`${path}: emap is [${pick.dims.join(',')}], expected [E,${sourceDims}]`);
  return { rows: pick.dims[0], cols: pick.dims[1], values: await readInitializer(path, pick), from: named ? 'named' : 'last-initializer' };
}

export async function loadSwapper(path: string, provider: ExecutionProviderName = 'cpu'): Promise<SwapperModel> {
  const model: OnnxModel = await loadOnnxModel(path, { provider });
  const inputs = model.description.inputs;
  // Names differ between exports; the shapes do not: the 4-D input is the face, the 2-D one the identity.
  const target: TensorInfo | undefined = inputs.find((i) => i.name === 'target') ?? inputs.find((i) => i.shape.length === 4);
  const source: TensorInfo | undefined = inputs.find((i) => i.name === 'source') ?? inputs.find((i) => i.shape.length === 2);
  const output = model.description.outputs[0];
  if (!target || !source || !output || target === source) {
    await model.release();
    throw new Error(`${path} is not an inswapper-style swapper: expected a [1,3,S,S] target and a [1,D] source input`);
  }
  const size = fixedDim(target, 2) ?? 128;
  const sourceDims = fixedDim(source, 1) ?? 512;
  const emap = await findEmap(path, sourceDims);

  return {
    size,
    sourceDims,
    emap,
    latent(embedding) {
      if (emap) return projectEmbedding(embedding, emap);
      if (embedding.length !== sourceDims) throw new Error(`embedding has ${embedding.length} values, the swapper takes ${sourceDims}`);
      return l2normalize(embedding);
    },
    async swap(crop, latent) {
      if (crop.width !== size || crop.height !== size) throw new Error(`swapper crop must be ${size}x${size}`);
      if (latent.length !== sourceDims) throw new Error(`latent has ${latent.length} values, expected ${sourceDims}`);
      const plane = size * size;
      const x = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) x[c * plane + i] = crop.data[i * 3 + c] / 255;
      }
      const out = await model.run(
        { [target.name]: floatInput(target, x, [1, 3, size, size]), [source.name]: floatInput(source, latent, [1, sourceDims]) },
        undefined,
        [output.name],
      );
      const y = toFloat32(out[output.name]);
      if (y.length !== 3 * plane) throw new Error(`swapper returned ${y.length} values, expected ${3 * plane}`);
      const data = new Uint8Array(3 * plane);
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(Math.min(1, Math.max(0, y[c * plane + i])) * 255);
      }
      return { data, width: size, height: size };
    },
    release: () => model.release(),
  };
}
