/**
 * Soul ID engine: photo analysis, character building, identity scoring and identity transfer.
 * See character.ts for what a character stores; the swap models are in src/engine/identity.
 */
export { analyzePhoto, ANALYSIS_MAX_SIDE, MAX_PHOTO_PIXELS, type PhotoAnalysis, type AnalyzedFace } from './analyze.js';
export {
  buildCharacter,
  splitByIdentity,
  MAX_CHARACTER_PHOTOS,
  type CharacterBuild,
  type CharacterRefusal,
  type CharacterRefusalCode,
} from './character.js';
export { scoreIdentity, scoreIdentityRgb } from './score.js';
export { RECOGNIZER, SAME_PERSON_THRESHOLD, embedFace } from './recognizer.js';
export { PHOTO_ISSUE_CODES, THRESHOLDS, type PhotoIssue, type PhotoIssueCode } from './photo-checks.js';
export { FACE_CROP_SIZE, faceCropTemplate } from './face-crop.js';
export { detectFaces, type DetectedFace } from './detect.js';
export { cosine, centroid, l2normalize } from './vector.js';
// Identity transfer (face swap) lives in src/engine/identity.
