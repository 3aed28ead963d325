import { randomUUID } from 'node:crypto';
import {
  POPCORN_PALETTE_AMOUNT,
  POPCORN_REFERENCE_DENOISE,
  POPCORN_SHARED_NOISE,
  type PopcornParams,
  popcornInputParams,
} from '../domain/popcorn.js';
import type { PriceTable } from '../domain/pricing.js';
import { type SoulJobInput, seedForImage } from '../domain/soul.js';
import { outputSize } from '../domain/sizes.js';
import { DEFAULT_STYLE_ID } from '../domain/styles.js';
import type { WebhookTarget } from '../store/repos/jobs.js';
import type { GenerationService, SubmitPlan } from './generation.js';

export interface PopcornSubmitMeta {
  model: string;
  dialect: string;
  webhook: WebhookTarget | null;
}

/**
 * Popcorn auto: one Soul job per image of the set, each carrying the whole set's conditioning
 * (same prompt and style, the first reference as its start, every reference's palette, start
 * noise partly shared through the request's seed) and its own seed derived from that one seed.
 */
export class PopcornService {
  constructor(
    private readonly generation: GenerationService,
    private readonly prices: PriceTable,
  ) {}

  /** The priced set (what submit charges and a quote answers); nothing stored. */
  plan(p: PopcornParams, meta: PopcornSubmitMeta): SubmitPlan {
    const { width, height } = outputSize(p.size, p.quality);
    const each = this.prices.milli('popcorn.image');
    return {
      id: randomUUID(),
      type: 'text2image_popcorn',
      kind: 'soul',
      model: meta.model,
      dialect: meta.dialect,
      inputParams: popcornInputParams(p, width, height),
      webhook: meta.webhook,
      jobs: Array.from({ length: p.count }, (_, index) => ({
        id: randomUUID(),
        priority: 0,
        costMilli: each,
        input: jobInput(p, width, height, index),
      })),
    };
  }

  submit(accountId: string, p: PopcornParams, meta: PopcornSubmitMeta) {
    return this.generation.submit(accountId, this.plan(p, meta));
  }
}

export function jobInput(p: PopcornParams, width: number, height: number, index: number): SoulJobInput {
  const refs = p.referenceUrls;
  return {
    prompt: p.prompt,
    negativePrompt: null,
    width,
    height,
    seed: seedForImage(p.seed, index),
    styleId: DEFAULT_STYLE_ID,
    styleStrength: 1,
    enhancePrompt: false,
    imageReferenceUrl: refs[0] ?? null,
    imageStrength: POPCORN_REFERENCE_DENOISE,
    customReferenceId: null,
    customReferenceStrength: 1,
    sharedNoise: { seed: p.seed, weight: POPCORN_SHARED_NOISE },
    ...(refs.length ? { paletteUrls: refs, paletteAmount: POPCORN_PALETTE_AMOUNT } : {}),
  };
}
