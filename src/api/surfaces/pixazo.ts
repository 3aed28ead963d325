/**
 * Pixazo gateway dialect (api-contracts.md §4, seed 001): `Ocp-Apim-Subscription-Key`,
 * generateSoul answering the Higgsfield job set (as `job_set_id`), getGenerationResults by body,
 * `{"error"}` bodies, prices from Pixazo's quality x batch table.
 * Shapes marked UNCONFIRMED in docs/dialects.md are our choices.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { DomainError, type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader, type FieldSpec } from '../../domain/fields.js';
import { SOUL_FIELDS } from '../../domain/soul.js';
import { SOUL_STYLES } from '../../domain/styles.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';
import { principalOf } from '../auth.js';
import { keyHeaderCredentials } from '../credentials.js';
import type { Dialect, ErrorRenderer } from '../dialect.js';
import { retryAfter } from '../errors.js';
import { renderV1JobSet } from './higgsfield-render.js';
import { checkWebhookUrl } from '../webhook-url.js';
import { type SoulRead, soulQuoter } from '../quote.js';
import { closed, pixazoJobSetSchema, pixazoSubmitSchema, stylesSchema } from '../schemas.js';
import { type DialectSoulSpec, dialectSoulSchema, readDialectSoul, requireField } from './dialect-soul-reader.js';
import { errorMessage, statusOf } from './reseller-errors.js';

const DIALECT = 'pixazo';
const px = { auth: DIALECT, dialect: DIALECT } as const;
const MODEL = 'soul';
const MAX_URL = 2083;

export const renderPixazoError: ErrorRenderer = (err) => {
  const status = err instanceof ValidationError ? 400 : statusOf(err.code, { insufficient_credits: 402, concurrency_limit: 429 });
  return { status, body: { error: errorMessage(err) }, headers: err instanceof DomainError ? retryAfter(err) : undefined };
};

/** Pixazo's own fields; the rest are the domain's under the same names. */
const OWN_FIELDS = {
  style_id: { ...SOUL_FIELDS.style_id, description: 'A style of GET /v1/text2image/soul-styles (also accepted as soul_style_id)' },
  soul_style_id: { ...SOUL_FIELDS.style_id, description: 'Same as style_id' },
  image_reference_type: { kind: 'literal', values: ['image_url'] as const, description: 'Sent with image_reference_image_url' },
  image_reference_image_url: { kind: 'url', description: 'Image-to-image source', schema: { maxLength: MAX_URL } },
  webhook_url: { kind: 'url', description: 'Needs webhook_secret' },
  webhook_secret: { kind: 'headerSecret', min: 1, description: 'Sent back in the webhook request headers' },
} as const satisfies Record<string, FieldSpec>;

/** Built per request: an issue on the style goes back to whichever of its two names was sent. */
export function soulSpec(body: unknown): DialectSoulSpec {
  const styleName = body && typeof body === 'object' && 'soul_style_id' in body ? 'soul_style_id' : 'style_id';
  return {
    pass: [
      'prompt',
      'width_and_height',
      'enhance_prompt',
      'style_strength',
      'quality',
      'seed',
      'custom_reference_id',
      'custom_reference_strength',
      'batch_size',
    ],
    issueLocs: [
      [['image_reference', 'image_url'], ['image_reference_image_url']],
      [['image_reference', 'type'], ['image_reference_type']],
      [['image_reference'], ['image_reference_image_url']],
      [['style_id'], [styleName]],
    ],
    require: ['width_and_height'],
    own: {
      fields: OWN_FIELDS,
      read(r) {
        // The published example says soul_style_id, the parameter table style_id: both are read.
        const a = r.read('style_id', OWN_FIELDS.style_id);
        const b = r.read('soul_style_id', OWN_FIELDS.soul_style_id);
        if (a && b && a !== b) r.fail('soul_style_id', 'Value error, style_id and soul_style_id name different styles', b);

        const type = r.read('image_reference_type', OWN_FIELDS.image_reference_type);
        let url = r.read('image_reference_image_url', OWN_FIELDS.image_reference_image_url);
        if (url && url.length > MAX_URL) {
          r.issues.push({
            type: 'string_too_long',
            loc: [...r.location, 'image_reference_image_url'],
            msg: `String should have at most ${MAX_URL} characters`,
            input: url,
            ctx: { max_length: MAX_URL },
          });
          url = undefined;
        }
        if (r.has('image_reference_type') && !r.has('image_reference_image_url')) requireField(r, 'image_reference_image_url', body);
        if (r.has('image_reference_image_url') && !r.has('image_reference_type')) requireField(r, 'image_reference_type', body);

        const webhookUrl = r.read('webhook_url', OWN_FIELDS.webhook_url);
        const webhookSecret = r.read('webhook_secret', OWN_FIELDS.webhook_secret);
        if (r.has('webhook_url')) requireField(r, 'webhook_secret', body);
        return {
          fields: { style_id: b ?? a, image_reference: url && type ? { type, image_url: url } : undefined },
          extras: { webhook: webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : null },
        };
      },
    },
  };
}

/** A stable id for an input image (the same URL always gets the same id), shaped as a UUID. */
function mediaInputId(url: string): string {
  const h = createHash('sha256').update(url).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The Higgsfield job set as Pixazo answers it: `success: true` (every Pixazo 200 carries it,
 * seed 001) and the image reference echoed as a media input `{id, type: "media_input", url}`.
 */
export function renderPixazoJobSet(set: StoredJobSet, ctx: AppContext) {
  const rendered = renderV1JobSet(set, ctx.media);
  const params = { ...rendered.input_params } as Record<string, unknown>;
  const ref = params.image_reference as { image_url?: string } | null | undefined;
  if (ref?.image_url) params.image_reference = { id: mediaInputId(ref.image_url), type: 'media_input', url: ref.image_url };
  return { success: true, ...rendered, input_params: params };
}

/** generateSoul's answer: the job set with its id as `job_set_id`, last, as the seed shows. */
export function renderPixazoSubmit(set: StoredJobSet, ctx: AppContext) {
  const { id, ...rest } = renderPixazoJobSet(set, ctx);
  return { ...rest, job_set_id: id };
}

/** The Soul styles in the Higgsfield list shape, inside Pixazo's success envelope. */
export function renderPixazoStyles(ctx: AppContext) {
  return {
    success: true,
    styles: SOUL_STYLES.map((st) => ({
      id: st.id,
      name: st.name,
      description: st.description,
      preview_url: `${ctx.baseUrl()}/v1/text2image/soul-styles/${st.id}/preview`,
    })),
  };
}

/** The Pixazo dialect: its routes, `Ocp-Apim-Subscription-Key` keys, error shape and webhooks. */
export function pixazoDialect(): Dialect {
  return {
    name: DIALECT,
    credentials: keyHeaderCredentials('ocp-apim-subscription-key'),
    renderError: renderPixazoError,
    pathPrefixes: ['/ai-model-api/', '/ai-model-api-polling/'],
    // Pixazo callbacks carry the Higgsfield job set, with webhook_secret as X-Webhook-Secret-Key.
    webhooks: (ctx) => ({ [DIALECT]: (set) => ({ body: renderPixazoJobSet(set, ctx) }) }),
    routes: (app: FastifyInstance, ctx: AppContext) => {
      const tags = ['pixazo'];

      /** Body, webhook and Pixazo's quality x batch price per request: what submit and quote both run. */
      const read: SoulRead = async (req) => {
        const { params, extras } = readDialectSoul(req.body, soulSpec(req.body));
        const hook = extras.webhook as { url: string; secret: string } | null;
        const webhook = hook ? { url: await checkWebhookUrl(ctx, hook.url, 'webhook_url'), secret: hook.secret, dialect: DIALECT } : null;
        const price = ctx.prices.milli(`pixazo.soul.${params.quality}.${params.batchSize}`);
        return { params, meta: { model: MODEL, dialect: DIALECT, webhook, totalPriceMilli: price } };
      };
      app.post(
        '/ai-model-api/v1/generateSoul',
        {
          config: { ...px, idempotent: true, quote: soulQuoter(ctx, 'usd', read) },
          schema: {
            tags,
            summary: 'Submit Soul text-to-image (webhook_secret is required with webhook_url)',
            body: {
              ...dialectSoulSchema(soulSpec({})),
              example: { prompt: 'a portrait in soft window light', width_and_height: '1536x2048', quality: '720p', batch_size: 1 },
            },
            response: { 200: pixazoSubmitSchema },
          },
        },
        async (req) => {
          const { accountId } = principalOf(req);
          const { params, meta } = await read(req);
          const set = await ctx.soul.submit(accountId, params, meta);
          return renderPixazoSubmit(set, ctx);
        },
      );

      app.post(
        '/ai-model-api-polling/getGenerationResults',
        {
          config: px,
          schema: {
            tags,
            summary: 'Read a job set by {job_set_id}',
            body: closed({ job_set_id: { type: 'string', format: 'uuid' } }, undefined, {
              example: { job_set_id: '00000000-0000-4000-8000-000000000000' },
            }),
            response: { 200: pixazoJobSetSchema },
          },
        },
        async (req) => {
          const { accountId } = principalOf(req);
          const issues: FieldIssue[] = [];
          const r = FieldReader.object(req.body ?? null, ['body'], issues);
          if (!r) throw new ValidationError(issues);
          const id = r.uuid('job_set_id');
          if (!r.has('job_set_id')) requireField(r, 'job_set_id', req.body);
          r.forbidExtra();
          r.throwIfInvalid();
          const set = await ctx.generation.get(id!, accountId);
          if (!set) throw new DomainError('not_found', 'Job set not found');
          return renderPixazoJobSet(set, ctx);
        },
      );

      // Named in the generateSoul docs ("Use /getTextToImageGetSoulStyles"); both methods answer.
      for (const method of ['GET', 'POST'] as const) {
        app.route({
          method,
          url: '/ai-model-api/v1/getTextToImageGetSoulStyles',
          config: px,
          schema: {
            tags,
            summary: 'List Soul styles ({success, styles[]})',
            response: { 200: closed({ success: { type: 'boolean', enum: [true] }, styles: stylesSchema }) },
          },
          handler: async () => renderPixazoStyles(ctx),
        });
      }

      for (const prefix of ['/ai-model-api/*', '/ai-model-api-polling/*']) {
        app.post(
          prefix,
          { config: { dialect: DIALECT }, schema: { tags, summary: 'Any other endpoint: 404 in this dialect', response: {} } },
          async () => {
            throw new DomainError('not_found', 'Endpoint not found');
          },
        );
      }
    },
  };
}
