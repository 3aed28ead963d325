import type { FastifyInstance } from 'fastify';
import { DomainError, type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader, type FieldSpec, type JsonSchema, objectSchema } from '../../domain/fields.js';
import { SOUL_FIELDS, readSoulParams } from '../../domain/soul.js';
import { SOUL_STYLES } from '../../domain/styles.js';
import type { AppContext } from '../../context.js';
import { fromMilli } from '../../domain/pricing.js';
import { principalOf } from '../auth.js';
import { checkWebhookUrl } from '../webhook-url.js';
import { renderV1JobSet } from './higgsfield-render.js';
import type { WebhookTarget } from '../../store/repos/jobs.js';
import { queryInts } from '../query-ints.js';
import { closed, stylesSchema, v1JobSetSchema } from '../schemas.js';
import { type SoulRead, soulQuoter } from '../quote.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;

/** `webhook` of a v1 envelope, as readV1Envelope reads it. */
const V1_WEBHOOK_FIELDS = {
  url: { kind: 'url', required: true, description: 'Receives the job set when it ends' },
  secret: { kind: 'headerSecret', description: 'Sent back as X-Webhook-Secret-Key' },
} as const satisfies Record<string, FieldSpec>;

/** JSON Schema of a v1 `{params, webhook?}` body around the given params schema. */
export function v1EnvelopeSchema(params: JsonSchema, example: Record<string, unknown>): JsonSchema {
  return objectSchema(
    { params: { kind: 'object', required: true, fields: {} } },
    { properties: { params, webhook: objectSchema(V1_WEBHOOK_FIELDS) }, example: { params: example } },
  );
}

/** The envelope, with the webhook URL checked like every dialect's (internal targets refused). */
export async function readV1Submit<P>(
  body: unknown,
  ctx: AppContext,
  readParams: (params: unknown) => P,
): Promise<{ params: P; webhook: WebhookTarget | null }> {
  const envelope = readV1Envelope(body, readParams);
  if (envelope.webhook) await checkWebhookUrl(ctx, envelope.webhook.url, 'webhook.url');
  return envelope;
}

/**
 * v1 bodies are `{params, webhook?}`; the webhook secret comes back as X-Webhook-Secret-Key.
 * Issues of the envelope and of `params` are reported together, as FastAPI validates the whole
 * model at once: an unknown top-level field does not hide what is wrong inside params.
 */
export function readV1Envelope<P>(body: unknown, readParams: (params: unknown) => P): { params: P; webhook: WebhookTarget | null } {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  let params: P | undefined;
  if (!r.has('params')) r.string('params', { required: true });
  else {
    try {
      params = readParams((body as Record<string, unknown>).params);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      r.issues.push(...e.issues);
    }
  }
  r.ignore('params');
  let webhook: WebhookTarget | null = null;
  const w = (body as Record<string, unknown>).webhook;
  r.ignore('webhook');
  if (w !== undefined && w !== null) {
    const wr = FieldReader.object(w, ['body', 'webhook'], r.issues);
    if (wr) {
      const url = wr.read('url', V1_WEBHOOK_FIELDS.url);
      const secret = wr.read('secret', V1_WEBHOOK_FIELDS.secret);
      wr.forbidExtra();
      r.issues.push(...wr.issues);
      if (url) webhook = { url, secret: secret ?? null, dialect: 'higgsfield-v1' };
    }
  }
  r.forbidExtra();
  r.throwIfInvalid();
  return { params: params as P, webhook };
}

const LEDGER_LIMIT = { def: 100, min: 1, max: 1000 };
const ACCOUNT_SCHEMA = closed({
  id: { type: 'string', format: 'uuid' },
  name: { type: 'string' },
  key_id: { type: 'string', format: 'uuid' },
  credits: { type: 'number' },
  in_flight_requests: { type: 'integer' },
  limits: closed({
    max_concurrent_requests: { type: 'integer' },
    requests_per_minute: { type: 'integer' },
    upload_max_bytes: { type: 'integer' },
    upload_max_pixels: { type: 'integer' },
  }),
  webhook_signing_secret: { type: 'string' },
});
const LEDGER_SCHEMA = closed({
  items: {
    type: 'array',
    items: closed({
      at: { type: 'string' },
      reason: { type: 'string' },
      credits: { type: 'number', description: 'Negative for a charge' },
      balance_after: { type: 'number' },
      job_set_id: { type: 'string', nullable: true },
      job_id: { type: 'string', nullable: true },
      note: { type: 'string', nullable: true },
    }),
  },
});

export function higgsfieldV1Routes(app: FastifyInstance, ctx: AppContext) {
  const readSoul: SoulRead = async (req) => {
    const { params, webhook } = await readV1Submit(req.body, ctx, (p) => readSoulParams(p, ['body', 'params']));
    return { params, meta: { model: 'soul', dialect: 'higgsfield', webhook } };
  };
  // `/soul` is the catalogue id the official docs use for this model; it is served as an alias.
  for (const [route, summary] of [
    ['/v1/text2image/soul', 'Submit a Soul text-to-image job set'],
    ['/soul', 'Alias of POST /v1/text2image/soul (the catalogue id "soul"; same body and answer)'],
  ]) {
    app.post(
      route,
      {
        config: { ...hf, idempotent: true, quote: soulQuoter(ctx, 'credits', readSoul) },
        schema: {
          tags: ['higgsfield v1'],
          summary,
          body: v1EnvelopeSchema(objectSchema(SOUL_FIELDS), {
            prompt: 'a portrait in soft window light',
            width_and_height: '1536x2048',
            quality: '720p',
            batch_size: 1,
          }),
          response: { 200: v1JobSetSchema },
        },
      },
      async (req) => {
        const { accountId } = principalOf(req);
        const { params, meta } = await readSoul(req);
        return renderV1JobSet(await ctx.soul.submit(accountId, params, meta), ctx.media);
      },
    );
  }

  app.get<{ Params: { id: string } }>(
    '/v1/job-sets/:id',
    { config: hf, schema: { tags: ['higgsfield v1'], summary: 'Read a job set', response: { 200: v1JobSetSchema } } },
    async (req) => {
      const { accountId } = principalOf(req);
      const set = await ctx.generation.get(req.params.id, accountId);
      if (!set) throw new DomainError('not_found', 'Job set not found');
      return renderV1JobSet(set, ctx.media);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/job-sets/:id/cancel',
    {
      config: hf,
      schema: {
        tags: ['opensoul'],
        summary: 'Cancel a job set (opensoul extension): queued jobs end now, running jobs at their next step',
        response: { 200: v1JobSetSchema },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const set = await ctx.generation.cancel(req.params.id, accountId);
      return renderV1JobSet(set, ctx.media);
    },
  );

  const styles = () =>
    SOUL_STYLES.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      preview_url: `${ctx.baseUrl()}/v1/text2image/soul-styles/${s.id}/preview`,
    }));
  app.get(
    '/v1/text2image/soul-styles',
    { config: hf, schema: { tags: ['higgsfield v1'], summary: 'List Soul styles', response: { 200: stylesSchema } } },
    async () => styles(),
  );
  app.get(
    '/v1/text2image/soul-styles/v2',
    { config: hf, schema: { tags: ['higgsfield v1'], summary: 'List Soul styles (v2 path, same shape)', response: { 200: stylesSchema } } },
    async () => styles(),
  );

  app.get(
    '/v1/account',
    {
      config: hf,
      schema: {
        tags: ['opensoul'],
        summary: 'Balance, in-flight requests and limits of the calling account',
        response: { 200: ACCOUNT_SCHEMA },
      },
    },
    async (req) => {
      const { accountId, keyId } = principalOf(req);
      const account = await ctx.accounts.get(accountId);
      const inFlight = await ctx.generation.inFlightCount(accountId);
      return {
        id: accountId,
        name: account?.name,
        key_id: keyId,
        credits: fromMilli(Number(account?.balance_milli ?? 0)),
        in_flight_requests: inFlight,
        limits: {
          max_concurrent_requests: ctx.config.maxInFlightPerAccount,
          requests_per_minute: ctx.config.rateLimitPerMinute,
          upload_max_bytes: ctx.config.uploadMaxBytes,
          upload_max_pixels: ctx.config.uploadMaxPixels,
        },
        webhook_signing_secret: (await ctx.accounts.webhookSecret(accountId)) ?? undefined,
      };
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/v1/account/ledger',
    {
      config: hf,
      schema: {
        tags: ['opensoul'],
        summary: 'Credit movements of the calling account, newest first (charges, refunds, grants)',
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: LEDGER_LIMIT.def } } },
        response: { 200: LEDGER_SCHEMA },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const { limit } = queryInts(req.query, { limit: LEDGER_LIMIT });
      const rows = await ctx.accounts.ledger(accountId, limit);
      return {
        items: rows.map((r) => ({
          at: r.created_at,
          reason: r.reason,
          credits: fromMilli(Number(r.delta_milli)),
          balance_after: fromMilli(Number(r.balance_after_milli)),
          job_set_id: r.job_set_id,
          job_id: r.job_id,
          note: r.note,
        })),
      };
    },
  );
}
