/**
 * Reads initializers (stored weights) out of an ONNX file without decoding the whole graph.
 *
 * ONNX Runtime gives no access to initializers, yet inswapper-style swappers keep the matrix that
 * maps a recogniser embedding to the swapper's identity space (`emap`) as an initializer the graph
 * never uses. The real file is 554 MB, so it is not parsed in full: this walks the protobuf wire
 * format with positional reads (ModelProto.graph = field 7, GraphProto.initializer = field 5),
 * notes where each tensor's payload lies, and skips every payload it is not asked for.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { fromFloat16Array } from '../onnx/fp16.js';

/** TensorProto.DataType values this reader can turn into numbers. */
const FLOAT = 1;
const FLOAT16 = 10;
const DOUBLE = 11;
const BYTES_PER: Record<number, number> = { [FLOAT]: 4, [FLOAT16]: 2, [DOUBLE]: 8 };

/** Largest initializer load() will read (elements); emap is 512x512. */
export const MAX_INITIALIZER_ELEMENTS = 16 * 1024 * 1024;

export interface InitializerInfo {
  name: string;
  /** Position among the graph's initializers (file order). */
  index: number;
  dims: number[];
  dataType: number;
  /** Where the values lie in the file: raw_data bytes, or packed float_data (float32 tensors). */
  payload: { kind: 'raw' | 'float_data'; offset: number; length: number } | null;
  /** data_location == EXTERNAL: values live in another file (not read here). */
  external: boolean;
}

const WINDOW = 64 * 1024;

/** Buffered positional reader: small reads near each other share one window. */
class PositionalReader {
  private buf = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  private async ensure(pos: number, n: number): Promise<void> {
    if (pos >= this.start && pos + n <= this.start + this.buf.length) return;
    const len = Math.min(Math.max(n, WINDOW), this.size - pos);
    const buf = Buffer.alloc(Math.max(len, 0));
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
    this.buf = buf.subarray(0, bytesRead);
    this.start = pos;
  }

  /** A varint at `pos`: its value and the position after it. */
  async varint(pos: number): Promise<[number, number]> {
    await this.ensure(pos, 10);
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const at = pos + i - this.start;
      if (at >= this.buf.length) throw new Error('ONNX file ends inside a varint');
      const b = this.buf[at];
      value += (b & 0x7f) * mul; // arithmetic, not bit shifts: lengths may pass 2^31
      mul *= 128;
      if ((b & 0x80) === 0) return [value, pos + i + 1];
    }
    throw new Error('malformed varint in ONNX file');
  }

  async bytes(pos: number, n: number): Promise<Buffer> {
    if (pos + n > this.size) throw new Error('ONNX field runs past the end of the file');
    await this.ensure(pos, n);
    return Buffer.from(this.buf.subarray(pos - this.start, pos - this.start + n));
  }
}

interface Field {
  number: number;
  wire: number;
  /** Start of the value (after the tag; for wire type 2, after the length). */
  start: number;
  /** Value length in bytes (wire types 1, 2, 5); 0 for varints (read `varint`). */
  length: number;
  varint: number;
  /** Position after the field. */
  next: number;
}

async function readField(r: PositionalReader, pos: number, end: number): Promise<Field> {
  const [tag, p] = await r.varint(pos);
  const number = Math.floor(tag / 8);
  const wire = tag % 8;
  switch (wire) {
    case 0: {
      const [v, next] = await r.varint(p);
      return { number, wire, start: p, length: 0, varint: v, next };
    }
    case 1:
      return check({ number, wire, start: p, length: 8, varint: 0, next: p + 8 }, end);
    case 2: {
      const [len, s] = await r.varint(p);
      return check({ number, wire, start: s, length: len, varint: 0, next: s + len }, end);
    }
    case 5:
      return check({ number, wire, start: p, length: 4, varint: 0, next: p + 4 }, end);
    default:
      throw new Error(`unsupported protobuf wire type ${wire} in ONNX file`);
  }
}

function check(f: Field, end: number): Field {
  if (f.next > end) throw new Error('ONNX field runs past its enclosing message');
  return f;
}

async function readTensorHeader(r: PositionalReader, start: number, end: number, index: number): Promise<InitializerInfo> {
  const info: InitializerInfo = { name: '', index, dims: [], dataType: 0, payload: null, external: false };
  for (let pos = start; pos < end;) {
    const f = await readField(r, pos, end);
    pos = f.next;
    if (f.number === 1 && f.wire === 0) info.dims.push(f.varint);
    else if (f.number === 1 && f.wire === 2) {
      // packed dims
      for (let q = f.start; q < f.next;) {
        const [d, n] = await r.varint(q);
        info.dims.push(d);
        q = n;
      }
    } else if (f.number === 2 && f.wire === 0) info.dataType = f.varint;
    else if (f.number === 8 && f.wire === 2) info.name = (await r.bytes(f.start, Math.min(f.length, 4096))).toString('utf8');
    else if (f.number === 9 && f.wire === 2) info.payload = { kind: 'raw', offset: f.start, length: f.length };
    else if (f.number === 4 && f.wire === 2) info.payload = { kind: 'float_data', offset: f.start, length: f.length };
    else if (f.number === 14 && f.wire === 0) info.external = f.varint === 1;
  }
  return info;
}

/** Every initializer of the main graph, in file order, with where its values lie. */
export async function listInitializers(path: string): Promise<InitializerInfo[]> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const r = new PositionalReader(fh, size);
    const out: InitializerInfo[] = [];
    for (let pos = 0; pos < size;) {
      const f = await readField(r, pos, size);
      pos = f.next;
      if (f.number !== 7 || f.wire !== 2) continue; // ModelProto.graph
      for (let g = f.start; g < f.next;) {
        const gf = await readField(r, g, f.next);
        g = gf.next;
        if (gf.number === 5 && gf.wire === 2) out.push(await readTensorHeader(r, gf.start, gf.next, out.length));
      }
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** The values of one float initializer (float32, float16 or double storage) as float32. */
export async function readInitializer(path: string, info: InitializerInfo): Promise<Float32Array> {
  if (info.external) throw new Error(`initializer ${info.name} is stored in an external data file, which this reader does not follow`);
  const bytesPer = BYTES_PER[info.dataType];
  if (!bytesPer) throw new Error(`initializer ${info.name} has data type ${info.dataType}, expected float32, float16 or double`);
  const count = info.dims.reduce((a, b) => a * b, 1);
  if (count > MAX_INITIALIZER_ELEMENTS)
    throw new Error(`initializer ${info.name} has ${count} elements, more than the ${MAX_INITIALIZER_ELEMENTS} allowed`);
  if (!info.payload) {
    if (count === 0) return new Float32Array(0);
    throw new Error(`initializer ${info.name} carries no values`);
  }
  // Exporters write raw_data; float_data is accepted for float32 tensors, the only type it can hold.
  if (info.payload.kind === 'float_data' && info.dataType !== FLOAT)
    throw new Error(`initializer ${info.name} stores type ${info.dataType} values in float_data`);
  if (info.payload.length !== count * bytesPer)
    throw new Error(`initializer ${info.name}: ${info.payload.length} bytes of values for ${count} elements`);
  const fh = await open(path, 'r');
  let bytes: Buffer;
  try {
    bytes = Buffer.alloc(info.payload.length);
    const { bytesRead } = await fh.read(bytes, 0, bytes.length, info.payload.offset);
    if (bytesRead !== bytes.length) throw new Error(`initializer ${info.name} is cut short`);
  } finally {
    await fh.close();
  }
  const out = new Float32Array(count);
  if (info.dataType === DOUBLE) {
    for (let i = 0; i < count; i++) out[i] = bytes.readDoubleLE(i * 8);
  } else if (info.dataType === FLOAT16) {
    const bits = new Uint16Array(count);
    for (let i = 0; i < count; i++) bits[i] = bytes.readUInt16LE(i * 2);
    out.set(fromFloat16Array(bits));
  } else {
    for (let i = 0; i < count; i++) out[i] = bytes.readFloatLE(i * 4);
  }
  return out;
}
