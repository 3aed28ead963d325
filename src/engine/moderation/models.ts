/** The classifiers nsfwjs ships inside its package, with their input side (no tfjs import here: config reads it). */
export const NSFW_MODELS = {
  MobileNetV2: { folder: 'mobilenet_v2', size: 224, type: 'layers' },
  MobileNetV2Mid: { folder: 'mobilenet_v2_mid', size: 224, type: 'graph' },
  InceptionV3: { folder: 'inception_v3', size: 299, type: 'layers' },
} as const;
export type NsfwModelName = keyof typeof NSFW_MODELS;
export const NSFW_MODEL_NAMES = Object.keys(NSFW_MODELS) as NsfwModelName[];
/** About 40 ms an image on one core and ~93% reported accuracy: the middle of the three. */
export const DEFAULT_NSFW_MODEL: NsfwModelName = 'MobileNetV2Mid';

/** Reads OPENSOUL_MODERATION_MODEL. */
export function nsfwModelName(value: string | undefined): NsfwModelName {
  if (value === undefined || value === '') return DEFAULT_NSFW_MODEL;
  if (!(NSFW_MODEL_NAMES as string[]).includes(value))
    throw new Error(`OPENSOUL_MODERATION_MODEL must be one of ${NSFW_MODEL_NAMES.join(', ')}, got "${value.slice(0, 40)}"`);
  return value as NsfwModelName;
}
