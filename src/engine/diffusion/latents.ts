/**
 * Latent-space arithmetic of the pipelines, on flat NCHW Float32Arrays. Pure functions, unit
 * tested against the formulas in engine-facts.md §1.2, §1.4 and §2.6.
 */
import { planarToRgbWasm } from './rgb-wasm.js';

/** Classifier-free guidance: eps = uncond + g * (cond - uncond), into `out` when given. */
export function applyGuidance(
  uncond: Float32Array,
  cond: Float32Array,
  scale: number,
  out: Float32Array = new Float32Array(cond.length),
): Float32Array {
  if (uncond.length !== cond.length || out.length !== cond.length) throw new Error('guidance halves differ in size');
  for (let i = 0; i < out.length; i++) out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return out;
}

/**
 * Samples DiagonalGaussianDistribution parameters (mean ++ logvar on the channel axis, as
 * Optimum's `latent_parameters`): z = mean + exp(0.5 * clamp(logvar, -30, 20)) * eps.
 * params: [B, 2C, H, W]; noise: [B, C, H, W] standard normal. Returns [B, C, H, W].
 */
export function sampleLatentParameters(params: Float32Array, dims: readonly number[], noise: Float32Array): Float32Array {
  const [b, c2, h, w] = dims;
  if (c2 % 2 !== 0) throw new Error(`latent_parameters has ${c2} channels, expected mean and logvar halves`);
  const c = c2 / 2;
  const plane = c * h * w;
  if (noise.length !== b * plane) throw new Error('noise does not match the latent size');
  const out = new Float32Array(b * plane);
  for (let n = 0; n < b; n++) {
    const src = n * 2 * plane;
    for (let i = 0; i < plane; i++) {
      const mean = params[src + i];
      const logvar = Math.min(20, Math.max(-30, params[src + plane + i]));
      out[n * plane + i] = mean + Math.exp(0.5 * logvar) * noise[n * plane + i];
    }
  }
  return out;
}

export function scale(x: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * factor;
  return out;
}

/** [n*per] from `x` (one item of `per` values) repeated n times. */
export function repeat(x: Float32Array, n: number): Float32Array {
  const out = new Float32Array(x.length * n);
  for (let i = 0; i < n; i++) out.set(x, i * x.length);
  return out;
}

export function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Concatenates two [1, S, D1] and [1, S, D2] embeddings on the last axis (SDXL's two encoders:
 * 768 + 1280 = 2048 channels).
 */
export function concatLastAxis(a: Float32Array, da: number, b: Float32Array, db: number): Float32Array {
  const rows = a.length / da;
  if (b.length / db !== rows) throw new Error('embeddings differ in sequence length');
  const out = new Float32Array(rows * (da + db));
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * da, (r + 1) * da), r * (da + db));
    out.set(b.subarray(r * db, (r + 1) * db), r * (da + db) + da);
  }
  return out;
}

/** SDXL add_time_ids: [orig_h, orig_w, crop_top, crop_left, target_h, target_w]. */
export function sdxlTimeIds(height: number, width: number): Float32Array {
  return Float32Array.of(height, width, 0, 0, height, width);
}

/** Interleaved 8-bit RGB (HWC) to a [1, 3, H, W] tensor in [-1, 1], as the VAE encoder takes it. */
export function rgbToTensor(rgb: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  if (rgb.length !== plane * 3) throw new Error('RGB buffer does not match its size');
  const out = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    out[i] = rgb[i * 3] / 127.5 - 1;
    out[plane + i] = rgb[i * 3 + 1] / 127.5 - 1;
    out[2 * plane + i] = rgb[i * 3 + 2] / 127.5 - 1;
  }
  return out;
}

/** byte = x * a + b per decoder output range: [-1, 1] via x/2 + 0.5, or [0, 1] as is. */
const BYTE_MAP = { signed: [127.5, 127.5], unit: [255, 0] } as const;

/**
 * One [3, H, W] decoder output to interleaved 8-bit RGB. 'signed' maps [-1, 1] via x/2 + 0.5
 * (diffusers' postprocess); 'unit' takes [0, 1] as is. byte = clamp(floor(x * a + b + 0.5)) in
 * doubles: NaN from a broken fp16 decode becomes 0, ±Infinity the ends. Runs the wasm SIMD kernel
 * (rgb-wasm.ts) where the runtime has one, several times faster than the JS loop it falls back to;
 * both give the same bytes.
 */
export function tensorToRgb(x: Float32Array, width: number, height: number, range: 'signed' | 'unit'): Buffer {
  const plane = width * height;
  if (x.length !== plane * 3) throw new Error('decoder output does not match its size');
  const [a, b] = BYTE_MAP[range];
  return planarToRgbWasm(x, plane, a, b) ?? tensorToRgbJs(x, width, height, range);
}

/**
 * The plain-JS path of tensorToRgb (runtimes without wasm SIMD). The store through a
 * Uint8ClampedArray view clamps and rounds half to even; for float32 inputs that equals half-up
 * rounding (an exact tie x * a + b = k + 0.5 only occurs at 127.5, where both give 128), so the
 * bytes match the wasm kernel's. One pass writing each pixel's three bytes together.
 */
export function tensorToRgbJs(x: Float32Array, width: number, height: number, range: 'signed' | 'unit'): Buffer {
  const plane = width * height;
  if (x.length !== plane * 3) throw new Error('decoder output does not match its size');
  const out = Buffer.allocUnsafe(plane * 3);
  const bytes = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  const [a, b] = BYTE_MAP[range];
  for (let i = 0, o = 0, g = plane, bl = 2 * plane; i < plane; i++, g++, bl++, o += 3) {
    bytes[o] = x[i] * a + b;
    bytes[o + 1] = x[g] * a + b;
    bytes[o + 2] = x[bl] * a + b;
  }
  return out;
}
