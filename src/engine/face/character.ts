import { analyzePhoto, type PhotoAnalysis } from './analyze.js';
import type { PhotoIssueCode } from './photo-checks.js';
import { SAME_PERSON_THRESHOLD } from './recognizer.js';
import { centroid, cosine } from './vector.js';

export type CharacterRefusalCode = PhotoIssueCode | 'different_person';

export interface CharacterRefusal {
  /** Index of the photo in the input array. */
  index: number;
  code: CharacterRefusalCode;
  message: string;
}

export interface CharacterBuild {
  status: 'completed' | 'failed';
  /** Indices of the photos the character was built from, in input order. */
  accepted: number[];
  refused: CharacterRefusal[];
  /** L2-normalised mean identity embedding of the accepted photos (recognizer.ts), or null. */
  centroid: Float32Array | null;
  /** Face crop (JPEG) of the best accepted photo, for thumbnail_url. */
  thumbnail: Buffer | null;
  /** Aligned face crops (JPEG, face-crop.ts framing) of the accepted photos, in `accepted` order. */
  faceCrops: Buffer[];
  /** Per-photo analysis in input order (issues, measures, face box), for the quality report. */
  analyses: PhotoAnalysis[];
}

/** Most photos analysed for one character (the API accepts up to 100). */
export const MAX_CHARACTER_PHOTOS = 100;

/**
 * Keeps the photos whose person matches the rest of the set: each embedding is compared with the
 * centroid of the others (leave-one-out) and the worst match below the threshold is refused, then
 * the remaining set is checked again, so one stranger cannot drag the centroid away from the
 * majority. Two photos that disagree cannot be told apart: both are refused.
 */
export function splitByIdentity(
  embeddings: readonly Float32Array[],
  threshold = SAME_PERSON_THRESHOLD,
): { kept: number[]; outliers: { index: number; similarity: number }[] } {
  let kept = embeddings.map((_, i) => i);
  const outliers: { index: number; similarity: number }[] = [];
  while (kept.length >= 2) {
    const scores = kept.map((i) => ({
      index: i,
      similarity: cosine(embeddings[i], centroid(kept.filter((j) => j !== i).map((j) => embeddings[j]))),
    }));
    const worst = scores.reduce((a, b) => (b.similarity < a.similarity ? b : a));
    if (worst.similarity >= threshold) break;
    if (kept.length === 2) {
      outliers.push(...scores);
      kept = [];
      break;
    }
    outliers.push(worst);
    kept = kept.filter((i) => i !== worst.index);
  }
  return { kept, outliers };
}

/**
 * Builds a character from photos of one person: refuses the photos that fail the photo checks,
 * then those showing someone other than the majority, and stores the normalised centroid of the
 * rest. Photos are analysed one after another (the face models run on one shared instance).
 */
export async function buildCharacter(photos: readonly Buffer[]): Promise<CharacterBuild> {
  if (photos.length === 0) throw new Error('buildCharacter needs at least one photo');
  if (photos.length > MAX_CHARACTER_PHOTOS) throw new Error(`buildCharacter accepts at most ${MAX_CHARACTER_PHOTOS} photos`);
  const analyses: PhotoAnalysis[] = [];
  for (const p of photos) analyses.push(await analyzePhoto(p));

  const refused: CharacterRefusal[] = [];
  const usable: number[] = [];
  analyses.forEach((a, index) => {
    if (a.ok && a.embedding) usable.push(index);
    else refused.push({ index, code: a.issues[0]?.code ?? 'no_face', message: a.issues[0]?.message ?? 'The photo could not be used.' });
  });

  const { kept, outliers } = splitByIdentity(usable.map((i) => analyses[i].embedding!));
  const accepted = kept.map((k) => usable[k]).sort((a, b) => a - b);
  for (const o of outliers) {
    const index = usable[o.index];
    refused.push({
      index,
      code: 'different_person',
      message:
        accepted.length > 0
          ? `This photo seems to show a different person from the rest of the set (similarity ${o.similarity.toFixed(2)}, needs ${SAME_PERSON_THRESHOLD.toFixed(2)}). Use photos of one person only.`
          : `The photos seem to show different people (similarity ${o.similarity.toFixed(2)}, needs ${SAME_PERSON_THRESHOLD.toFixed(2)}). Use photos of one person only.`,
    });
  }
  refused.sort((a, b) => a.index - b.index);

  if (accepted.length === 0) {
    return { status: 'failed', accepted: [], refused, centroid: null, thumbnail: null, faceCrops: [], analyses };
  }
  const best = accepted.reduce((a, b) => (analyses[b].quality > analyses[a].quality ? b : a));
  return {
    status: 'completed',
    accepted,
    refused,
    centroid: centroid(accepted.map((i) => analyses[i].embedding!)),
    thumbnail: analyses[best].faceCrop,
    faceCrops: accepted.map((i) => analyses[i].faceCrop!),
    analyses,
  };
}
