import { afterEach, describe, expect, it, vi } from 'vitest';
import { tensorToRgb, tensorToRgbJs } from '../../../src/engine/diffusion/latents.js';
import { planarToRgbWasm, RGB_STRIP_PIXELS, rgbModuleBytes, rgbWasmAvailable } from '../../../src/engine/diffusion/rgb-wasm.js';
import { sleb, uleb } from '../../../src/engine/wasm/emit.js';
import { mulberry32 } from '../../../src/domain/mulberry32.js';

type Range = 'signed' | 'unit';
const coeffs = (range: Range) => (range === 'signed' ? { a: 127.5, b: 127.5 } : { a: 255, b: 0 });

/** The spec, written plainly: clamp(floor(x * a + b + 0.5), 0, 255), NaN -> 0, interleaved. */
function reference(x: Float32Array, plane: number, range: Range): number[] {
  const { a, b } = coeffs(range);
  const out: number[] = [];
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.floor(x[c * plane + i] * a + b + 0.5);
      out.push(Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, v)));
    }
  }
  return out;
}

/** The f32 values next to `v` (ulp steps), where an f32-precision kernel would round differently. */
function f32Neighbours(v: number, steps: number): number[] {
  const f = new Float32Array(1);
  const u = new Int32Array(f.buffer);
  f[0] = v;
  const base = u[0];
  const out: number[] = [];
  for (let d = -steps; d <= steps; d++) {
    u[0] = base + d;
    out.push(f[0]);
  }
  return out;
}

/** Decoder-like data with the awkward values mixed in: out of range, specials, rounding boundaries. */
function awkwardData(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const specials = [NaN, Infinity, -Infinity, 1e30, -1e30, 0, -0, 1e-30, -1e-30, 1e-45, -1e-45, 3.4e38, -3.4e38, 0.5, 1, -1, 2, -2];
  // Every value where x * a + b + 0.5 crosses an integer, for both ranges, and its f32 neighbours.
  const boundaries: number[] = [];
  for (const range of ['signed', 'unit'] as const) {
    const { a, b } = coeffs(range);
    for (let k = -1; k <= 257; k++) boundaries.push(...f32Neighbours((k - b - 0.5) / a, 3));
  }
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.05) x[i] = specials[Math.floor(rand() * specials.length)];
    else if (r < 0.35) x[i] = boundaries[Math.floor(rand() * boundaries.length)];
    else if (r < 0.45)
      x[i] = (rand() - 0.5) * 1e-6; // tiny, around the midpoint
    else x[i] = rand() * 3 - 1.5; // a third out of [-1, 1]
  }
  return x;
}

describe('tensorToRgb wasm SIMD kernel', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('compiles on this runtime (Node 20 has wasm SIMD)', () => {
    expect(WebAssembly.validate(rgbModuleBytes())).toBe(true);
    expect(rgbWasmAvailable()).toBe(true);
    expect(301 * 299).toBeGreaterThan(RGB_STRIP_PIXELS);
    expect(((301 * 299) % RGB_STRIP_PIXELS) % 16).not.toBe(0);
  });

  // 7x5 and 33x3 are not multiples of 16; 301x299 spans two strips with a ragged last one.
  const sizes: [number, number][] = [
    [1, 1],
    [7, 5],
    [16, 1],
    [33, 3],
    [64, 64],
    [301, 299],
  ];

  for (const range of ['signed', 'unit'] as const) {
    for (const [w, h] of sizes) {
      it(`matches the reference byte for byte: ${range} ${w}x${h}`, () => {
        const plane = w * h;
        const x = awkwardData(plane * 3, w * 1000 + h);
        const want = reference(x, plane, range);
        const { a, b } = coeffs(range);
        const wasm = planarToRgbWasm(x, plane, a, b);
        expect(wasm).toBeDefined();
        expect(Array.from(wasm!)).toEqual(want);
        expect(Array.from(tensorToRgb(x, w, h, range))).toEqual(want);
        expect(Array.from(tensorToRgbJs(x, w, h, range))).toEqual(want);
      });
    }
  }

  it('reads a subarray input and leaves no state between calls of different sizes', () => {
    const big = awkwardData(3 * 40 * 40 + 5, 7);
    const x = big.subarray(5); // non-zero byteOffset
    const first = tensorToRgb(x, 40, 40, 'signed');
    tensorToRgb(awkwardData(3 * 9, 8), 3, 3, 'unit');
    expect(Array.from(tensorToRgb(x, 40, 40, 'signed'))).toEqual(Array.from(first));
    expect(Array.from(first)).toEqual(reference(x, 1600, 'signed'));
  });

  it('maps the specials: NaN -> 0, +Inf and 1e30 -> 255, -Inf -> 0', () => {
    const x = Float32Array.of(NaN, Infinity, 1e30, -Infinity, -1e30, 0);
    // 2x1 image: R = [NaN, +Inf], G = [1e30, -Inf], B = [-1e30, 0].
    expect(Array.from(tensorToRgb(x, 2, 1, 'signed'))).toEqual([0, 255, 0, 255, 0, 128]);
    expect(Array.from(tensorToRgb(x, 2, 1, 'unit'))).toEqual([0, 255, 0, 255, 0, 0]);
  });

  it('returns an empty buffer for an empty image and rejects a size mismatch', () => {
    expect(tensorToRgb(new Float32Array(0), 0, 0, 'unit').length).toBe(0);
    expect(() => tensorToRgb(new Float32Array(5), 1, 2, 'unit')).toThrow(/does not match/);
    expect(planarToRgbWasm(new Float32Array(5), 2, 255, 0)).toBeUndefined();
  });

  it('falls back to the JS path where wasm SIMD does not validate', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', { ...WebAssembly, validate: () => false });
    const wasmMod = await import('../../../src/engine/diffusion/rgb-wasm.js');
    const latents = await import('../../../src/engine/diffusion/latents.js');
    expect(wasmMod.rgbWasmAvailable()).toBe(false);
    expect(wasmMod.planarToRgbWasm(new Float32Array(3), 1, 255, 0)).toBeUndefined();
    const x = awkwardData(3 * 7 * 5, 99);
    expect(Array.from(latents.tensorToRgb(x, 7, 5, 'signed'))).toEqual(reference(x, 35, 'signed'));
  });
});

describe('wasm byte emitter', () => {
  it('encodes LEB128', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(() => uleb(-1)).toThrow();
  });
});
