import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads the last initializer of an ONNX graph straight from the file. inswapper-style models
 * keep there the 512x512 `emap` that maps an ArcFace embedding to the swapper's latent; ONNX
 * Runtime does not expose initializers, and decoding a 554 MB model in JS just for one matrix
 * would cost gigabytes, so this walks the protobuf wire format and only reads that tensor.
 */
export interface InitializerTensor {
  name: string;
  dims: number[];
  /** ONNX TensorProto.DataType (1 = FLOAT). */
  dataType: number;
  /** Values for FLOAT tensors; null for other types or external data. */
  data: Float32Array | null;
}

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_DATA_LOCATION = 14;
/** Largest initializer we read into memory (a 512x512 float matrix is 1 MB). */
const MAX_TENSOR_BYTES = 64 * 1024 * 1024;

class FileCursor {
  private chunk = Buffer.alloc(0);
  private chunkStart = 0;
  readonly size: number;

  constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }

  byteAt(pos: number): number {
    if (pos < this.chunkStart || pos >= this.chunkStart + this.chunk.length) {
      const buf = Buffer.alloc(Math.min(65536, this.size - pos));
      if (buf.length <= 0) throw new Error('ONNX file ends inside a field');
      readSync(this.fd, buf, 0, buf.length, pos);
      this.chunk = buf;
      this.chunkStart = pos;
    }
    return this.chunk[pos - this.chunkStart];
  }

  read(pos: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    if (readSync(this.fd, buf, 0, length, pos) !== length) throw new Error('ONNX file ends inside a field');
    return buf;
  }
}

interface Field {
  field: number;
  wire: number;
  /** Varint value (wire 0) or payload start (other wires). */
  value: number;
  start: number;
  end: number;
}

function readVarint(byteAt: (pos: number) => number, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = byteAt(pos++);
    result += (b & 0x7f) * mul;
    if (!(b & 0x80)) return [result, pos];
    mul *= 128;
  }
  throw new Error('malformed varint in ONNX file');
}

/** Iterates the fields of a protobuf message spanning [start, end). */
function* fields(byteAt: (pos: number) => number, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [key, p1] = readVarint(byteAt, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    switch (wire) {
      case 0: {
        const [v, p2] = readVarint(byteAt, p1);
        yield { field, wire, value: v, start: p1, end: p2 };
        pos = p2;
        break;
      }
      case 1:
        yield { field, wire, value: p1, start: p1, end: p1 + 8 };
        pos = p1 + 8;
        break;
      case 2: {
        const [len, p2] = readVarint(byteAt, p1);
        yield { field, wire, value: p2, start: p2, end: p2 + len };
        pos = p2 + len;
        break;
      }
      case 5:
        yield { field, wire, value: p1, start: p1, end: p1 + 4 };
        pos = p1 + 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${wire} in ONNX file`);
    }
    if (pos > end) throw new Error('protobuf field overruns its message');
  }
}

function parseTensor(buf: Buffer): InitializerTensor {
  const at = (p: number) => buf[p];
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Buffer | null = null;
  const floats: number[] = [];
  let external = false;
  for (const f of fields(at, 0, buf.length)) {
    if (f.field === TENSOR_DIMS) {
      if (f.wire === 0) dims.push(f.value);
      else if (f.wire === 2) {
        // packed repeated int64
        let p = f.start;
        while (p < f.end) {
          const [v, next] = readVarint(at, p);
          dims.push(v);
          p = next;
        }
      }
    } else if (f.field === TENSOR_DATA_TYPE && f.wire === 0) {
      dataType = f.value;
    } else if (f.field === TENSOR_NAME && f.wire === 2) {
      name = buf.subarray(f.start, f.end).toString('utf8');
    } else if (f.field === TENSOR_RAW_DATA && f.wire === 2) {
      raw = buf.subarray(f.start, f.end);
    } else if (f.field === TENSOR_FLOAT_DATA) {
      if (f.wire === 5) floats.push(buf.readFloatLE(f.start));
      else if (f.wire === 2) for (let p = f.start; p + 4 <= f.end; p += 4) floats.push(buf.readFloatLE(p));
    } else if (f.field === TENSOR_DATA_LOCATION && f.wire === 0) {
      external = f.value === 1;
    }
  }
  let data: Float32Array | null = null;
  if (dataType === 1 && !external) {
    if (raw) {
      data = new Float32Array(raw.length / 4);
      for (let i = 0; i < data.length; i++) data[i] = raw.readFloatLE(i * 4);
    } else {
      data = Float32Array.from(floats);
    }
  }
  return { name, dims, dataType, data };
}

/** The graph's last initializer, or null when the graph has none. */
export function readLastInitializer(onnxPath: string): InitializerTensor | null {
  const fd = openSync(onnxPath, 'r');
  try {
    const cur = new FileCursor(fd);
    const byteAt = (p: number) => cur.byteAt(p);
    let graph: Field | null = null;
    for (const f of fields(byteAt, 0, cur.size)) if (f.field === MODEL_GRAPH && f.wire === 2) graph = f;
    if (!graph) throw new Error(`${onnxPath} has no graph`);
    let last: Field | null = null;
    for (const f of fields(byteAt, graph.start, graph.end)) if (f.field === GRAPH_INITIALIZER && f.wire === 2) last = f;
    if (!last) return null;
    if (last.end - last.start > MAX_TENSOR_BYTES) return { name: '', dims: [], dataType: 0, data: null };
    return parseTensor(cur.read(last.start, last.end - last.start));
  } finally {
    closeSync(fd);
  }
}
