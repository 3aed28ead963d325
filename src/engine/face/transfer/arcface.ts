import type { RgbImage } from '../../human/image-tensor.js';
import { fixedDim, floatInput, loadOnnxModel, toFloat32, type ExecutionProviderName, type OnnxModel } from '../../onnx/index.js';
import { l2normalize } from '../vector.js';

/**
 * An ArcFace-style recogniser in ONNX (buffalo_l w600k_r50 and its kin): one input
 * [batch, 3, S, S] (S = 112), RGB normalised as (v - 127.5) / 127.5, one output [batch, D].
 * Its embedding is what the swapper expects as the source identity.
 */
export interface OnnxRecognizer {
  readonly inputSize: number;
  readonly dims: number;
  /** L2-normalised embeddings of crops aligned on faceTemplate(inputSize). */
  embed(crops: readonly RgbImage[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

export async function loadOnnxRecognizer(modelPath: string, provider: ExecutionProviderName = 'cpu'): Promise<OnnxRecognizer> {
  const model: OnnxModel = await loadOnnxModel(modelPath, { provider });
  const { inputs, outputs } = model.description;
  if (inputs.length !== 1 || outputs.length < 1) throw new Error(`${modelPath}: expected one input and an embedding output, got ${inputs.length} inputs`);
  const input = inputs[0];
  const output = outputs[0];
  if (input.shape.length !== 4) throw new Error(`${modelPath}: input ${input.name} should be [batch, 3, S, S]`);
  const inputSize = fixedDim(input, 2) ?? 112;
  if ((fixedDim(input, 3) ?? inputSize) !== inputSize) throw new Error(`${modelPath}: input ${input.name} is not square`);
  let dims = fixedDim(output, 1) ?? 0;

  async function embedOne(crop: RgbImage): Promise<Float32Array> {
    if (crop.width !== inputSize || crop.height !== inputSize) throw new Error(`recogniser crop must be ${inputSize}x${inputSize}`);
    const plane = inputSize * inputSize;
    const data = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) data[c * plane + i] = (crop.data[i * 3 + c] - 127.5) / 127.5;
    }
    const result = await model.run({ [input.name]: floatInput(input, data, [1, 3, inputSize, inputSize]) }, undefined, [output.name]);
    const emb = toFloat32(result[output.name]);
    if (dims === 0) dims = emb.length;
    return l2normalize(emb);
  }

  return {
    inputSize,
    get dims() {
      return dims;
    },
    async embed(crops) {
      const out: Float32Array[] = [];
      for (const c of crops) out.push(await embedOne(c));
      return out;
    },
    release: () => model.release(),
  };
}
