import type { FaceMeasures, OcclusionSignals } from './photo-measures.js';

export type { OcclusionSignals };

/**
 * Why a photo cannot make a good character. Machine-readable; each comes with a sentence the
 * user can act on. Listed in the order they are reported (the first is the main reason).
 */
export const PHOTO_ISSUE_CODES = [
  'image_unreadable',
  'image_too_large',
  'resolution_too_low',
  'no_face',
  'multiple_faces',
  'face_too_small',
  'face_turned',
  'eyes_covered',
  'lower_face_covered',
  'eyes_closed',
  'face_too_dark',
  'face_overexposed',
  'uneven_lighting',
  'blurry',
] as const;
export type PhotoIssueCode = (typeof PHOTO_ISSUE_CODES)[number];

export interface PhotoIssue {
  code: PhotoIssueCode;
  message: string;
}

/**
 * Thresholds, set on the face fixtures (see the measurements in the report of issue 3):
 * - minSide 512: the product's stated minimum.
 * - a second face counts when it is at least 0.4x as wide as the largest (a stranger far behind
 *   does not refuse a portrait, a group photo does).
 * - faceFraction 0.15 of the shorter side and 128 px: "a significant part of the frame", and
 *   enough pixels for the 224 px recogniser crop not to be mostly interpolation.
 * - yaw 30 / pitch 25 degrees: "front-facing or slight turn"; the fixtures' usable photos reach
 *   20 degrees yaw, the mesh degrades past ~45.
 * - eyeRegionSkin / darkness: sunglasses tiles scored 0.15-0.50 eye-region lightness ratio,
 *   uncovered faces 0.62-0.98.
 * - eyes closed: lid gap / eye width under 0.15 (open eyes measured 0.25-0.6).
 * - light: 95th-percentile face luma under 110 (the face's highlights are in shadow: a 0.45x
 *   exposure of the astronaut measures 99, darker-skinned faces in normal light 124-150);
 *   over a quarter of the face clipped white; one half under 0.45x the other.
 * - blur: Laplacian/grey variance ratio under 0.006 at the recogniser's scale (astronaut 0.059,
 *   sigma-1 blur 0.012, sigma-2 blur 0.003).
 */
export const THRESHOLDS = {
  minSide: 512,
  secondFaceRatio: 0.4,
  minFaceFraction: 0.15,
  minFacePixels: 128,
  maxYaw: 30,
  maxPitch: 25,
  maxEyeDarkness: 0.58,
  minLowerFaceSkin: 0.3,
  minUpperFaceSkin: 0.6,
  lowerFaceMinLightness: 0.6,
  minEyeOpenness: 0.15,
  minHighlightLuma: 110,
  maxClipped: 0.25,
  minLightBalance: 0.45,
  minSharpness: 0.006,
} as const;

export function issue(code: PhotoIssueCode, message: string): PhotoIssue {
  return { code, message };
}

export function resolutionIssue(width: number, height: number): PhotoIssue | null {
  if (Math.min(width, height) >= THRESHOLDS.minSide) return null;
  return issue(
    'resolution_too_low',
    `The photo is ${width}x${height} pixels; upload one at least ${THRESHOLDS.minSide}x${THRESHOLDS.minSide}.`,
  );
}

export function faceCountIssue(faceWidths: readonly number[]): PhotoIssue | null {
  if (faceWidths.length === 0) return issue('no_face', 'No face was found. Upload a photo in which one face is clearly visible.');
  const largest = Math.max(...faceWidths);
  const comparable = faceWidths.filter((w) => w >= largest * THRESHOLDS.secondFaceRatio).length;
  if (comparable < 2) return null;
  return issue(
    'multiple_faces',
    `${comparable} faces were found. Upload a photo of this person alone, or crop it so only their face shows.`,
  );
}

export function faceSizeIssue(faceWidthPx: number, shorterSidePx: number): PhotoIssue | null {
  const fraction = faceWidthPx / shorterSidePx;
  if (fraction >= THRESHOLDS.minFaceFraction && faceWidthPx >= THRESHOLDS.minFacePixels) return null;
  return issue(
    'face_too_small',
    `The face is too small (${Math.round(faceWidthPx)} px, ${Math.round(fraction * 100)}% of the frame). Move closer or crop the photo so the face is at least ${THRESHOLDS.minFacePixels} px wide and ${Math.round(THRESHOLDS.minFaceFraction * 100)}% of the frame.`,
  );
}

export function poseIssue(yaw: number, pitch: number): PhotoIssue | null {
  if (Math.abs(yaw) <= THRESHOLDS.maxYaw && Math.abs(pitch) <= THRESHOLDS.maxPitch) return null;
  return issue(
    'face_turned',
    `The head is turned too far (${Math.round(Math.abs(yaw))} degrees sideways, ${Math.round(Math.abs(pitch))} up or down). Use a photo facing the camera or only slightly turned.`,
  );
}

export function occlusionIssues(s: OcclusionSignals): PhotoIssue[] {
  const out: PhotoIssue[] = [];
  if (s.eyeLightness < THRESHOLDS.maxEyeDarkness) {
    out.push(
      issue(
        'eyes_covered',
        'The eyes look covered (sunglasses or a shadow over them). Use a photo without sunglasses or anything over the eyes.',
      ),
    );
  }
  // Judged only where the upper face reads as skin (not greyscale, not under coloured light),
  // and only for a light covering: a dark lower face is more often a beard than a mask.
  if (
    s.upperSkin >= THRESHOLDS.minUpperFaceSkin &&
    s.lowerSkin < THRESHOLDS.minLowerFaceSkin &&
    s.lowerLightness >= THRESHOLDS.lowerFaceMinLightness
  ) {
    out.push(
      issue('lower_face_covered', 'The mouth and chin look covered (a mask, scarf or hand). Use a photo with the whole face uncovered.'),
    );
  }
  return out;
}

export function eyesIssue(meanOpenness: number): PhotoIssue | null {
  if (meanOpenness >= THRESHOLDS.minEyeOpenness) return null;
  return issue('eyes_closed', 'The eyes look closed. Use a photo with the eyes open.');
}

export function lightIssues(m: Pick<FaceMeasures, 'clipped' | 'lightBalance'> & { highlightLuma: number }): PhotoIssue[] {
  const out: PhotoIssue[] = [];
  if (m.highlightLuma < THRESHOLDS.minHighlightLuma) {
    out.push(issue('face_too_dark', 'The face is too dark. Use a photo taken in good light, with the face not in shadow.'));
  } else if (m.clipped > THRESHOLDS.maxClipped) {
    out.push(
      issue(
        'face_overexposed',
        'The face is washed out by strong light. Use a photo without harsh direct light or flash glare on the face.',
      ),
    );
  }
  if (m.lightBalance < THRESHOLDS.minLightBalance) {
    out.push(issue('uneven_lighting', 'One side of the face is in deep shadow. Use a photo with even light across the face.'));
  }
  return out;
}

export function blurIssue(sharpness: number): PhotoIssue | null {
  if (sharpness >= THRESHOLDS.minSharpness) return null;
  return issue('blurry', 'The face is blurry. Use a sharp, in-focus photo.');
}

/** Sorts issues into the reporting order (main reason first). */
export function sortIssues(issues: PhotoIssue[]): PhotoIssue[] {
  return [...issues].sort((a, b) => PHOTO_ISSUE_CODES.indexOf(a.code) - PHOTO_ISSUE_CODES.indexOf(b.code));
}
