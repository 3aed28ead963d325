import type { InferenceSession, Tensor } from 'onnxruntime-node';

/** One input or output of a loaded graph, as ONNX Runtime reports it. */
export interface TensorInfo {
  name: string;
  /** Element type; 'unknown' for non-tensor values (sequences, maps). */
  dtype: Tensor.Type | 'unknown';
  /**
   * Dimensions: numbers are fixed, strings are symbolic (dynamic) names. ORT reports a rank-0
   * (scalar) input and an input without any declared shape alike as [].
   */
  shape: ReadonlyArray<number | string>;
}

export interface SessionDescription {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

function toInfo(m: InferenceSession.ValueMetadata): TensorInfo {
  if (!m.isTensor) return { name: m.name, dtype: 'unknown', shape: [] };
  return { name: m.name, dtype: m.type, shape: [...m.shape] };
}

export function describeSession(session: InferenceSession): SessionDescription {
  return {
    inputs: session.inputMetadata.map(toInfo),
    outputs: session.outputMetadata.map(toInfo),
  };
}

export function findInput(d: SessionDescription, name: string): TensorInfo | undefined {
  return d.inputs.find((i) => i.name === name);
}

export function findOutput(d: SessionDescription, name: string): TensorInfo | undefined {
  return d.outputs.find((o) => o.name === name);
}

/** The fixed size of dimension `axis`, or null when it is dynamic or unknown. */
export function fixedDim(info: TensorInfo, axis: number): number | null {
  const d = info.shape[axis];
  return typeof d === 'number' && d > 0 ? d : null;
}

export function formatDescription(d: SessionDescription): string {
  const fmt = (t: TensorInfo) => `${t.name}:${t.dtype}[${t.shape.join(',')}]`;
  return `inputs ${d.inputs.map(fmt).join(' ')}; outputs ${d.outputs.map(fmt).join(' ')}`;
}
