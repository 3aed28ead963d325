/**
 * LCM's guidance-scale embedding (the UNet's `timestep_cond` input), as diffusers'
 * get_guidance_scale_embedding: w' = 1000·w, e_j = exp(−ln(10000)·j/(half − 1)),
 * embedding = [sin(w'·e), cos(w'·e)] (zero-padded when dim is odd). The LCM pipelines pass
 * w = guidance_scale − 1.
 */

/** Embedding of raw w values (before the ×1000), one row of `dim` floats per value. */
export function guidanceScaleEmbedding(w: readonly number[], dim = 256): Float32Array {
  if (!Number.isInteger(dim) || dim < 4) throw new RangeError(`embedding dim must be an integer ≥ 4, got ${dim}`);
  const half = Math.floor(dim / 2);
  // float32 at each step, as the torch original: angles reach thousands of radians, where
  // float32 rounding of the angle is visible in the result.
  const f32 = Math.fround;
  const base = f32(f32(Math.log(10000)) / (half - 1));
  const freqs = new Float32Array(half);
  for (let j = 0; j < half; j++) freqs[j] = Math.exp(f32(j * -base));
  const out = new Float32Array(w.length * dim);
  w.forEach((value, row) => {
    const scaled = Math.fround(value * 1000);
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(scaled * freqs[j]);
      out[row * dim + j] = Math.sin(angle);
      out[row * dim + half + j] = Math.cos(angle);
    }
  });
  return out;
}

/** `timestep_cond` for an LCM UNet: [batch, dim] with w = guidanceScale − 1 in every row. */
export function lcmTimestepCond(guidanceScale: number, batch = 1, dim = 256): Float32Array {
  return guidanceScaleEmbedding(new Array<number>(batch).fill(guidanceScale - 1), dim);
}
