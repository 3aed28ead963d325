/** Small vector helpers for identity embeddings. */

export function l2normalize(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n < 1e-12) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine: length ${a.length} != ${b.length}`);
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na < 1e-24 || nb < 1e-24) return 0;
  return dot / Math.sqrt(na * nb);
}

/** L2-normalised mean of already-normalised vectors (the set's identity centroid). */
export function centroid(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new Error('centroid of an empty set');
  const sum = new Float32Array(vectors[0].length);
  for (const v of vectors) {
    if (v.length !== sum.length) throw new Error('centroid: vectors differ in length');
    for (let i = 0; i < sum.length; i++) sum[i] += v[i];
  }
  return l2normalize(sum);
}
