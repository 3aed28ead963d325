import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { POPCORN_V1_FIELDS, POPCORN_V2_FIELDS, type PopcornParams, readPopcornV1, readPopcornV2 } from '../../domain/popcorn.js';
import { objectSchema } from '../../domain/fields.js';
import { v1JobSetSchema, v2QueuedSchema } from '../schemas.js';
import type { PopcornSubmitMeta } from '../../services/popcorn-service.js';
import type { Quoter, SubmitRequest } from '../quote.js';
import { principalOf } from '../auth.js';
import { renderV1JobSet, v2Urls } from './higgsfield-render.js';
import { readV1Submit, v1EnvelopeSchema } from './higgsfield-v1.js';
import { V2_WEBHOOK_QUERY, v2Webhook } from './higgsfield-v2.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;
type PopcornRead = (req: SubmitRequest) => Promise<{ params: PopcornParams; meta: PopcornSubmitMeta }>;
export const POPCORN_MODEL = 'higgsfield-ai/popcorn/auto';

/** Popcorn auto, v2 and its legacy v1 form: one consistent image set per request. */
export function popcornRoutes(app: FastifyInstance, ctx: AppContext) {
  const { popcorn } = ctx;
  /** The quote runs the route's reader and PopcornService.plan, as its submit does. */
  const quoter = (read: PopcornRead): Quoter => ({
    currency: 'credits',
    plan: async (req) => {
      const { params, meta } = await read(req);
      return popcorn.plan(params, meta);
    },
  });

  const readV2: PopcornRead = async (req) => ({
    params: readPopcornV2(req.body),
    meta: { model: POPCORN_MODEL, dialect: 'higgsfield', webhook: await v2Webhook(req, ctx) },
  });
  app.post(
    `/${POPCORN_MODEL}`,
    {
      config: { ...hf, idempotent: true, quote: quoter(readV2) },
      schema: {
        tags: ['higgsfield v2'],
        summary: 'Popcorn auto: 1-8 consistent images from a prompt and up to 8 references',
        querystring: V2_WEBHOOK_QUERY,
        body: objectSchema(POPCORN_V2_FIELDS, { example: { prompt: 'the same fox in four seasons', num_images: 4, aspect_ratio: '4:3' } }),
        response: { 200: v2QueuedSchema },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const { params, meta } = await readV2(req);
      const set = await popcorn.submit(accountId, params, meta);
      return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
    },
  );

  const readV1: PopcornRead = async (req) => {
    const { params, webhook } = await readV1Submit(req.body, ctx, (raw) => readPopcornV1(raw, ['body', 'params']));
    return { params, meta: { model: 'popcorn', dialect: 'higgsfield', webhook } };
  };
  app.post(
    '/v1/text2image/keyframes',
    {
      config: { ...hf, idempotent: true, quote: quoter(readV1) },
      schema: {
        tags: ['higgsfield v1'],
        summary: 'Popcorn keyframes (legacy v1 form of popcorn/auto): {params, webhook?}',
        body: v1EnvelopeSchema(objectSchema(POPCORN_V1_FIELDS), { prompt: 'the same fox in four seasons', count: 4 }),
        response: { 200: v1JobSetSchema },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const { params, meta } = await readV1(req);
      return renderV1JobSet(await popcorn.submit(accountId, params, meta), ctx.media);
    },
  );
}
