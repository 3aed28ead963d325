/** Picture comparisons for the motion tests. */

export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`size mismatch ${a.length} vs ${b.length}`);
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Grey image scaled by s about its centre, bilinear (what a zoom of s would show). */
export function zoomAboutCentre(gray: Uint8Array, w: number, h: number, s: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(h - 1, Math.max(0, (y + 0.5 - h / 2) / s + h / 2 - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(w - 1, Math.max(0, (x + 0.5 - w / 2) / s + w / 2 - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = sx - x0;
      const top = gray[y0 * w + x0] * (1 - wx) + gray[y0 * w + x1] * wx;
      const bot = gray[y1 * w + x0] * (1 - wx) + gray[y1 * w + x1] * wx;
      out[y * w + x] = top * (1 - wy) + bot * wy;
    }
  }
  return out;
}

/**
 * The zoom factor that best maps `ref` onto `frame` (least squared error over the central half
 * of the picture), searched over [lo, hi] in two passes.
 */
export function estimateScale(ref: Uint8Array, frame: Uint8Array, w: number, h: number, lo = 0.7, hi = 2): number {
  const err = (s: number) => {
    const z = zoomAboutCentre(ref, w, h, s);
    let e = 0;
    for (let y = Math.floor(h / 4); y < Math.floor((3 * h) / 4); y++) {
      for (let x = Math.floor(w / 4); x < Math.floor((3 * w) / 4); x++) {
        const d = z[y * w + x] - frame[y * w + x];
        e += d * d;
      }
    }
    return e;
  };
  let best = lo;
  let bestE = Infinity;
  for (let s = lo; s <= hi; s += 0.02) {
    const e = err(s);
    if (e < bestE) {
      bestE = e;
      best = s;
    }
  }
  const from = best - 0.02;
  for (let s = from; s <= best + 0.02; s += 0.002) {
    const e = err(s);
    if (e < bestE) {
      bestE = e;
      best = s;
    }
  }
  return best;
}

/** Mean of a grey image. */
export function mean(gray: Uint8Array): number {
  let s = 0;
  for (const v of gray) s += v;
  return s / gray.length;
}
