/**
 * The ArcFace-style recogniser the swapper's source identity comes from (buffalo_l w600k_r50:
 * [N,3,112,112] RGB normalised as (x - 127.5) / 127.5 -> [N,512]).
 */
import type { RgbImage } from '../human/image-tensor.js';
import { faceTemplate, similarityTransform, warpAffine, type Point } from '../face/align.js';
import { l2normalize } from '../face/vector.js';
import { fixedDim, floatInput, loadOnnxModel, toFloat32, type OnnxModel } from '../onnx/index.js';
import type { ExecutionProviderName } from '../onnx/index.js';

export interface ArcFaceModel {
  readonly inputSize: number;
  readonly dims: number;
  /** L2-normalised embedding of a crop already aligned to this model's template. */
  embedAligned(crop: RgbImage): Promise<Float32Array>;
  /** Aligns the face with the given five points, then embeds it. */
  embedFace(image: RgbImage, fivePoints: readonly Point[]): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function loadArcFace(path: string, provider: ExecutionProviderName = 'cpu'): Promise<ArcFaceModel> {
  const model: OnnxModel = await loadOnnxModel(path, { provider });
  const input = model.description.inputs.find((i) => i.shape.length === 4);
  const output = model.description.outputs[0];
  if (!input || !output)
    throw new Error(`${path} is not a face recogniser: expected a [N,3,S,S] input (${JSON.stringify(model.description)})`);
  const size = fixedDim(input, 2) ?? 112;
  if (size % 112 !== 0 || (fixedDim(input, 3) ?? size) !== size || (fixedDim(input, 1) ?? 3) !== 3) {
    throw new Error(`${path}: recogniser input ${input.name} is [${input.shape.join(',')}], expected [N,3,112,112] (the ArcFace template)`);
  }
  const template = faceTemplate(size);
  let dims = fixedDim(output, 1) ?? 0;

  async function embedAligned(crop: RgbImage): Promise<Float32Array> {
    if (crop.width !== size || crop.height !== size) throw new Error(`recogniser crop must be ${size}x${size}`);
    const plane = size * size;
    const x = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) x[c * plane + i] = (crop.data[i * 3 + c] - 127.5) / 127.5;
    }
    const out = await model.run({ [input!.name]: floatInput(input!, x, [1, 3, size, size]) }, undefined, [output!.name]);
    const v = toFloat32(out[output!.name]);
    if (!dims) dims = v.length;
    if (v.length !== dims) throw new Error(`recogniser returned ${v.length} values, expected ${dims}`);
    return l2normalize(v);
  }

  return {
    inputSize: size,
    get dims() {
      return dims || 512;
    },
    embedAligned,
    embedFace(image, fivePoints) {
      return embedAligned(warpAffine(image, similarityTransform(fivePoints, template), size, size));
    },
    release: () => model.release(),
  };
}
