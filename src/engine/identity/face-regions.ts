/**
 * Regions and geometry on the face mesh for the mesh-warp transfer: heights above the eye line,
 * which points the transfer covers, where the landmarks move, and which triangles flip.
 */
import { applyAffine, similarityTransform, type Point } from '../face/align.js';

/** Brow tops (subject's right, left) in the mesh. */
const BROW_TOPS = [105, 334];

/** Height of p above the line through the eye corners, along the face's up axis, in eye distances. */
export function heightAboveEyes(mesh: readonly Point[], p: Point): number {
  const r = [(mesh[33][0] + mesh[133][0]) / 2, (mesh[33][1] + mesh[133][1]) / 2];
  const l = [(mesh[263][0] + mesh[362][0]) / 2, (mesh[263][1] + mesh[362][1]) / 2];
  const ex = l[0] - r[0],
    ey = l[1] - r[1];
  const d = Math.hypot(ex, ey) || 1;
  // Up: the eye axis (subject's right eye to left eye) turned a quarter turn, toward the forehead.
  const ux = ey / d,
    uy = -ex / d;
  return ((p[0] - r[0]) * ux + (p[1] - r[1]) * uy) / d;
}

/**
 * The mesh points the transfer covers: the inner face up to just above the brows, plus the
 * outline and the forehead only where both faces show skin (hair over the forehead or the
 * temples, a collar at the jaw, are neither carried across nor painted over).
 */
export function transferPoints(
  mesh: readonly Point[],
  hull: readonly Point[],
  outlineBand: number,
  refSkin: Uint8Array,
  targetSkin: Uint8Array,
): Point[] {
  const brow = Math.max(...BROW_TOPS.map((i) => heightAboveEyes(mesh, mesh[i])));
  return mesh.filter(
    (p, i) =>
      (refSkin[i] === 1 && targetSkin[i] === 1) || (heightAboveEyes(mesh, p) <= brow * 1.1 && distanceToPolygon(p, hull) > outlineBand),
  );
}

/** Share of the mesh's area (in `pts`) whose triangles fold in one face but not the other. */
export function flippedShare(pts: readonly Point[], tris: ArrayLike<number>, a: Uint8Array, b: Uint8Array): number {
  let total = 0,
    flipped = 0;
  for (let t = 0; t < a.length; t++) {
    const [p, q, r] = [pts[tris[t * 3]], pts[tris[t * 3 + 1]], pts[tris[t * 3 + 2]]];
    const area = Math.abs((q[0] - p[0]) * (r[1] - p[1]) - (r[0] - p[0]) * (q[1] - p[1])) / 2;
    total += area;
    if (a[t] !== b[t]) flipped += area;
  }
  return total > 0 ? flipped / total : 1;
}

/** Distance from p to the polygon's boundary. */
export function distanceToPolygon(p: Point, poly: readonly Point[]): number {
  let best = Infinity;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i],
      b = poly[(i + 1) % poly.length];
    const dx = b[0] - a[0],
      dy = b[1] - a[1];
    const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy || 1)));
    best = Math.min(best, Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy));
  }
  return best;
}

/**
 * Where the warped reference's landmarks go: the target's outline stays, the interior moves
 * toward the reference's proportions (the reference mesh aligned on the target's by a
 * least-squares similarity), fading to nothing at the outline.
 */
export function destinationMesh(target: Point[], ref: Point[], hull: Point[], ramp: number, weight: number): Point[] {
  const aligned = ref.map((p) => applyAffine(similarityTransform(ref, target), p));
  return target.map((t, i) => {
    const w = weight * Math.min(1, distanceToPolygon(t, hull) / ramp);
    return [t[0] + w * (aligned[i][0] - t[0]), t[1] + w * (aligned[i][1] - t[1])] as Point;
  });
}
