/**
 * The default identity transfer ("mesh-warp"), built only on models shipped in npm: for each
 * generated face, the closest reference in pose and expression is warped onto it triangle by
 * triangle on the face mesh, its colour and light matched, and blended in the gradient domain
 * inside a feathered hull of the mesh. Faces the warp cannot serve are refused with a reason.
 *
 * Work happens on a copy of the face region at most WORK_FACE_WIDTH wide; only the change is
 * scaled back and added, so the generated face's finer detail stays and every pixel outside
 * the face hull is left byte-identical.
 */
import sharp from 'sharp';
import type { Point } from '../face/align.js';
import { analysisCrop, ANALYSIS_SIZE } from '../face/analysis-crop.js';
import type { DetectedFace } from '../face/detect.js';
import { occlusionIssues } from '../face/photo-checks.js';
import { measureFace } from '../face/photo-measures.js';
import type { RgbImage } from '../human/image-tensor.js';
import { getHuman } from '../human/loader.js';
import type { FaceTransferReport } from '../../services/characters.js';
import { boxBlur, fromLab, matchLabStats, shadeLikeTarget, toLab } from './colour-transfer.js';
import { convexHull, fan, FEATURE_CONTOURS, fillPolygon, foldedTriangles, warpTriangles } from './mesh-warp.js';
import { destinationMesh, flippedShare, heightAboveEyes, transferPoints } from './face-regions.js';
import { poissonBlend } from './poisson.js';
import { bounds, chooseReference, expressionOf, meshPoints, skinPoints, type MeshReference } from './references.js';

export const LIMITS = {
  /** Faces narrower than this (mesh width, image pixels) carry too little to transfer onto. */
  minFaceWidth: 48,
  /** Beyond these the far side of the face is hidden and the warp would invent it. */
  maxYaw: 35,
  maxPitch: 30,
  /** Largest share of the mesh's area that may fold over (self-occlusion) before refusing. */
  maxFoldedShare: 0.08,
  /** Below this mesh confidence the face is taken as partly hidden. */
  minMeshScore: 0.5,
  /** Expressions closer than this (mouth, eyes) let the reference's mouth and eye interiors in. */
  sameMouth: 0.15,
  sameEyes: 0.2,
} as const;

/** The face is processed at most this wide (mesh width, pixels). */
const WORK_FACE_WIDTH = 256;
/** Margin around the mesh in the work region, as a fraction of the mesh size. */
const REGION_MARGIN = 0.12;

export const TUNING = {
  /** How far the interior landmarks move toward the reference's proportions (0 keeps the target's). */
  shapeWeight: 1,
  /** Share of the target's low-frequency shading given to the transferred face. */
  shading: 0.5,
  /** Share of the target's low-frequency colour (skin tone, colour of the light). */
  chromaShading: 0.2,
  /** Shading blur radius as a fraction of the face width. */
  shadingRadius: 0.08,
  /** Feather width (one box pass of a three-pass blur) as a fraction of the face width. */
  feather: 0.006,
  /** Landmark moves fade out over this fraction of the face width toward the outline. */
  shapeRamp: 0.1,
  /** Outline band (fraction of the face width) transferred only where both faces show skin. */
  outlineBand: 0.015,
};

/**
 * Solver accuracy: a residual of 1e-3 of the right-hand side leaves a smooth error under ~1 L*
 * unit (measured on a 300x330 face-sized mask), below one 8-bit step, at a fifth of 1e-4's time.
 */
const POISSON = { tolerance: 1e-3, maxIterations: 300 };

let triangles: Promise<Uint16Array> | null = null;

/** The mesh triangulation that ships with @vladmandic/human (880 triangles over 468 points). */
export function meshTriangles(): Promise<Uint16Array> {
  triangles ??= getHuman().then((h) => Uint16Array.from((h as unknown as { faceTriangulation: number[] }).faceTriangulation));
  return triangles;
}

function refusal(face: DetectedFace, code: string, reason: string): FaceTransferReport {
  return { box: face.box, transferred: false, code, reason };
}

/** Why a face cannot be transferred onto, before any reference is looked at; null when it can. */
export function refuseFace(img: RgbImage, face: DetectedFace): FaceTransferReport | null {
  const [x0, , x1] = bounds(meshPoints(face.mesh));
  if (x1 - x0 < LIMITS.minFaceWidth)
    return refusal(face, 'too_small', `The face is ${Math.round(x1 - x0)} px wide, under the ${LIMITS.minFaceWidth} px a transfer needs.`);
  const { yaw, pitch } = face.rotation;
  if (Math.abs(yaw) > LIMITS.maxYaw || Math.abs(pitch) > LIMITS.maxPitch) {
    return refusal(
      face,
      'profile',
      `The head is turned too far (${Math.round(Math.abs(yaw))} degrees sideways, ${Math.round(Math.abs(pitch))} up or down; at most ${LIMITS.maxYaw} and ${LIMITS.maxPitch}) to warp a reference onto it.`,
    );
  }
  if (face.score < LIMITS.minMeshScore)
    return refusal(face, 'occluded', `The face mesh is uncertain (confidence ${face.score.toFixed(2)}): part of the face looks hidden.`);
  const m = measureFace(analysisCrop(img, face.fivePoints).crop, analysisCrop(img, face.fivePoints, ANALYSIS_SIZE * 2).crop);
  const covered = occlusionIssues(m);
  if (covered.length)
    return refusal(face, 'occluded', `Part of the face is covered (${covered.map((c) => c.code.replace(/_/g, ' ')).join(', ')}).`);
  return null;
}

async function resizeRaw(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img;
  const data = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

function cropRaw(img: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    data.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + width) * 3), y * width * 3);
  return { data, width, height };
}

/**
 * Transfers `ref` onto one face of `out` in place (reading the generated pixels from `src`, so
 * overlapping faces do not feed on each other).
 */
export async function transferOneFace(
  src: RgbImage,
  out: RgbImage,
  face: DetectedFace,
  refs: readonly MeshReference[],
  strength: number,
  tris: Uint16Array,
): Promise<FaceTransferReport> {
  const early = refuseFace(src, face);
  if (early) return early;
  const expression = expressionOf(face.mesh);
  const ref = chooseReference(refs, face.rotation, expression);
  if (!ref) return refusal(face, 'no_reference', 'The character has no reference photo in which a face mesh could be found.');

  // Work region: the mesh plus a margin, one pixel clear of the image border (the solver's fixed frame).
  const full = meshPoints(face.mesh);
  const [bx0, by0, bx1, by1] = bounds(full);
  const fw = bx1 - bx0,
    fh = by1 - by0;
  const left = Math.max(1, Math.floor(bx0 - REGION_MARGIN * fw)),
    top = Math.max(1, Math.floor(by0 - REGION_MARGIN * fh));
  const right = Math.min(src.width - 1, Math.ceil(bx1 + REGION_MARGIN * fw)),
    bottom = Math.min(src.height - 1, Math.ceil(by1 + REGION_MARGIN * fh));
  const rw = right - left,
    rh = bottom - top;
  const scale = Math.min(1, WORK_FACE_WIDTH / fw);
  const ww = Math.max(8, Math.round(rw * scale)),
    wh = Math.max(8, Math.round(rh * scale));
  const sx = ww / rw,
    sy = wh / rh;
  const target = await resizeRaw(cropRaw(src, left, top, rw, rh), ww, wh);
  const tPts = full.map(([x, y]) => [(x + 0.5 - left) * sx - 0.5, (y + 0.5 - top) * sy - 0.5] as Point);
  const faceW = fw * sx;

  // Triangles: the mesh, plus the mouth and eye openings where the expressions agree.
  const holes: number[] = [];
  if (Math.abs(expression.mouth - ref.expression.mouth) < LIMITS.sameMouth) holes.push(...fan(FEATURE_CONTOURS.mouth));
  if (Math.abs(expression.eyes - ref.expression.eyes) < LIMITS.sameEyes)
    holes.push(...fan(FEATURE_CONTOURS.rightEye), ...fan(FEATURE_CONTOURS.leftEye));
  const all = new Uint16Array(tris.length + holes.length);
  all.set(tris);
  all.set(holes, tris.length);

  // Self-occlusion: a triangle whose winding differs between the generated face and the
  // reference is seen from its back in one of them (lids and lip rims fold in both, harmlessly).
  const inTarget = foldedTriangles(tPts, tris);
  const inRef = foldedTriangles(ref.mesh, tris);
  const share = flippedShare(tPts, tris, inTarget.folded, inRef.folded);
  if (share > LIMITS.maxFoldedShare) {
    return {
      ...refusal(
        face,
        'self_occlusion',
        `${Math.round(share * 100)}% of the face mesh is seen from the other side than in the closest reference (part of the face hides another); at most ${Math.round(LIMITS.maxFoldedShare * 100)}% can be warped.`,
      ),
      reference: ref.index,
    };
  }
  const hull = convexHull(tPts);
  const maskPoly = convexHull(transferPoints(tPts, hull, TUNING.outlineBand * faceW, ref.skin, skinPoints(target, tPts)));
  // Moving the interior toward the reference must not fold the mesh: back off until it does not.
  let dst = tPts;
  for (let w = TUNING.shapeWeight; w > 0.05; w /= 2) {
    const cand = destinationMesh(tPts, ref.mesh, hull, TUNING.shapeRamp * faceW, w);
    if (foldedTriangles(cand, tris).share <= inTarget.share + 1e-9) {
      dst = cand;
      break;
    }
  }
  // Draw order: triangles facing the same way in both faces first; then folded or flipped ones,
  // which only fill what the others left uncovered (a pixel is drawn once).
  const inDst = foldedTriangles(dst, tris).folded;
  const good: number[] = [],
    rest: number[] = [];
  for (let t = 0; t < all.length / 3; t++) {
    const bad = t < tris.length / 3 && (inDst[t] || inRef.folded[t]);
    (bad ? rest : good).push(all[t * 3], all[t * 3 + 1], all[t * 3 + 2]);
  }
  const ordered = Uint16Array.from([...good, ...rest]);
  const warp = warpTriangles(ref.image, ref.mesh, dst, ordered, ww, wh);

  // Alpha: the hull, eroded by the feather's reach, then feathered, so it is 0 on and outside the hull.
  const r = Math.max(1, Math.round(TUNING.feather * faceW));
  const hullMask = fillPolygon(maskPoly, ww, wh);
  const reach = boxBlur(Float32Array.from(hullMask), ww, wh, r); // support 3r
  const core = new Float32Array(ww * wh);
  for (let i = 0; i < core.length; i++) core[i] = reach[i] > 0.999 && hullMask[i] ? 1 : 0;
  const erodedCore = boxBlur(core, ww, wh, r);
  for (let i = 0; i < core.length; i++) core[i] = erodedCore[i] > 0.999 ? 1 : 0;
  const alpha = boxBlur(core, ww, wh, r);

  // Guidance: the warped reference where triangles drew it (softened at its edges), else the target.
  const tLab = toLab(target),
    sLab = toLab(warp.image);
  const beta = boxBlur(Float32Array.from(warp.covered), ww, wh, 1);
  for (let i = 0; i < beta.length; i++) if (!warp.covered[i]) beta[i] = 0;
  // Colour statistics from the skin between the eyes and the chin: hair and brows would skew them.
  const skin = fillPolygon(convexHull(tPts.filter((p) => heightAboveEyes(tPts, p) <= 0)), ww, wh);
  const weight = new Float32Array(ww * wh);
  for (let i = 0; i < weight.length; i++) weight[i] = alpha[i] > 0.5 && warp.covered[i] && skin[i] ? 1 : 0;
  matchLabStats(sLab, tLab, weight);
  const faceArea = new Float32Array(ww * wh);
  for (let i = 0; i < faceArea.length; i++) faceArea[i] = warp.covered[i] && hullMask[i] ? 1 : 0;
  shadeLikeTarget(sLab, tLab, faceArea, Math.max(2, Math.round(TUNING.shadingRadius * faceW)), {
    lightness: TUNING.shading,
    chroma: TUNING.chromaShading,
  });
  const omega = new Uint8Array(ww * wh);
  for (let y = 1; y < wh - 1; y++) for (let x = 1; x < ww - 1; x++) omega[y * ww + x] = alpha[y * ww + x] > 0 ? 1 : 0;
  const blended = {
    width: ww,
    height: wh,
    c: [0, 1, 2].map((ch) => {
      const g = new Float32Array(ww * wh);
      for (let i = 0; i < g.length; i++) g[i] = tLab.c[ch][i] + beta[i] * (sLab.c[ch][i] - tLab.c[ch][i]);
      return poissonBlend(g, tLab.c[ch], omega, ww, wh, POISSON);
    }) as [Float32Array, Float32Array, Float32Array],
  };
  const rgb = fromLab(blended);
  // The change at work scale, weighted by alpha and strength, scaled back and added.
  const delta = new Float32Array(ww * wh * 3);
  for (let i = 0; i < ww * wh; i++) {
    const k = alpha[i] * strength;
    if (k <= 0) continue;
    for (let c = 0; c < 3; c++) delta[i * 3 + c] = k * (rgb.data[i * 3 + c] - target.data[i * 3 + c]);
  }
  for (let y = 0; y < rh; y++) {
    const fy = Math.min(wh - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy),
      y1 = Math.min(y0 + 1, wh - 1),
      ay = fy - y0;
    for (let x = 0; x < rw; x++) {
      const fx = Math.min(ww - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx),
        x1 = Math.min(x0 + 1, ww - 1),
        ax = fx - x0;
      const o = ((top + y) * out.width + left + x) * 3;
      for (let c = 0; c < 3; c++) {
        const d =
          (delta[(y0 * ww + x0) * 3 + c] * (1 - ax) + delta[(y0 * ww + x1) * 3 + c] * ax) * (1 - ay) +
          (delta[(y1 * ww + x0) * 3 + c] * (1 - ax) + delta[(y1 * ww + x1) * 3 + c] * ax) * ay;
        if (d === 0) continue;
        out.data[o + c] = Math.min(255, Math.max(0, Math.round(src.data[o + c] + d)));
      }
    }
  }
  return { box: face.box, transferred: true, reference: ref.index };
}

/** Transfers onto every face of `img` that allows it; returns new pixels and a report per face. */
export async function meshWarpFaces(
  img: RgbImage,
  faces: readonly DetectedFace[],
  refs: readonly MeshReference[],
  strength: number,
): Promise<{ image: RgbImage; reports: FaceTransferReport[] }> {
  if (!(strength >= 0 && strength <= 1)) throw new RangeError(`strength must be between 0 and 1, got ${strength}`);
  const out: RgbImage = { data: new Uint8Array(img.data), width: img.width, height: img.height };
  const tris = await meshTriangles();
  const reports: FaceTransferReport[] = [];
  for (const f of faces) reports.push(await transferOneFace(img, out, f, refs, strength, tris));
  return { image: out, reports };
}
