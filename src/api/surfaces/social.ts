import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { type CarouselRequest, readCarousel, templateCarouselPlan } from '../../domain/carousel.js';
import { CarouselService } from '../../services/carousel.js';
import { planCarousel } from '../../services/social-planner.js';
import { principalOf } from '../auth.js';
import type { Quoter } from '../quote.js';
import { v2Urls } from './higgsfield-render.js';
import { v2Webhook } from './higgsfield-v2.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;
export const CAROUSEL_MODEL = 'social/carousel/instagram';

/** Creator workflows (seed 002's "Creator Workflows"): the Instagram carousel. */
export function socialRoutes(app: FastifyInstance, ctx: AppContext) {
  const carousel = new CarouselService(ctx.generation, ctx.prices, () => ctx.characters.gate);
  const planner = () => ({ endpoint: ctx.config.promptEnhancerUrl, model: ctx.config.promptEnhancerModel });
  // The price depends on the slide count only, so a quote plans with the template (no LLM call).
  const quote: Quoter = {
    currency: 'credits',
    plan: async (req) => {
      const r: CarouselRequest = readCarousel(req.body);
      return carousel.plan(r, templateCarouselPlan(r), { model: CAROUSEL_MODEL, dialect: 'higgsfield', webhook: null });
    },
  };

  app.post(`/${CAROUSEL_MODEL}`, { config: { ...hf, idempotent: true, quote }, schema: { tags: ['higgsfield v2'], summary: 'Instagram carousel: planned slides (image + overlay copy), caption and hashtags' } }, async (req) => {
    const { accountId } = principalOf(req);
    const r = readCarousel(req.body);
    const webhook = await v2Webhook(req, ctx);
    const plan = await planCarousel(r, planner());
    const set = await carousel.submit(accountId, r, plan, { model: CAROUSEL_MODEL, dialect: 'higgsfield', webhook });
    return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
  });
}
