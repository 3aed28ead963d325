import { randomUUID } from 'node:crypto';
import { CAROUSEL_SIZES, type CarouselPlan, type CarouselRequest } from '../domain/carousel.js';
import type { PriceTable } from '../domain/pricing.js';
import type { SoulJobInput } from '../domain/soul.js';
import type { WebhookTarget } from '../store/repos/jobs.js';
import { briefParams, creatorKeyframe } from './creator-keyframe.js';
import type { GenerationService, SubmitPlan } from './generation.js';
import { type CharacterGate, checkCharacter } from './soul-service.js';

export interface CarouselSubmitMeta {
  model: string;
  dialect: string;
  webhook: WebhookTarget | null;
}

/**
 * An Instagram carousel: one job set whose jobs are its slides. Each slide is a Soul image
 * (1080p generation, cover-cropped to 1080x1350 or 1080x1440) with its overlay copy drawn on a
 * second version; priced as the sum of its slides (Soul 1080p each), refunded per slide. The
 * slides share start noise and the references' palette as a Popcorn set does, and the character
 * when one is given.
 */
export class CarouselService {
  constructor(
    private readonly generation: GenerationService,
    private readonly prices: PriceTable,
    private readonly characterGate: () => CharacterGate | null,
  ) {}

  plan(req: CarouselRequest, plan: CarouselPlan, meta: CarouselSubmitMeta): SubmitPlan {
    const size = CAROUSEL_SIZES[req.aspectRatio];
    const each = this.prices.milli('soul.1080p');
    return {
      id: randomUUID(),
      type: 'social_carousel',
      kind: 'soul',
      model: meta.model,
      dialect: meta.dialect,
      inputParams: {
        ...briefParams(req),
        slide_count: req.slideCount,
        aspect_ratio: req.aspectRatio,
        width: size.width,
        height: size.height,
        carousel: plan,
      },
      webhook: meta.webhook,
      jobs: plan.slides.map((slide, index) => ({
        id: randomUUID(),
        priority: 0,
        costMilli: each,
        input: slideInput(req, slide.image_prompt, slide.overlay_text, index),
      })),
    };
  }

  async submit(accountId: string, req: CarouselRequest, plan: CarouselPlan, meta: CarouselSubmitMeta) {
    await checkCharacter(this.characterGate(), accountId, req.customReferenceId);
    return this.generation.submit(accountId, this.plan(req, plan, meta));
  }
}

function slideInput(req: CarouselRequest, prompt: string, overlay: string, index: number): SoulJobInput {
  const size = CAROUSEL_SIZES[req.aspectRatio];
  // Generated at the 3:4 Soul size, then cover-cropped to the slide's own size.
  return {
    ...creatorKeyframe(req, prompt, index, { width: 1536, height: 2048 }),
    finalSize: { width: size.width, height: size.height },
    overlayText: overlay,
  };
}
