/** A small radix-2 FFT and phase correlation, to measure how content moves between frames. */

/** In-place complex FFT of length n (a power of two); inverse when `inverse` is true (unscaled). */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n & (n - 1)) throw new Error(`FFT length ${n} is not a power of two`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const ar = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci;
        const ai = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr;
        re[i + k + len / 2] = re[i + k] - ar;
        im[i + k + len / 2] = im[i + k] - ai;
        re[i + k] += ar;
        im[i + k] += ai;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** 2-D FFT of an n x n grid stored row-major. */
export function fft2(re: Float64Array, im: Float64Array, n: number, inverse = false): void {
  const rr = new Float64Array(n);
  const ri = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    rr.set(re.subarray(y * n, y * n + n));
    ri.set(im.subarray(y * n, y * n + n));
    fft(rr, ri, inverse);
    re.set(rr, y * n);
    im.set(ri, y * n);
  }
  for (let x = 0; x < n; x++) {
    for (let y = 0; y < n; y++) {
      rr[y] = re[y * n + x];
      ri[y] = im[y * n + x];
    }
    fft(rr, ri, inverse);
    for (let y = 0; y < n; y++) {
      re[y * n + x] = rr[y];
      im[y * n + x] = ri[y];
    }
  }
}

/** Cuts an n x n window (Hann-weighted, mean removed) from a grey image at (x0, y0). */
function windowed(gray: Uint8Array, width: number, x0: number, y0: number, n: number): Float64Array {
  const out = new Float64Array(n * n);
  let mean = 0;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) mean += gray[(y0 + y) * width + x0 + x];
  mean /= n * n;
  for (let y = 0; y < n; y++) {
    const wy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (y + 0.5)) / n);
    for (let x = 0; x < n; x++) {
      const wx = 0.5 - 0.5 * Math.cos((2 * Math.PI * (x + 0.5)) / n);
      out[y * n + x] = (gray[(y0 + y) * width + x0 + x] - mean) * wx * wy;
    }
  }
  return out;
}

/**
 * Translation (dx, dy) that carries the content of window A onto window B (B(x) ~ A(x - d)),
 * from the peak of the normalised cross-power spectrum, refined to sub-pixel by a parabola.
 */
export function phaseCorrelate(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  x0: number,
  y0: number,
  n: number,
): { dx: number; dy: number; peak: number } {
  const ar = windowed(a, width, x0, y0, n);
  const br = windowed(b, width, x0, y0, n);
  const ai = new Float64Array(n * n);
  const bi = new Float64Array(n * n);
  fft2(ar, ai, n);
  fft2(br, bi, n);
  const cr = new Float64Array(n * n);
  const ci = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    // B * conj(A), normalised to unit magnitude.
    const re = br[i] * ar[i] + bi[i] * ai[i];
    const im = bi[i] * ar[i] - br[i] * ai[i];
    const mag = Math.hypot(re, im) || 1;
    cr[i] = re / mag;
    ci[i] = im / mag;
  }
  fft2(cr, ci, n, true);
  let best = 0;
  for (let i = 1; i < n * n; i++) if (cr[i] > cr[best]) best = i;
  const px = best % n;
  const py = (best - px) / n;
  const at = (x: number, y: number) => cr[(((y % n) + n) % n) * n + (((x % n) + n) % n)];
  const refine = (m: number, c: number, p: number) => {
    const d = m - 2 * c + p;
    return d === 0 ? 0 : (0.5 * (m - p)) / d;
  };
  const c = at(px, py);
  const fx = px + refine(at(px - 1, py), c, at(px + 1, py));
  const fy = py + refine(at(px, py - 1), c, at(px, py + 1));
  const wrap = (v: number) => (v > n / 2 ? v - n : v);
  return { dx: wrap(fx), dy: wrap(fy), peak: c / (n * n) };
}
