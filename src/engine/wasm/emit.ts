/**
 * A minimal WebAssembly binary encoder: enough to hand-assemble small SIMD kernels from TypeScript
 * (one memory, exported functions, no imports, tables or globals), so no .wasm blob or toolchain
 * has to be checked in. Encodings follow the core spec's binary format (§5).
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

/** Unsigned LEB128 (sizes, indices, counts, SIMD sub-opcodes). */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`uleb: ${n} is not a non-negative integer`);
  const out: number[] = [];
  do {
    // Division rather than >>> so values up to 2^53 stay exact.
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const / i64.const immediates). */
export function sleb(n: number): number[] {
  if (!Number.isInteger(n)) throw new Error(`sleb: ${n} is not an integer`);
  const out: number[] = [];
  for (;;) {
    const byte = ((n % 128) + 128) % 128;
    n = Math.floor(n / 128);
    // Done once the rest is pure sign extension of the byte's bit 6.
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Core opcodes used by the kernels (single byte). */
export const op = {
  block: 0x02,
  loop: 0x03,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  voidBlock: 0x40,
} as const;

/** SIMD sub-opcodes (after the 0xfd prefix) used so far, from the final SIMD opcode table. */
export const simdOp = {
  v128Store: 0x0b,
  v128Const: 0x0c,
  i8x16Shuffle: 0x0d,
  i8x16Swizzle: 0x0e,
  f64x2Splat: 0x14,
  v128Or: 0x50,
  v128Load64Zero: 0x5d,
  f64x2PromoteLowF32x4: 0x5f,
  i8x16NarrowI16x8U: 0x66,
  i16x8NarrowI32x4S: 0x85,
  f64x2Add: 0xf0,
  f64x2Mul: 0xf2,
  i32x4TruncSatF64x2SZero: 0xfc,
} as const;

export function simd(sub: number): number[] {
  return [0xfd, ...uleb(sub)];
}

/** A memory access's immediate: log2 alignment hint, then byte offset. */
export function memarg(alignLog2: number, offset: number): number[] {
  return [...uleb(alignLog2), ...uleb(offset)];
}

function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function utf8Name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

export interface FuncSpec {
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
  /** Declared locals after the params (indices continue from params.length). */
  locals: readonly ValType[];
  /** The instruction bytes, without the function's final `end`. */
  body: readonly number[];
}

export interface ModuleSpec {
  /** Exported under this name; sized in 64 KiB pages (a minimum only, no maximum). */
  memory: { name: string; minPages: number };
  funcs: readonly FuncSpec[];
}

/** Encodes a module with one exported memory and exported functions (each with its own type). */
export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types = spec.funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const funcIndices = spec.funcs.map((_, i) => uleb(i));
  const memories = [[0x00, ...uleb(spec.memory.minPages)]]; // limits: min only
  const exports = [...spec.funcs.map((f, i) => [...utf8Name(f.name), 0x00, ...uleb(i)]), [...utf8Name(spec.memory.name), 0x02, 0x00]];
  const bodies = spec.funcs.map((f) => {
    // Locals are declared as runs of (count, type).
    const runs: number[][] = [];
    for (let i = 0; i < f.locals.length;) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...uleb(j - i), f.locals[i]]);
      i = j;
    }
    const code = [...vec(runs), ...f.body, op.end];
    return [...uleb(code.length), ...code];
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d, // \0asm
    0x01,
    0x00,
    0x00,
    0x00, // version 1
    ...section(1, vec(types)),
    ...section(3, vec(funcIndices)),
    ...section(5, vec(memories)),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
