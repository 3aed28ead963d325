import { decodeRgb, ImageDecodeError, type DecodedImage } from '../human/image-tensor.js';
import type { Point } from './align.js';
import { analysisCrop, ANALYSIS_SIZE } from './analysis-crop.js';
import { detectFaces, type DetectedFace } from './detect.js';
import { encodeJpeg, faceCrop } from './face-crop.js';
import { eyeOpenness, type MeshPoint } from './landmarks.js';
import {
  blurIssue,
  eyesIssue,
  faceCountIssue,
  faceSizeIssue,
  issue,
  lightIssues,
  occlusionIssues,
  poseIssue,
  resolutionIssue,
  sortIssues,
  type PhotoIssue,
} from './photo-checks.js';
import { measureFace, type FaceMeasures } from './photo-measures.js';
import { embedFace } from './recognizer.js';

/** Longest side photos are analysed at; larger photos are downscaled (coordinates are reported in original pixels). */
export const ANALYSIS_MAX_SIDE = 1600;
/** Largest photo accepted for analysis (a 50 MP phone photo). */
export const MAX_PHOTO_PIXELS = 50_000_000;

export interface AnalyzedFace {
  /** [x, y, width, height] in the original photo's pixels (after EXIF orientation). */
  box: [number, number, number, number];
  score: number;
  /** Eye centres, nose tip, mouth corners, original pixels. */
  fivePoints: Point[];
  /** The 478-point mesh, original pixels. */
  mesh: MeshPoint[];
  rotation: { yaw: number; pitch: number; roll: number };
}

export interface PhotoAnalysis {
  /** True when the photo passed every check (issues is empty). */
  ok: boolean;
  /** Every failed check, main reason first. */
  issues: PhotoIssue[];
  /** Photo size after EXIF orientation (0 when unreadable). */
  width: number;
  height: number;
  /** Faces found (before the several-faces rule). */
  faceCount: number;
  /** The largest face, when there is one. */
  face: AnalyzedFace | null;
  measures: (FaceMeasures & { eyeOpenness: number; faceFraction: number }) | null;
  /** Upright aligned face crop, JPEG, FACE_CROP_SIZE square; present whenever a single face was analysed. */
  faceCrop: Buffer | null;
  /** L2-normalised identity embedding (recognizer.ts), accepted photos only. */
  embedding: Float32Array | null;
  /** 0..1 ranking of usable photos (size, sharpness, frontality, light); 0 when refused. */
  quality: number;
}

function scalePoint(p: readonly number[], s: number): [number, number, number?] {
  return p.length > 2 ? [p[0] * s, p[1] * s, (p[2] ?? 0) * s] : [p[0] * s, p[1] * s];
}

function toOriginal(f: DetectedFace, s: number): AnalyzedFace {
  return {
    box: [f.box[0] * s, f.box[1] * s, f.box[2] * s, f.box[3] * s],
    score: f.score,
    fivePoints: f.fivePoints.map((p) => [p[0] * s, p[1] * s] as Point),
    mesh: f.mesh.map((p) => scalePoint(p as number[], s)) as MeshPoint[],
    rotation: f.rotation,
  };
}

function refused(
  issues: PhotoIssue[],
  img?: Pick<DecodedImage, 'originalWidth' | 'originalHeight'>,
  faceCount = 0,
  face: AnalyzedFace | null = null,
): PhotoAnalysis {
  return {
    ok: false,
    issues: sortIssues(issues),
    width: img?.originalWidth ?? 0,
    height: img?.originalHeight ?? 0,
    faceCount,
    face,
    measures: null,
    faceCrop: null,
    embedding: null,
    quality: 0,
  };
}

/**
 * Checks a photo against the character photo requirements (one clearly visible face taking a
 * significant part of the frame, at least 512x512, good light, facing the camera, eyes open,
 * nothing over the face, sharp) and, when it passes, computes its identity embedding.
 */
export async function analyzePhoto(bytes: Buffer): Promise<PhotoAnalysis> {
  let img: DecodedImage;
  try {
    img = await decodeRgb(bytes, { maxPixels: MAX_PHOTO_PIXELS, maxSide: ANALYSIS_MAX_SIDE });
  } catch (err) {
    if (!(err instanceof ImageDecodeError)) throw err;
    return refused([
      err.code === 'image_too_large'
        ? issue(
            'image_too_large',
            `The photo is too large to process (${err.message}). Upload a photo under ${MAX_PHOTO_PIXELS / 1e6} megapixels.`,
          )
        : issue('image_unreadable', 'The file could not be read as an image. Upload a JPEG, PNG or WebP photo.'),
    ]);
  }
  const s = img.originalWidth / img.width;
  const issues: PhotoIssue[] = [];
  const res = resolutionIssue(img.originalWidth, img.originalHeight);
  if (res) issues.push(res);

  const faces = await detectFaces(img);
  const countIssue = faceCountIssue(faces.map((f) => f.box[2]));
  if (countIssue) return refused([...issues, countIssue], img, faces.length, faces[0] ? toOriginal(faces[0], s) : null);

  const f = faces[0];
  const face = toOriginal(f, s);
  const sizeIssue = faceSizeIssue(face.box[2], Math.min(img.originalWidth, img.originalHeight));
  if (sizeIssue) issues.push(sizeIssue);
  const pose = poseIssue(f.rotation.yaw, f.rotation.pitch);
  if (pose) issues.push(pose);

  const { crop } = analysisCrop(img, f.fivePoints);
  const { crop: sharpCrop } = analysisCrop(img, f.fivePoints, ANALYSIS_SIZE * 2);
  const m = measureFace(crop, sharpCrop);
  const open = eyeOpenness(f.mesh);
  const occlusion = occlusionIssues(m);
  issues.push(...occlusion);
  if (!occlusion.some((o) => o.code === 'eyes_covered')) {
    const eyes = eyesIssue((open.left + open.right) / 2); // lids cannot be seen through sunglasses
    if (eyes) issues.push(eyes);
  }
  issues.push(...lightIssues(m));
  const blur = blurIssue(m.sharpness);
  if (blur) issues.push(blur);

  const faceFraction = face.box[2] / Math.min(img.originalWidth, img.originalHeight);
  const ok = issues.length === 0;
  const quality = ok
    ? Math.min(1, face.box[2] / 512) * Math.min(1, m.sharpness / 0.03) * (1 - Math.abs(f.rotation.yaw) / 90) * m.lightBalance
    : 0;
  return {
    ok,
    issues: sortIssues(issues),
    width: img.originalWidth,
    height: img.originalHeight,
    faceCount: faces.length,
    face,
    measures: { ...m, eyeOpenness: (open.left + open.right) / 2, faceFraction },
    faceCrop: await encodeJpeg(faceCrop(img, f.fivePoints)),
    embedding: ok ? await embedFace(img, f.fivePoints) : null,
    quality,
  };
}
