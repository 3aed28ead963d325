/**
 * A character's reference faces for the mesh-warp engine: each accepted photo's face, cropped
 * with a margin at a bounded size, with its 468-point mesh in crop pixels, its head pose and
 * its expression; and the choice, per generated face, of the reference closest in pose and
 * expression.
 */
import sharp from 'sharp';
import type { Point } from '../face/align.js';
import { detectFaces, type DetectedFace } from '../face/detect.js';
import { eyeOpenness, type MeshPoint } from '../face/landmarks.js';
import { rgbToLab } from '../face/colour.js';
import { decodeRgb, type RgbImage } from '../human/image-tensor.js';

/** Reference faces are kept at most this wide (mesh width, pixels): detail enough, memory bounded. */
export const REFERENCE_FACE_WIDTH = 384;
/** Photos are read at most this large (longest side), as the character build reads them. */
const PHOTO_MAX_SIDE = 1600;
/** Margin around the mesh kept in a reference crop, as a fraction of the mesh size. */
const MARGIN = 0.2;

export interface Expression {
  /** Inner-lip gap over mouth width (closed ~0, open wide ~0.5). */
  mouth: number;
  /** Mean lid gap over eye width (closed < ~0.12). */
  eyes: number;
}

export interface Pose {
  yaw: number;
  pitch: number;
  roll: number;
}

export interface MeshReference {
  /** Index among the character's accepted photos. */
  index: number;
  image: RgbImage;
  /** The 468 mesh points in `image` pixels. */
  mesh: Point[];
  pose: Pose;
  expression: Expression;
  /** Per mesh point: 1 when the photo shows skin there (not hair, a hat or glasses). */
  skin: Uint8Array;
}

/** Cheek and nose points whose colour stands for the reference's skin. */
const SKIN_SAMPLES = [50, 280, 4, 5, 195, 101, 330, 36, 266];
/** Largest CIELAB distance from the skin colour still taken as skin (hair is mostly darker). */
const SKIN_DISTANCE = 12;

function labAt(img: RgbImage, p: Point): [number, number, number] {
  const acc = [0, 0, 0];
  let n = 0;
  const px = [0, 0, 0];
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const x = Math.min(img.width - 1, Math.max(0, Math.round(p[0]) + dx)),
        y = Math.min(img.height - 1, Math.max(0, Math.round(p[1]) + dy));
      const o = (y * img.width + x) * 3;
      rgbToLab(img.data[o], img.data[o + 1], img.data[o + 2], px);
      for (let c = 0; c < 3; c++) acc[c] += px[c];
      n++;
    }
  }
  return [acc[0] / n, acc[1] / n, acc[2] / n];
}

/** Which mesh points show skin: colour close to the median of the cheek and nose samples. */
export function skinPoints(img: RgbImage, mesh: readonly Point[]): Uint8Array {
  const samples = SKIN_SAMPLES.map((i) => labAt(img, mesh[i]));
  const median = [0, 1, 2].map((c) => samples.map((s) => s[c]).sort((a, b) => a - b)[Math.floor(samples.length / 2)]);
  return Uint8Array.from(
    mesh.map((p) => {
      const [l, a, b] = labAt(img, p);
      return Math.hypot(l - median[0], a - median[1], b - median[2]) <= SKIN_DISTANCE ? 1 : 0;
    }),
  );
}

export function expressionOf(mesh: readonly MeshPoint[]): Expression {
  const d = (i: number, j: number) => Math.hypot(mesh[i][0] - mesh[j][0], mesh[i][1] - mesh[j][1]);
  const open = eyeOpenness(mesh);
  return { mouth: d(13, 14) / Math.max(1e-6, d(78, 308)), eyes: (open.left + open.right) / 2 };
}

/** The mesh's 468 face points (the 10 iris points dropped), 2-D. */
export function meshPoints(mesh: readonly MeshPoint[]): Point[] {
  return mesh.slice(0, 468).map((p) => [p[0], p[1]] as Point);
}

/** The bounding box of points: [x0, y0, x1, y1]. */
export function bounds(pts: readonly Point[]): [number, number, number, number] {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const [x, y] of pts) {
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x > x1) x1 = x;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

/** A reference from a decoded photo and one of its faces. */
export async function referenceFromFace(index: number, img: RgbImage, face: DetectedFace): Promise<MeshReference> {
  const pts = meshPoints(face.mesh);
  const [bx0, by0, bx1, by1] = bounds(pts);
  const mw = bx1 - bx0,
    mh = by1 - by0;
  const left = Math.max(0, Math.floor(bx0 - MARGIN * mw)),
    top = Math.max(0, Math.floor(by0 - MARGIN * mh));
  const right = Math.min(img.width, Math.ceil(bx1 + MARGIN * mw)),
    bottom = Math.min(img.height, Math.ceil(by1 + MARGIN * mh));
  const scale = Math.min(1, REFERENCE_FACE_WIDTH / mw);
  const w = Math.max(1, Math.round((right - left) * scale)),
    h = Math.max(1, Math.round((bottom - top) * scale));
  const raw = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  }).extract({ left, top, width: right - left, height: bottom - top });
  const data = await (scale < 1 ? raw.resize(w, h, { fit: 'fill' }) : raw).raw().toBuffer();
  const sx = w / (right - left),
    sy = h / (bottom - top);
  const image = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: w, height: h };
  // Pixel centres: x' + 0.5 = (x + 0.5 - left) * s.
  const mesh = pts.map(([x, y]) => [(x + 0.5 - left) * sx - 0.5, (y + 0.5 - top) * sy - 0.5] as Point);
  return { index, image, mesh, pose: face.rotation, expression: expressionOf(face.mesh), skin: skinPoints(image, mesh) };
}

/** References from a character's accepted photos; a photo whose face is no longer found is skipped. */
export async function prepareReferences(photos: readonly Buffer[]): Promise<MeshReference[]> {
  const refs: MeshReference[] = [];
  for (const [index, bytes] of photos.entries()) {
    const img = await decodeRgb(bytes, { maxSide: PHOTO_MAX_SIDE });
    const faces = await detectFaces(img);
    if (faces.length) refs.push(await referenceFromFace(index, img, faces[0]));
  }
  return refs;
}

/**
 * How far a reference is from a generated face: pose in units of ~10 degrees (roll counts
 * less, the warp undoes it), expression in units of a clearly visible change.
 */
export function referenceDistance(ref: Pick<MeshReference, 'pose' | 'expression'>, pose: Pose, expression: Expression): number {
  return (
    ((ref.pose.yaw - pose.yaw) / 10) ** 2 +
    ((ref.pose.pitch - pose.pitch) / 10) ** 2 +
    ((ref.pose.roll - pose.roll) / 30) ** 2 +
    ((ref.expression.mouth - expression.mouth) / 0.15) ** 2 +
    ((ref.expression.eyes - expression.eyes) / 0.15) ** 2
  );
}

export function chooseReference(refs: readonly MeshReference[], pose: Pose, expression: Expression): MeshReference | null {
  let best: MeshReference | null = null,
    bestD = Infinity;
  for (const r of refs) {
    const d = referenceDistance(r, pose, expression);
    if (d < bestD) {
      bestD = d;
      best = r;
    }
  }
  return best;
}
