import type { FastifyInstance } from 'fastify';
import { DOP_TIERS, readDopV1, readDopV2 } from '../../domain/dop.js';
import { DomainError } from '../../domain/errors.js';
import { KLING_MODEL, klingInputParams, readKlingI2V } from '../../domain/kling.js';
import { MOTIONS, findMotion } from '../../domain/motions.js';
import type { AppContext } from '../../context.js';
import { DopService } from '../../services/dop.js';
import { principalOf } from '../auth.js';
import { renderV1JobSet, v2Urls } from './higgsfield-render.js';
import { readV1Submit } from './higgsfield-v1.js';
import { v2Webhook } from './higgsfield-v2.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;

/** Renders a motion's preview clip once and keeps it (the motion catalog is static). */
export type MotionPreviewRenderer = (motionId: string) => Promise<Buffer>;

export function dopRoutes(preview: MotionPreviewRenderer) {
  return (app: FastifyInstance, ctx: AppContext) => {
    const dop = new DopService(ctx.generation, ctx.prices);

    app.post('/v1/image2video/dop', { config: { ...hf, idempotent: true }, schema: { tags: ['higgsfield v1'], summary: 'Submit a DoP image-to-video job set' } }, async (req) => {
      const { accountId } = principalOf(req);
      const { params: p, webhook } = await readV1Submit(req.body, ctx, (params) => readDopV1(params, ['body', 'params']));
      return renderV1JobSet(await dop.submit(accountId, p, { model: `dop-${p.tier}`, dialect: 'higgsfield', webhook }), ctx.media);
    });

    for (const tier of DOP_TIERS) {
      for (const firstLast of [false, true]) {
        const model = `higgsfield-ai/dop/${tier}${firstLast ? '/first-last-frame' : ''}`;
        app.post(`/${model}`, { config: { ...hf, idempotent: true }, schema: { tags: ['higgsfield v2'], summary: `Submit ${model}` } }, async (req) => {
          const { accountId } = principalOf(req);
          const p = readDopV2(req.body, tier, firstLast);
          const set = await dop.submit(accountId, p, { model, dialect: 'higgsfield', webhook: await v2Webhook(req, ctx) });
          return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
        });
      }
    }

    // Kling 2.1 pro's wire shape, rendered by opensoul's own video engine (never Kling itself).
    app.post(`/${KLING_MODEL}`, { config: { ...hf, idempotent: true }, schema: { tags: ['higgsfield v2'], summary: 'Image-to-video in Kling 2.1 pro\'s request shape, rendered by opensoul\'s DoP engine (camera words in the prompt pick the motions)' } }, async (req) => {
      const { accountId } = principalOf(req);
      const k = readKlingI2V(req.body);
      const price = ctx.prices.milli('kling.i2v.5s') * ((k.dop.durationS ?? 5) / 5);
      const set = await dop.submit(accountId, k.dop, { model: KLING_MODEL, dialect: 'higgsfield', webhook: await v2Webhook(req, ctx), totalPriceMilli: price, inputParams: klingInputParams(k) });
      return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
    });

    app.get('/v1/motions', { config: hf, schema: { tags: ['higgsfield v1'], summary: 'List DoP camera motions' } }, async () =>
      MOTIONS.map((m) => ({ id: m.id, name: m.name, description: m.description, preview_url: `${ctx.baseUrl()}/v1/motions/${m.id}/preview`, start_end_frame: m.startEndFrame })),
    );

    const cache = new Map<string, Promise<Buffer>>();
    app.get<{ Params: { id: string } }>('/v1/motions/:id/preview', { schema: { tags: ['higgsfield v1'], summary: 'Preview clip of a motion (rendered on first request, then cached)' } }, async (req, reply) => {
      const m = findMotion(req.params.id);
      if (!m) throw new DomainError('not_found', 'Motion not found');
      let clip = cache.get(m.id);
      if (!clip) {
        clip = preview(m.id);
        cache.set(m.id, clip);
        clip.catch(() => cache.delete(m.id));
      }
      return reply.type('video/mp4').header('cache-control', 'public, max-age=86400').send(await clip);
    });
  };
}
