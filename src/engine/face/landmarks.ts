import type { Point } from './align.js';

/**
 * Indices into the 468/478-point MediaPipe face mesh that human returns. "Right"/"left" are the
 * subject's own sides, so in an unmirrored frontal photo the subject's right eye is on the
 * image's left — the order the ArcFace template expects.
 */
export const MESH = {
  rightEyeOuter: 33,
  rightEyeInner: 133,
  rightEyeUpper: 159,
  rightEyeLower: 145,
  leftEyeOuter: 263,
  leftEyeInner: 362,
  leftEyeUpper: 386,
  leftEyeLower: 374,
  noseTip: 1,
  mouthRight: 61,
  mouthLeft: 291,
} as const;

export type MeshPoint = [number, number, number?];

function mid(a: MeshPoint, b: MeshPoint): Point {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

/**
 * The five alignment points from a face mesh: eye centres as the midpoint of each eye's corners
 * (stable whatever the gaze), nose tip, mouth corners.
 */
export function fivePointsFromMesh(mesh: readonly MeshPoint[]): Point[] {
  if (mesh.length < 468) throw new Error(`face mesh has ${mesh.length} points, expected 468 or more`);
  const p = (i: number): Point => [mesh[i][0], mesh[i][1]];
  return [
    mid(mesh[MESH.rightEyeOuter], mesh[MESH.rightEyeInner]),
    mid(mesh[MESH.leftEyeOuter], mesh[MESH.leftEyeInner]),
    p(MESH.noseTip),
    p(MESH.mouthRight),
    p(MESH.mouthLeft),
  ];
}

function dist(a: MeshPoint, b: MeshPoint): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Eye openness per eye: lid gap over eye width (about 0.25-0.35 open, under ~0.12 closed). */
export function eyeOpenness(mesh: readonly MeshPoint[]): { right: number; left: number } {
  const right =
    dist(mesh[MESH.rightEyeUpper], mesh[MESH.rightEyeLower]) / Math.max(1e-6, dist(mesh[MESH.rightEyeOuter], mesh[MESH.rightEyeInner]));
  const left =
    dist(mesh[MESH.leftEyeUpper], mesh[MESH.leftEyeLower]) / Math.max(1e-6, dist(mesh[MESH.leftEyeOuter], mesh[MESH.leftEyeInner]));
  return { right, left };
}
