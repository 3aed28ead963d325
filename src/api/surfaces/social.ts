import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { CAROUSEL_FIELDS, type CarouselRequest, readCarousel, templateCarouselPlan } from '../../domain/carousel.js';
import { objectSchema } from '../../domain/fields.js';
import { v2QueuedSchema } from '../schemas.js';
import { planCarousel, planVideoSeries } from '../../services/social-planner.js';
import {
  readVideoSeries,
  SERIES_TEMPLATES,
  type SeriesTemplate,
  templateSeriesPlan,
  VIDEO_SERIES_FIELDS,
} from '../../domain/video-series.js';
import { principalOf } from '../auth.js';
import type { Quoter } from '../quote.js';
import { v2Urls } from './higgsfield-render.js';
import { V2_WEBHOOK_QUERY, v2Webhook } from './higgsfield-v2.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;
export const CAROUSEL_MODEL = 'social/carousel/instagram';
export const seriesModel = (t: SeriesTemplate) => `social/video-series/${t}`;

const SERIES_SUMMARY: Record<SeriesTemplate, string> = {
  tutorial: 'Video series, tutorial: hook, tools, one clip per step, result, call to action',
  'product-showcase': 'Video series, product showcase: teaser, reveal, feature and in-use beats, hero, call to action',
  cinematic: 'Video series, cinematic: establishing, character, rising tension, climax, resolution',
  pov: 'Video series, POV: first-person scenes from setup to payoff',
  'faceless-story': 'Video series, faceless story: beats told through objects, hands and places, no faces',
};

/** Creator workflows (seed 002's "Creator Workflows"): the Instagram carousel and the five video series. */
export function socialRoutes(app: FastifyInstance, ctx: AppContext) {
  const carousel = ctx.carousel;
  const planner = () => ({ endpoint: ctx.config.promptEnhancerUrl, model: ctx.config.promptEnhancerModel });
  // The price depends on the slide count only, so a quote plans with the template (no LLM call).
  const quote: Quoter = {
    currency: 'credits',
    plan: async (req) => {
      const r: CarouselRequest = readCarousel(req.body);
      return carousel.plan(r, templateCarouselPlan(r), { model: CAROUSEL_MODEL, dialect: 'higgsfield', webhook: null });
    },
  };

  app.post(
    `/${CAROUSEL_MODEL}`,
    {
      config: { ...hf, idempotent: true, quote },
      schema: {
        tags: ['higgsfield v2'],
        summary: 'Instagram carousel: planned slides (image + overlay copy), caption and hashtags',
        querystring: V2_WEBHOOK_QUERY,
        body: objectSchema(CAROUSEL_FIELDS, { example: { topic: 'five habits of calm mornings', slide_count: 5 } }),
        response: { 200: v2QueuedSchema },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const r = readCarousel(req.body);
      const webhook = await v2Webhook(req, ctx);
      const plan = await planCarousel(r, planner());
      const set = await carousel.submit(accountId, r, plan, { model: CAROUSEL_MODEL, dialect: 'higgsfield', webhook });
      return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
    },
  );

  const series = ctx.videoSeries;
  for (const template of SERIES_TEMPLATES) {
    const model = seriesModel(template);
    // The price depends on the clip count only, so a quote plans with the template (no LLM call).
    const seriesQuote: Quoter = {
      currency: 'credits',
      plan: async (req) => {
        const r = readVideoSeries(template, req.body);
        return series.plan(r, templateSeriesPlan(r), { model, dialect: 'higgsfield', webhook: null });
      },
    };
    app.post(
      `/${model}`,
      {
        config: { ...hf, idempotent: true, quote: seriesQuote },
        schema: {
          tags: ['higgsfield v2'],
          summary: SERIES_SUMMARY[template],
          querystring: V2_WEBHOOK_QUERY,
          body: objectSchema(VIDEO_SERIES_FIELDS, { example: { topic: 'how to repot a houseplant' } }),
          response: { 200: v2QueuedSchema },
        },
      },
      async (req) => {
        const { accountId } = principalOf(req);
        const r = readVideoSeries(template, req.body);
        const webhook = await v2Webhook(req, ctx);
        const plan = await planVideoSeries(r, planner());
        const set = await series.submit(accountId, r, plan, { model, dialect: 'higgsfield', webhook });
        return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
      },
    );
  }
}
