import { Tensor } from 'onnxruntime-node';
import { fromFloat16Array, toFloat16Array } from './fp16.js';
import type { TensorInfo } from './metadata.js';

export type FloatDType = 'float32' | 'float16';

/** The float dtype a graph input declares (float16 for fp16 exports, float32 otherwise). */
export function floatDTypeOf(info: TensorInfo): FloatDType {
  if (info.dtype === 'float16') return 'float16';
  if (info.dtype === 'float32') return 'float32';
  throw new Error(`input ${info.name} is ${info.dtype}, expected a float tensor`);
}

export function floatTensor(data: Float32Array, dims: readonly number[], dtype: FloatDType): Tensor {
  checkSize(data.length, dims);
  return dtype === 'float16' ? new Tensor('float16', toFloat16Array(data), dims) : new Tensor('float32', data, dims);
}

/** A float input converted to whatever float dtype `info` declares. */
export function floatInput(info: TensorInfo, data: Float32Array, dims: readonly number[]): Tensor {
  return floatTensor(data, dims, floatDTypeOf(info));
}

/** Token ids as the declared integer dtype (CLIP exports use int32; some use int64). */
export function idsInput(info: TensorInfo, ids: Int32Array, dims: readonly number[]): Tensor {
  checkSize(ids.length, dims);
  if (info.dtype === 'int32') return new Tensor('int32', ids, dims);
  if (info.dtype === 'int64')
    return new Tensor(
      'int64',
      BigInt64Array.from(ids, (v) => BigInt(v)),
      dims,
    );
  throw new Error(`input ${info.name} is ${info.dtype}, expected int32 or int64 token ids`);
}

/**
 * The UNet timestep in the declared dtype and rank: new Optimum exports take a float scalar [],
 * older ones int64 [B], the legacy diffusers script float [B]. A fixed leading dim (e.g. [1]) is
 * honoured.
 */
export function timestepInput(info: TensorInfo, t: number, batch: number): Tensor {
  const dims: number[] = info.shape.length === 0 ? [] : [typeof info.shape[0] === 'number' && info.shape[0] > 0 ? info.shape[0] : batch];
  const n = dims.length === 0 ? 1 : dims[0];
  switch (info.dtype) {
    case 'int64':
      return new Tensor('int64', new BigInt64Array(n).fill(BigInt(Math.round(t))), dims);
    case 'int32':
      return new Tensor('int32', new Int32Array(n).fill(Math.round(t)), dims);
    case 'float32':
      return new Tensor('float32', new Float32Array(n).fill(t), dims);
    case 'float16':
      return new Tensor('float16', toFloat16Array(new Float32Array(n).fill(t)), dims);
    case 'float64':
      return new Tensor('float64', new Float64Array(n).fill(t), dims);
    default:
      throw new Error(`timestep input ${info.name} has unsupported dtype ${info.dtype}`);
  }
}

/** Output data as Float32Array whatever float dtype the graph produced (copy only when converting). */
export function toFloat32(t: Tensor): Float32Array {
  switch (t.type) {
    case 'float32':
      return t.data as Float32Array;
    case 'float16':
      return fromFloat16Array(t.data as Uint16Array);
    case 'float64':
      return Float32Array.from(t.data as Float64Array);
    default:
      throw new Error(`expected a float tensor, got ${t.type}`);
  }
}

/** Drop a tensor's data (frees GPU-side buffers; a no-op beyond dropping the reference on CPU). */
export function disposeAll(tensors: Iterable<Tensor | undefined>): void {
  for (const t of tensors) {
    try {
      t?.dispose();
    } catch {
      // Already disposed or not disposable: nothing to free.
    }
  }
}

function checkSize(length: number, dims: readonly number[]): void {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== length) throw new Error(`tensor data has ${length} elements, dims [${dims.join(',')}] need ${n}`);
}
