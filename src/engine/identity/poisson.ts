/**
 * Gradient-domain blending: inside a mask Ω the result takes the source's gradients, on Ω's
 * border it takes the target's values (Pérez et al., "Poisson image editing"). Written as the
 * source plus a harmonic correction c (Δc = 0 in Ω, c = target - source outside Ω), solved
 * by conjugate gradients on the masked pixels only, warm-started from the same problem at half
 * resolution (a two-grid cascade), so a few dozen iterations per level suffice.
 *
 * Own code rather than a library: npm has no maintained sparse solver for masked 2-D Laplace
 * problems on typed arrays (the general linear-algebra packages want dense or CSR matrices and
 * would need the same index bookkeeping around them), and the solver is ~100 lines.
 */

export interface HarmonicOptions {
  /** Stop when the residual norm falls below this fraction of the right-hand side's. */
  tolerance?: number;
  maxIterations?: number;
}

/**
 * Fills `values` inside the mask (mask[i] != 0) with the harmonic interpolation of the values
 * around it, in place. Pixels on the image border must not be masked (they have no neighbours
 * on one side); they are treated as fixed.
 */
export function harmonicFill(values: Float32Array, mask: Uint8Array, width: number, height: number, opts: HarmonicOptions = {}): void {
  if (values.length !== width * height || mask.length !== width * height) throw new Error('harmonicFill: sizes differ');
  // Warm start: the same problem on a half-size grid, upsampled into the masked pixels.
  if (width >= 32 && height >= 32) {
    const w2 = width >> 1,
      h2 = height >> 1;
    const v2 = new Float32Array(w2 * h2);
    const m2 = new Uint8Array(w2 * h2);
    // A coarse pixel is unknown when any of its four children is; else it holds their mean.
    for (let y = 0; y < h2; y++) {
      for (let x = 0; x < w2; x++) {
        let masked = false,
          sum = 0;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const i = (2 * y + dy) * width + 2 * x + dx;
            if (mask[i]) masked = true;
            sum += values[i];
          }
        }
        const border = x === 0 || y === 0 || x === w2 - 1 || y === h2 - 1;
        if (masked && !border) m2[y * w2 + x] = 1;
        else v2[y * w2 + x] = sum / 4;
      }
    }
    harmonicFill(v2, m2, w2, h2, opts);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (!mask[i]) continue;
        const fx = Math.min(w2 - 1, Math.max(0, (x - 0.5) / 2)),
          fy = Math.min(h2 - 1, Math.max(0, (y - 0.5) / 2));
        const x0 = Math.floor(fx),
          y0 = Math.floor(fy),
          x1 = Math.min(x0 + 1, w2 - 1),
          y1 = Math.min(y0 + 1, h2 - 1);
        const ax = fx - x0,
          ay = fy - y0;
        const top = v2[y0 * w2 + x0] * (1 - ax) + v2[y0 * w2 + x1] * ax;
        const bot = v2[y1 * w2 + x0] * (1 - ax) + v2[y1 * w2 + x1] * ax;
        values[i] = top * (1 - ay) + bot * ay;
      }
    }
  }
  conjugateGradient(values, mask, width, height, opts.tolerance ?? 1e-4, opts.maxIterations ?? 400);
}

/** CG on the 5-point Laplacian restricted to the masked pixels; `values` holds x0 and the fixed border. */
function conjugateGradient(values: Float32Array, mask: Uint8Array, width: number, height: number, tol: number, maxIter: number): void {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  const n = idx.length;
  if (n === 0) return;
  const unknown = new Int32Array(width * height).fill(-1);
  for (let k = 0; k < n; k++) unknown[idx[k]] = k;
  // Neighbour table: index of the neighbour unknown, or -1 when it is a fixed pixel.
  const nb = new Int32Array(n * 4);
  const b = new Float64Array(n);
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    const cx = i % width,
      cy = (i - cx) / width;
    if (cx === 0 || cy === 0 || cx === width - 1 || cy === height - 1) throw new Error('harmonicFill: masked pixel on the image border');
    const around = [i - 1, i + 1, i - width, i + width];
    let rhs = 0;
    for (let j = 0; j < 4; j++) {
      const u = unknown[around[j]];
      nb[k * 4 + j] = u;
      if (u < 0) rhs += values[around[j]];
    }
    b[k] = rhs;
    x[k] = values[i];
  }
  const r = new Float64Array(n),
    p = new Float64Array(n),
    ap = new Float64Array(n);
  const apply = (v: Float64Array, out: Float64Array) => {
    for (let k = 0; k < n; k++) {
      let s = 4 * v[k];
      for (let j = 0; j < 4; j++) {
        const u = nb[k * 4 + j];
        if (u >= 0) s -= v[u];
      }
      out[k] = s;
    }
  };
  apply(x, ap);
  let bb = 0,
    rr = 0;
  for (let k = 0; k < n; k++) {
    r[k] = b[k] - ap[k];
    p[k] = r[k];
    rr += r[k] * r[k];
    bb += b[k] * b[k];
  }
  const stop = tol * tol * Math.max(bb, 1e-12);
  for (let it = 0; it < maxIter && rr > stop; it++) {
    apply(p, ap);
    let pap = 0;
    for (let k = 0; k < n; k++) pap += p[k] * ap[k];
    const alpha = rr / pap;
    let rr2 = 0;
    for (let k = 0; k < n; k++) {
      x[k] += alpha * p[k];
      r[k] -= alpha * ap[k];
      rr2 += r[k] * r[k];
    }
    const beta = rr2 / rr;
    rr = rr2;
    for (let k = 0; k < n; k++) p[k] = r[k] + beta * p[k];
  }
  for (let k = 0; k < n; k++) values[idx[k]] = x[k];
}

/**
 * Poisson blend of one channel: returns f with f's gradients = source's inside the mask and
 * f = target outside it. Both planes are width x height floats.
 */
export function poissonBlend(
  source: Float32Array,
  target: Float32Array,
  mask: Uint8Array,
  width: number,
  height: number,
  opts?: HarmonicOptions,
): Float32Array {
  const c = new Float32Array(width * height);
  for (let i = 0; i < c.length; i++) c[i] = mask[i] ? 0 : target[i] - source[i];
  harmonicFill(c, mask, width, height, opts);
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] ? source[i] + c[i] : target[i];
  return out;
}
