import type { FastifyInstance } from 'fastify';
import { DOP_TIERS, DOP_V1_FIELDS, dopV2Fields, readDopV1, readDopV2 } from '../../domain/dop.js';
import { objectSchema } from '../../domain/fields.js';
import { binary, closed, v1JobSetSchema, v2QueuedSchema } from '../schemas.js';
import { DomainError } from '../../domain/errors.js';
import { KLING_FIELDS, KLING_MODEL, klingInputParams, readKlingI2V } from '../../domain/kling.js';
import { MOTIONS, findMotion } from '../../domain/motions.js';
import type { AppContext } from '../../context.js';
import { principalOf } from '../auth.js';
import { renderV1JobSet, v2Urls } from './higgsfield-render.js';
import { readV1Submit, v1EnvelopeSchema } from './higgsfield-v1.js';
import { V2_WEBHOOK_QUERY, v2Webhook } from './higgsfield-v2.js';
import type { Quoter, SubmitRequest } from '../quote.js';
import type { DopParams } from '../../domain/dop.js';
import type { DopSubmitMeta } from '../../services/dop-service.js';

type DopRead = (req: SubmitRequest) => Promise<{ params: DopParams; meta: DopSubmitMeta }>;

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;

/** Renders a motion's preview clip once and keeps it (the motion catalog is static). */
export type MotionPreviewRenderer = (motionId: string) => Promise<Buffer>;

export function dopRoutes(preview: MotionPreviewRenderer) {
  return (app: FastifyInstance, ctx: AppContext) => {
    const { dop } = ctx;
    /** The quote runs the route's reader and DopService.plan, as its submit does. */
    const quoter = (read: DopRead): Quoter => ({
      currency: 'credits',
      plan: async (req) => {
        const { params, meta } = await read(req);
        return dop.plan(params, meta);
      },
    });

    const readV1: DopRead = async (req) => {
      const { params, webhook } = await readV1Submit(req.body, ctx, (p) => readDopV1(p, ['body', 'params']));
      return { params, meta: { model: `dop-${params.tier}`, dialect: 'higgsfield', webhook } };
    };
    app.post(
      '/v1/image2video/dop',
      {
        config: { ...hf, idempotent: true, quote: quoter(readV1) },
        schema: {
          tags: ['higgsfield v1'],
          summary: 'Submit a DoP image-to-video job set',
          body: v1EnvelopeSchema(objectSchema(DOP_V1_FIELDS), {
            model: 'dop-turbo',
            prompt: 'slow push in',
            input_images: [{ type: 'image_url', image_url: 'https://example.com/portrait.jpg' }],
          }),
          response: { 200: v1JobSetSchema },
        },
      },
      async (req) => {
        const { accountId } = principalOf(req);
        const { params, meta } = await readV1(req);
        return renderV1JobSet(await dop.submit(accountId, params, meta), ctx.media);
      },
    );

    for (const tier of DOP_TIERS) {
      for (const firstLast of [false, true]) {
        const model = `higgsfield-ai/dop/${tier}${firstLast ? '/first-last-frame' : ''}`;
        const read: DopRead = async (req) => ({
          params: readDopV2(req.body, tier, firstLast),
          meta: { model, dialect: 'higgsfield', webhook: await v2Webhook(req, ctx) },
        });
        app.post(
          `/${model}`,
          {
            config: { ...hf, idempotent: true, quote: quoter(read) },
            schema: {
              tags: ['higgsfield v2'],
              summary: `Submit ${model}`,
              querystring: V2_WEBHOOK_QUERY,
              body: objectSchema(dopV2Fields(firstLast), {
                example: {
                  prompt: 'slow push in',
                  image_url: 'https://example.com/portrait.jpg',
                  ...(firstLast ? { end_image_url: 'https://example.com/end.jpg' } : {}),
                },
              }),
              response: { 200: v2QueuedSchema },
            },
          },
          async (req) => {
            const { accountId } = principalOf(req);
            const { params, meta } = await read(req);
            const set = await dop.submit(accountId, params, meta);
            return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
          },
        );
      }
    }

    // Kling 2.1 pro's wire shape, rendered by opensoul's own video engine (never Kling itself).
    const readKling: DopRead = async (req) => {
      const k = readKlingI2V(req.body);
      const totalPriceMilli = ctx.prices.milli('kling.i2v.5s') * ((k.dop.durationS ?? 5) / 5);
      return {
        params: k.dop,
        meta: {
          model: KLING_MODEL,
          dialect: 'higgsfield',
          webhook: await v2Webhook(req, ctx),
          totalPriceMilli,
          inputParams: klingInputParams(k),
        },
      };
    };
    app.post(
      `/${KLING_MODEL}`,
      {
        config: { ...hf, idempotent: true, quote: quoter(readKling) },
        schema: {
          tags: ['higgsfield v2'],
          summary:
            "Image-to-video in Kling 2.1 pro's request shape, rendered by opensoul's DoP engine (camera words in the prompt pick the motions)",
          querystring: V2_WEBHOOK_QUERY,
          body: objectSchema(KLING_FIELDS, {
            example: { prompt: 'slow dolly in', image_url: 'https://example.com/portrait.jpg', duration: 5 },
          }),
          response: { 200: v2QueuedSchema },
        },
      },
      async (req) => {
        const { accountId } = principalOf(req);
        const { params, meta } = await readKling(req);
        const set = await dop.submit(accountId, params, meta);
        return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
      },
    );

    app.get(
      '/v1/motions',
      {
        config: hf,
        schema: {
          tags: ['higgsfield v1'],
          summary: 'List DoP camera motions',
          response: {
            200: {
              type: 'array',
              items: closed({
                id: { type: 'string' },
                name: { type: 'string' },
                description: { type: 'string' },
                preview_url: { type: 'string', format: 'uri' },
                start_end_frame: { type: 'boolean' },
              }),
            },
          },
        },
      },
      async () =>
        MOTIONS.map((m) => ({
          id: m.id,
          name: m.name,
          description: m.description,
          preview_url: `${ctx.baseUrl()}/v1/motions/${m.id}/preview`,
          start_end_frame: m.startEndFrame,
        })),
    );

    const cache = new Map<string, Promise<Buffer>>();
    app.get<{ Params: { id: string } }>(
      '/v1/motions/:id/preview',
      {
        schema: {
          tags: ['higgsfield v1'],
          summary: 'Preview clip of a motion (rendered on first request, then cached)',
          response: { 200: binary('video/mp4', 'MP4 clip') },
        },
      },
      async (req, reply) => {
        const m = findMotion(req.params.id);
        if (!m) throw new DomainError('not_found', 'Motion not found');
        let clip = cache.get(m.id);
        if (!clip) {
          clip = preview(m.id);
          cache.set(m.id, clip);
          clip.catch(() => cache.delete(m.id));
        }
        return reply
          .type('video/mp4')
          .header('cache-control', 'public, max-age=86400')
          .send(await clip);
      },
    );
  };
}
