import type { RgbImage } from '../../human/image-tensor.js';
import { fixedDim, floatInput, loadOnnxModel, toFloat32, type ExecutionProviderName, type TensorInfo } from '../../onnx/index.js';
import { l2normalize } from '../vector.js';
import { readLastInitializer } from './onnx-initializer.js';

/**
 * A face swapper with the inswapper_128 interface: `target` [1, 3, S, S] (the aligned face, RGB
 * 0..1) and `source` [1, D] (identity latent) in, one [1, 3, S, S] RGB 0..1 face out. The input
 * names are read from the session; a model naming them otherwise is matched by rank.
 */
export interface FaceSwapper {
  readonly size: number;
  readonly sourceDims: number;
  /** Whether the model carries an emap that the embedding is projected through. */
  readonly hasEmap: boolean;
  /** The swapper's source latent for a recogniser embedding (emap projection when present). */
  latent(embedding: Float32Array): Float32Array;
  swap(target: RgbImage, latent: Float32Array): Promise<RgbImage>;
  release(): Promise<void>;
}

function pick(inputs: TensorInfo[], name: string, rank: number): TensorInfo {
  const found = inputs.find((i) => i.name === name) ?? inputs.find((i) => i.shape.length === rank);
  if (!found) throw new Error(`swapper has no ${name} input (rank ${rank}); inputs: ${inputs.map((i) => i.name).join(', ')}`);
  return found;
}

export async function loadFaceSwapper(modelPath: string, provider: ExecutionProviderName = 'cpu'): Promise<FaceSwapper> {
  const model = await loadOnnxModel(modelPath, { provider });
  const { inputs, outputs } = model.description;
  const target = pick(inputs, 'target', 4);
  const source = pick(inputs.filter((i) => i !== target), 'source', 2);
  const output = outputs[0];
  const size = fixedDim(target, 2) ?? 128;
  const sourceDims = fixedDim(source, 1) ?? 512;

  // inswapper_128 ships the matrix mapping an ArcFace embedding to its latent as the graph's last
  // initializer; the graph itself does not apply it (InsightFace's own code does, in numpy).
  const last = readLastInitializer(modelPath);
  const emap = last?.data && last.dims.length === 2 && last.dims[0] === sourceDims && last.dims[1] === sourceDims ? last.data : null;

  return {
    size,
    sourceDims,
    hasEmap: emap !== null,
    latent(embedding) {
      if (embedding.length !== sourceDims) throw new Error(`source embedding has ${embedding.length} values; the swapper takes ${sourceDims}`);
      const e = l2normalize(embedding);
      if (!emap) return e;
      const out = new Float32Array(sourceDims);
      // Row vector times matrix: latent[j] = sum_i e[i] * emap[i][j].
      for (let i = 0; i < sourceDims; i++) {
        const v = e[i];
        if (v === 0) continue;
        const row = i * sourceDims;
        for (let j = 0; j < sourceDims; j++) out[j] += v * emap[row + j];
      }
      return l2normalize(out);
    },
    async swap(face, latent) {
      if (face.width !== size || face.height !== size) throw new Error(`swapper target must be ${size}x${size}`);
      const plane = size * size;
      const data = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[c * plane + i] = face.data[i * 3 + c] / 255;
      const result = await model.run(
        { [target.name]: floatInput(target, data, [1, 3, size, size]), [source.name]: floatInput(source, latent, [1, sourceDims]) },
        undefined,
        [output.name],
      );
      const out = toFloat32(result[output.name]);
      if (out.length !== 3 * plane) throw new Error(`swapper output has ${out.length} values, expected ${3 * plane}`);
      const rgb = new Uint8Array(3 * plane);
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(Math.min(1, Math.max(0, out[c * plane + i])) * 255);
      }
      return { data: rgb, width: size, height: size };
    },
    release: () => model.release(),
  };
}
