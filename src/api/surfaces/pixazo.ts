/**
 * Pixazo gateway dialect (api-contracts.md §4, seed 001): `Ocp-Apim-Subscription-Key`,
 * generateSoul answering the Higgsfield job set (as `job_set_id`), getGenerationResults by body,
 * `{"error"}` bodies, prices from Pixazo's quality x batch table.
 * Shapes marked UNCONFIRMED in docs/dialects.md are our choices.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Surface } from '../../app.js';
import type { AppContext } from '../../context.js';
import { DomainError, type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader } from '../../domain/fields.js';
import { SOUL_STYLES } from '../../domain/styles.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';
import { principalOf } from '../auth.js';
import type { ErrorRenderer } from '../errors.js';
import { retryAfter } from '../errors.js';
import { renderV1JobSet } from './higgsfield-render.js';
import { checkWebhookUrl } from '../webhook-url.js';
import { type SoulRead, soulQuoter } from '../quote.js';
import { type DialectSoulSpec, errorMessage, keyHeaderCredentials, readDialectSoul, registerDialect, requireField, statusOf } from './reseller-common.js';

const DIALECT = 'pixazo';
const px = { auth: DIALECT, dialect: DIALECT } as const;
const MODEL = 'soul';
const MAX_URL = 2083;

export const renderPixazoError: ErrorRenderer = (err) => {
  const status = err instanceof ValidationError ? 400 : statusOf(err.code, { insufficient_credits: 402, concurrency_limit: 429 });
  return { status, body: { error: errorMessage(err) }, headers: err instanceof DomainError ? retryAfter(err) : undefined };
};

/** Built per request: an issue on the style goes back to whichever of its two names was sent. */
function soulSpec(body: unknown): DialectSoulSpec {
  const styleName = body && typeof body === 'object' && 'soul_style_id' in body ? 'soul_style_id' : 'style_id';
  return {
    pass: ['prompt', 'width_and_height', 'enhance_prompt', 'style_strength', 'quality', 'seed', 'custom_reference_id', 'custom_reference_strength', 'batch_size'],
    issueLocs: [
      [['image_reference', 'image_url'], ['image_reference_image_url']],
      [['image_reference', 'type'], ['image_reference_type']],
      [['image_reference'], ['image_reference_image_url']],
      [['style_id'], [styleName]],
    ],
    own: {
      names: ['style_id', 'soul_style_id', 'image_reference_type', 'image_reference_image_url', 'webhook_url', 'webhook_secret'],
      read(r) {
        requireField(r, 'width_and_height', body);
        // The published example says soul_style_id, the parameter table style_id: both are read.
        const a = r.uuid('style_id');
        const b = r.uuid('soul_style_id');
        if (a && b && a !== b) r.fail('soul_style_id', 'Value error, style_id and soul_style_id name different styles', b);

        const type = r.literal('image_reference_type', ['image_url'] as const);
        let url = r.url('image_reference_image_url');
        if (url && url.length > MAX_URL) {
          r.issues.push({ type: 'string_too_long', loc: [...r.location, 'image_reference_image_url'], msg: `String should have at most ${MAX_URL} characters`, input: url, ctx: { max_length: MAX_URL } });
          url = undefined;
        }
        if (r.has('image_reference_type') && !r.has('image_reference_image_url')) requireField(r, 'image_reference_image_url', body);
        if (r.has('image_reference_image_url') && !r.has('image_reference_type')) requireField(r, 'image_reference_type', body);

        const webhookUrl = r.url('webhook_url');
        const webhookSecret = r.headerSecret('webhook_secret', { min: 1 });
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
    styles: SOUL_STYLES.map((st) => ({ id: st.id, name: st.name, description: st.description, preview_url: `${ctx.baseUrl()}/v1/text2image/soul-styles/${st.id}/preview` })),
  };
}

export function pixazoSurface(): Surface {
  return (app: FastifyInstance, ctx: AppContext) => {
    registerDialect(DIALECT, keyHeaderCredentials('ocp-apim-subscription-key'), renderPixazoError, ['/ai-model-api/', '/ai-model-api-polling/']);
    const tags = ['pixazo'];

    /** Body, webhook and Pixazo's quality x batch price per request: what submit and quote both run. */
    const read: SoulRead = async (req) => {
      const { params, extras } = readDialectSoul(req.body, soulSpec(req.body));
      const hook = extras.webhook as { url: string; secret: string } | null;
      const webhook = hook ? { url: await checkWebhookUrl(ctx, hook.url, 'webhook_url'), secret: hook.secret, dialect: DIALECT } : null;
      const price = ctx.prices.milli(`pixazo.soul.${params.quality}.${params.batchSize}`);
      return { params, meta: { model: MODEL, dialect: DIALECT, webhook, totalPriceMilli: price } };
    };
    app.post('/ai-model-api/v1/generateSoul', { config: { ...px, idempotent: true, quote: soulQuoter(ctx, 'usd', read) }, schema: { tags, summary: 'Submit Soul text-to-image (webhook_secret is required with webhook_url)' } }, async (req) => {
      const { accountId } = principalOf(req);
      const { params, meta } = await read(req);
      const set = await ctx.soul.submit(accountId, params, meta);
      return renderPixazoSubmit(set, ctx);
    });

    app.post('/ai-model-api-polling/getGenerationResults', { config: px, schema: { tags, summary: 'Read a job set by {job_set_id}' } }, async (req) => {
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
    });

    // Named in the generateSoul docs ("Use /getTextToImageGetSoulStyles"); both methods answer.
    for (const method of ['GET', 'POST'] as const) {
      app.route({ method, url: '/ai-model-api/v1/getTextToImageGetSoulStyles', config: px, schema: { tags, summary: 'List Soul styles ({success, styles[]})' }, handler: async () => renderPixazoStyles(ctx) });
    }

    for (const prefix of ['/ai-model-api/*', '/ai-model-api-polling/*']) {
      app.post(prefix, { config: { dialect: DIALECT } }, async () => {
        throw new DomainError('not_found', 'Endpoint not found');
      });
    }
  };
}
