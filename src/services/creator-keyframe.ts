import type { CreatorBrief } from '../domain/creator-brief.js';
import { POPCORN_PALETTE_AMOUNT, POPCORN_SHARED_NOISE } from '../domain/popcorn.js';
import type { PixelSize } from '../domain/sizes.js';
import { type SoulJobInput, seedForImage } from '../domain/soul.js';
import { DEFAULT_STYLE_ID } from '../domain/styles.js';

/**
 * The Soul image of one part of a creator workflow (a carousel slide, a series keyframe). The
 * parts share start noise and the references' palette as a Popcorn set does, and the character
 * when the brief names one; each part has its own seed from the brief's.
 */
export function creatorKeyframe(brief: CreatorBrief, prompt: string, index: number, size: PixelSize): SoulJobInput {
  const refs = brief.imageUrls;
  return {
    prompt,
    negativePrompt: 'text, watermark, letters',
    width: size.width,
    height: size.height,
    seed: seedForImage(brief.seed, index),
    styleId: DEFAULT_STYLE_ID,
    styleStrength: 1,
    enhancePrompt: false,
    imageReferenceUrl: null,
    imageStrength: 0.6,
    customReferenceId: brief.customReferenceId,
    customReferenceStrength: 1,
    sharedNoise: { seed: brief.seed, weight: POPCORN_SHARED_NOISE },
    ...(refs.length ? { paletteUrls: refs, paletteAmount: POPCORN_PALETTE_AMOUNT } : {}),
  };
}

/** The brief as the set's input params record it (wire names). */
export function briefParams(brief: CreatorBrief) {
  return {
    topic: brief.topic,
    image_urls: brief.imageUrls,
    custom_reference_id: brief.customReferenceId,
    seed: brief.seed,
    language: brief.language,
  };
}
