import { randomUUID } from 'node:crypto';
import type { PriceTable } from '../domain/pricing.js';
import { seedForImage } from '../domain/soul.js';
import {
  SERIES_RENDER,
  seriesKeyframeSize,
  type SeriesClipInput,
  type SeriesConcatInput,
  type SeriesPlan,
  type SeriesScene,
  type VideoSeriesRequest,
} from '../domain/video-series.js';
import type { WebhookTarget } from '../store/repos/jobs.js';
import { briefParams, creatorKeyframe } from './creator-keyframe.js';
import type { GenerationService, SubmitPlan } from './generation.js';
import { type CharacterGate, checkCharacter } from './soul-service.js';

export interface SeriesSubmitMeta {
  model: string;
  dialect: string;
  webhook: WebhookTarget | null;
}

/** The concatenation runs first among queued work once released: the set is waiting on it. */
const CONCAT_PRIORITY = 10;

/**
 * A video series: one job set whose jobs are its clips (each a Soul keyframe animated by the DoP
 * engine, priced as its Soul image plus its DoP clip at the resolution's tier, refunded per clip) and one
 * concatenation job that waits (status `waiting`) until every clip has ended. It is free: the
 * clips carry the price. The keyframes share start noise and the references' palette as a
 * Popcorn set does, and the character when one is given.
 */
export class VideoSeriesService {
  constructor(
    private readonly generation: GenerationService,
    private readonly prices: PriceTable,
    private readonly characterGate: () => CharacterGate | null,
  ) {}

  plan(req: VideoSeriesRequest, plan: SeriesPlan, meta: SeriesSubmitMeta): SubmitPlan {
    const render = SERIES_RENDER[req.resolution];
    const each = this.prices.milli(`soul.${render.quality}`) + this.prices.milli(`dop.${render.tier}`);
    const concat: SeriesConcatInput = {
      captions: plan.scenes.map((s) => s.caption),
      clipDurationS: plan.clip_duration,
      transitionS: plan.transition_s,
    };
    return {
      id: randomUUID(),
      type: 'social_video_series',
      kind: 'series_clip',
      model: meta.model,
      dialect: meta.dialect,
      inputParams: {
        ...briefParams(req),
        target_duration: req.targetDurationS,
        clip_duration: req.clipDurationS,
        resolution: req.resolution,
        series: plan,
      },
      webhook: meta.webhook,
      jobs: [
        ...plan.scenes.map((scene) => ({
          id: randomUUID(),
          priority: 0,
          costMilli: each,
          input: clipInput(req, scene) as unknown as Record<string, unknown>,
        })),
        {
          id: randomUUID(),
          kind: 'series_concat' as const,
          waiting: true,
          priority: CONCAT_PRIORITY,
          costMilli: 0,
          input: concat as unknown as Record<string, unknown>,
        },
      ],
    };
  }

  async submit(accountId: string, req: VideoSeriesRequest, plan: SeriesPlan, meta: SeriesSubmitMeta) {
    await checkCharacter(this.characterGate(), accountId, req.customReferenceId);
    return this.generation.submit(accountId, this.plan(req, plan, meta));
  }
}

function clipInput(req: VideoSeriesRequest, scene: SeriesScene): SeriesClipInput {
  return {
    index: scene.index,
    keyframe: creatorKeyframe(req, scene.image_prompt, scene.index, seriesKeyframeSize(req.resolution)),
    camera: scene.camera,
    motions: scene.motions.map(({ id, strength }) => ({ id, strength })),
    tier: SERIES_RENDER[req.resolution].tier,
    durationS: req.clipDurationS,
    seed: seedForImage(req.seed, scene.index),
  };
}
