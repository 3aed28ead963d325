import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { SOUL_FIELDS, SOUL_V2_ALIAS_FIELDS, readSoulParams } from '../../domain/soul.js';
import { objectSchema } from '../../domain/fields.js';
import { v2QueuedSchema, v2StatusSchema } from '../schemas.js';
import type { AppContext } from '../../context.js';
import { principalOf } from '../auth.js';
import { renderV2Status, v2Urls } from './higgsfield-render.js';
import type { WebhookTarget } from '../../store/repos/jobs.js';
import { checkWebhookUrl } from '../webhook-url.js';
import { type SoulRead, soulQuoter } from '../quote.js';
import { setEventStreams } from '../set-event-stream.js';
import { eventStreamSchema } from './job-sets.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;

/** `?hf_webhook=` is a user-supplied URL: refuse obviously internal targets at submit. */
export async function v2Webhook(req: Pick<FastifyRequest, 'query'>, ctx: AppContext): Promise<WebhookTarget | null> {
  const raw = (req.query as Record<string, string | undefined>).hf_webhook;
  if (!raw) return null;
  await checkWebhookUrl(ctx, raw, 'hf_webhook');
  return { url: raw, dialect: 'higgsfield-v2' };
}

/** `?hf_webhook=` of every v2 submit. */
export const V2_WEBHOOK_QUERY = {
  type: 'object',
  properties: { hf_webhook: { type: 'string', format: 'uri', description: 'Receives the request status when it ends' } },
};

/** The flat v2 Soul body: the domain fields plus the aspect_ratio / resolution spellings. */
export const V2_SOUL_BODY = objectSchema(
  { ...SOUL_FIELDS, ...SOUL_V2_ALIAS_FIELDS },
  { example: { prompt: 'a portrait in soft window light', aspect_ratio: '3:4', resolution: '720p' } },
);

const SOUL_MODELS = [
  'higgsfield-ai/soul/standard',
  'higgsfield-ai/soul/v2/standard',
  'higgsfield-ai/soul/cinema',
  'higgsfield-ai/soul/reference',
];

export function higgsfieldV2Routes(app: FastifyInstance, ctx: AppContext) {
  for (const model of SOUL_MODELS) {
    const read: SoulRead = async (req) => {
      const params = readSoulParams(req.body, ['body'], { v2Aliases: true });
      if (model.endsWith('/reference') && !params.imageReferenceUrl) {
        throw new DomainError('bad_input', 'higgsfield-ai/soul/reference needs image_reference {type: "image_url", image_url}');
      }
      return { params, meta: { model, dialect: 'higgsfield', webhook: await v2Webhook(req, ctx) } };
    };
    app.post(
      `/${model}`,
      {
        config: { ...hf, idempotent: true, quote: soulQuoter(ctx, 'credits', read) },
        schema: {
          tags: ['higgsfield v2'],
          summary: `Submit ${model}`,
          ...(model.endsWith('/reference') ? { description: 'image_reference is required on this path' } : {}),
          querystring: V2_WEBHOOK_QUERY,
          body: V2_SOUL_BODY,
          response: { 200: v2QueuedSchema },
        },
      },
      async (req, reply) => {
        const { accountId } = principalOf(req);
        const { params, meta } = await read(req);
        const set = await ctx.soul.submit(accountId, params, meta);
        reply.status(200);
        return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
      },
    );
  }

  app.get<{ Params: { id: string } }>(
    '/requests/:id/status',
    { config: hf, schema: { tags: ['higgsfield v2'], summary: 'Request status', response: { 200: v2StatusSchema } } },
    async (req) => {
      const { accountId } = principalOf(req);
      const set = await ctx.generation.getOrThrow(req.params.id, accountId);
      return renderV2Status(set, ctx.media, ctx.baseUrl());
    },
  );

  const stream = setEventStreams(app, ctx);
  app.get<{ Params: { id: string } }>(
    '/requests/:id/status/stream',
    {
      config: hf,
      schema: {
        tags: ['higgsfield v2'],
        summary: 'Request status as Server-Sent Events (fal-style): status, progress, done; Last-Event-ID resumes',
        ...eventStreamSchema('the body of GET /requests/{id}/status'),
      },
    },
    async (req, reply) => {
      const { accountId } = principalOf(req);
      await stream(req, reply, {
        setId: req.params.id,
        accountId,
        render: (set) => renderV2Status(set, ctx.media, ctx.baseUrl()),
        notFound: 'The request does not exist or belongs to another account',
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/requests/:id/cancel',
    {
      config: hf,
      schema: {
        tags: ['higgsfield v2'],
        summary: 'Cancel a request while every job is queued (202 empty), else 400',
        response: { 202: { description: 'Canceled; empty body' } },
      },
    },
    async (req, reply) => {
      const { accountId } = principalOf(req);
      const ok = await ctx.generation.cancelIfQueued(req.params.id, accountId);
      if (!ok) throw new DomainError('bad_input', 'Request can only be canceled while it is queued');
      return reply.status(202).send();
    },
  );
}
