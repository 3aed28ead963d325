/**
 * WaveSpeedAI v3 dialect (api-contracts.md §2, seed 000): Soul image-to-image and text-to-image,
 * predictions in the `{code, message, data}` envelope, sync mode, uploads, balance and
 * `v3,<hex>`-signed webhooks. Shapes marked UNCONFIRMED in docs/dialects.md are our choices.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { isFlagged } from '../../domain/moderation.js';
import type { Dialect } from '../dialect.js';
import type { AppContext } from '../../context.js';
import { DomainError, type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader, type FieldSpec, type JsonSchema, objectSchema } from '../../domain/fields.js';
import { closed } from '../schemas.js';
import { type JobStatus, isTerminal } from '../../domain/job.js';
import { SOUL_SIZES, type SoulSize } from '../../domain/sizes.js';
import { DEFAULT_IMAGE_STRENGTH, SOUL_FIELDS } from '../../domain/soul.js';
import { SOUL_STYLES, findStyle, findStyleByName } from '../../domain/styles.js';
import { UPLOAD_TYPES } from '../../services/media.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';
import { principalOf } from '../auth.js';
import type { ErrorRenderer } from '../dialect.js';
import { retryAfter } from '../errors.js';
import { checkWebhookUrl } from '../webhook-url.js';
import type { SubmitRequest } from '../quote.js';
import { soulQuoter } from '../quote.js';
import { headerValue, presentKey } from '../credentials.js';
import type { CredentialExtractor } from '../dialect.js';
import { type DialectSoulSpec, dialectSoulSchema, readDialectSoul } from './dialect-soul-reader.js';
import { errorMessage, statusOf } from './reseller-errors.js';
import { completedJobs, milliToUsd, setError, setStatus, setTimings } from './reseller-sets.js';
import { SetWaiter, clientGone } from './set-waiter.js';

const DIALECT = 'wavespeed';
const ws = { auth: DIALECT, dialect: DIALECT } as const;

/** `Authorization: Bearer <key>`. */
const bearerKeyCredentials: CredentialExtractor = (req) => {
  const m = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization') ?? '');
  return m ? presentKey(m[1]) : null;
};

/** Model ids under /api/v3/; the long image-to-image id is how WaveSpeed's catalogue lists it. */
const MODELS: Record<string, { image: boolean }> = {
  'higgsfield/soul/image-to-image': { image: true },
  'higgsfield/soul/text-to-image': { image: false },
  'higgsfield/higgsfield-soul-image-to-image': { image: true },
};

const QUALITY = { medium: '720p', high: '1080p' } as const;
const STATUS: Record<JobStatus, string> = {
  queued: 'created',
  waiting: 'created',
  in_progress: 'processing',
  completed: 'completed',
  failed: 'failed',
  nsfw: 'failed',
  canceled: 'failed',
};
const SYNC_TIMEOUT_CODE = 5004;
/** The server-side hold of `enable_sync_mode` (WaveSpeed documents ~90 s). */
export const DEFAULT_SYNC_WAIT_MS = 90_000;

export const renderWaveSpeedError: ErrorRenderer = (err) => {
  const status = err instanceof ValidationError ? 400 : statusOf(err.code, { insufficient_credits: 402, concurrency_limit: 429 });
  const body: Record<string, unknown> = {
    code: status,
    message: errorMessage(err),
    error_code: err instanceof ValidationError ? 'invalid_parameters' : err.code,
    data: null,
  };
  if (err instanceof ValidationError) body.details = err.issues;
  return { status, body, headers: err instanceof DomainError ? retryAfter(err) : undefined };
};

const envelope = (data: unknown) => ({ code: 200, message: 'success', data });

/** WaveSpeed sizes are `W*H`; the listed Soul sizes only. */
function readSize(r: FieldReader): SoulSize | undefined {
  const v = r.read('size', OWN_FIELDS.size);
  if (v === undefined) return undefined;
  const s = v.trim().replace('*', 'x') as SoulSize;
  if (SOUL_SIZES.includes(s)) return s;
  const list = SOUL_SIZES.map((x) => `'${x.replace('x', '*')}'`);
  const expected = `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
  r.issues.push({ type: 'literal_error', loc: [...r.location, 'size'], msg: `Input should be ${expected}`, input: v, ctx: { expected } });
  return undefined;
}

/** `style` is a style name as WaveSpeed's form lists them ("Creatures"), or a style id. */
function readStyle(r: FieldReader): string | undefined {
  const v = r.read('style', OWN_FIELDS.style);
  if (v === undefined || v.trim() === '') return undefined;
  if (/^[0-9a-f-]{36}$/i.test(v.trim())) return v.trim();
  const style = findStyleByName(v);
  if (!style) r.fail('style', `Value error, unknown style '${v}' (GET /v1/text2image/soul-styles lists them)`, v);
  return style?.id;
}

/**
 * WaveSpeed's `strength` is fidelity: "how closely the result follows the source image" (seed
 * 000). The engine's img2img strength is the opposite, how much noise replaces it. Fidelity 1
 * keeps a light restyle (0.2 denoise) rather than a copy; 0.5 lands on Soul's default 0.6.
 */
const MIN_DENOISE = 0.2;
export const denoiseOfFidelity = (fidelity: number) => round6(1 - (1 - MIN_DENOISE) * fidelity);
export const fidelityOfDenoise = (denoise: number) => round6((1 - denoise) / (1 - MIN_DENOISE));
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** WaveSpeed's own Soul fields (prompt, aspect_ratio and soul_id are the domain's). */
const OWN_FIELDS = {
  quality: { kind: 'literal', values: ['medium', 'high'] as const, default: 'medium', description: 'medium = 720p, high = 1080p' },
  size: {
    kind: 'string',
    description: 'W*H, one of the listed Soul sizes',
    schema: { enum: SOUL_SIZES.map((x) => x.replace('x', '*')) },
    example: '1536*2048',
  },
  seed: { kind: 'number', int: true, description: '0 or -1: random', schema: { minimum: -1, maximum: SOUL_FIELDS.seed.max } },
  style: {
    kind: 'string',
    description: 'A style name (as GET /v1/text2image/soul-styles lists them) or a style id',
    example: SOUL_STYLES[0]?.name,
  },
  enable_sync_mode: { kind: 'boolean', default: false, description: 'Hold the answer until the prediction ends (at most about 90 s)' },
  webhook_url: { kind: 'url', description: 'Same as ?webhook=' },
} as const satisfies Record<string, FieldSpec>;
const IMAGE_FIELDS = {
  image: { kind: 'url', required: true, description: 'Source image' },
  strength: {
    kind: 'number',
    min: 0,
    max: 1,
    description: 'Fidelity: how closely the result follows the source image',
    default: fidelityOfDenoise(DEFAULT_IMAGE_STRENGTH),
  },
} as const satisfies Record<string, FieldSpec>;

export function soulSpec(image: boolean): DialectSoulSpec {
  return {
    pass: ['prompt', 'aspect_ratio'],
    rename: { soul_id: 'custom_reference_id' },
    v2Aliases: true,
    issueLocs: [
      [['image_reference', 'image_url'], ['image']],
      [['image_reference'], ['image']],
      [['width_and_height'], ['size']],
      [['style_id'], ['style']],
    ],
    own: {
      fields: { ...OWN_FIELDS, ...(image ? IMAGE_FIELDS : {}) },
      read(r) {
        const fields: Record<string, unknown> = {};
        const patch: { imageStrength?: number } = {};
        if (image) {
          const url = r.read('image', IMAGE_FIELDS.image);
          if (url) fields.image_reference = { type: 'image_url', image_url: url };
          const strength = r.read('strength', IMAGE_FIELDS.strength);
          if (strength !== undefined) patch.imageStrength = denoiseOfFidelity(strength);
        }
        fields.quality = QUALITY[r.read('quality', OWN_FIELDS.quality) ?? OWN_FIELDS.quality.default];
        fields.width_and_height = readSize(r);
        // A size the client names is the size it gets; quality then changes the price only.
        const namedSize = fields.width_and_height !== undefined;
        fields.style_id = readStyle(r);
        // WaveSpeed forms send 0 or -1 for "random"; other seeds go to the domain's range check.
        const seed = r.read('seed', OWN_FIELDS.seed);
        if (seed !== undefined && seed > 0) fields.seed = seed;
        const sync = r.read('enable_sync_mode', OWN_FIELDS.enable_sync_mode) ?? OWN_FIELDS.enable_sync_mode.default;
        const webhookUrl = r.read('webhook_url', OWN_FIELDS.webhook_url);
        return { fields, patch, extras: { sync, webhookUrl, namedSize } };
      },
    },
  };
}

/** The fields of a Soul request's domain echo (`input_params`) that WaveSpeed's `input` repeats. */
interface SoulEcho {
  prompt?: string;
  width?: number;
  height?: number;
  quality?: string;
  seed?: number;
  style_id?: unknown;
  custom_reference?: string;
  image_reference?: { image_url?: string };
}

/** The request as WaveSpeed's own fields, rebuilt from the domain echo (webhook `input`). */
function waveSpeedInput(set: StoredJobSet): Record<string, unknown> {
  const p = set.inputParams as SoulEcho;
  const first = set.jobs[0]?.input as Record<string, unknown> | undefined;
  const imageUrl = p.image_reference?.image_url;
  const style = typeof p.style_id === 'string' ? findStyle(p.style_id) : undefined;
  return {
    prompt: p.prompt,
    ...(imageUrl
      ? { image: imageUrl, strength: typeof first?.imageStrength === 'number' ? fidelityOfDenoise(first.imageStrength) : undefined }
      : {}),
    ...(p.custom_reference ? { soul_id: p.custom_reference } : {}),
    size: `${p.width}*${p.height}`,
    quality: p.quality === '720p' ? 'medium' : 'high',
    ...(style ? { style: style.name } : {}),
    seed: p.seed,
  };
}

export function renderPrediction(set: StoredJobSet, ctx: AppContext, opts: { input?: boolean } = {}) {
  const status = STATUS[setStatus(set)];
  const done = status === 'completed' ? completedJobs(set) : [];
  const outputs = done.map((j) => ctx.media.url(j.results!.raw.key));
  const t = setTimings(set);
  return {
    id: set.id,
    model: set.model,
    ...(opts.input ? { input: waveSpeedInput(set) } : {}),
    outputs,
    urls: { get: `${ctx.baseUrl()}/api/v3/predictions/${set.id}/result` },
    // Withheld (nsfw) images produce no output; outputs kept under the flag policy are marked.
    has_nsfw_contents: done.map((j) => isFlagged(j.extras)),
    status,
    created_at: set.createdAt,
    error: status === 'failed' ? setError(set) : '',
    timings: t ? { inference: t.inferenceMs } : {},
  };
}

const uri = { type: 'string', format: 'uri' };
/** `{code, message, data}` around a data schema. */
const envelopeSchema = (data: JsonSchema) => closed({ code: { type: 'integer', enum: [200] }, message: { type: 'string' }, data });
const PREDICTION_SCHEMA = closed(
  {
    id: { type: 'string', format: 'uuid' },
    model: { type: 'string' },
    input: { type: 'object', description: 'The request in WaveSpeed fields (webhooks only)' },
    outputs: { type: 'array', items: uri },
    urls: closed({ get: uri }),
    has_nsfw_contents: { type: 'array', items: { type: 'boolean' } },
    status: { type: 'string', enum: [...new Set([...Object.values(STATUS), 'processing'])] },
    created_at: { type: 'string' },
    error: { type: 'string' },
    timings: { type: 'object', properties: { inference: { type: 'number' } }, additionalProperties: false },
    code: { type: 'integer', enum: [SYNC_TIMEOUT_CODE], description: 'Sync mode timed out; the prediction goes on' },
  },
  ['id', 'model', 'outputs', 'urls', 'has_nsfw_contents', 'status', 'created_at', 'error', 'timings'],
);
const UPLOAD_FIELDS = {
  filename: { kind: 'string', required: true, min: 1, max: 255, example: 'photo.jpg' },
  size: { kind: 'number', required: true, int: true, min: 1, description: 'Bytes; the PUT may not send more' },
  content_type: { kind: 'string', description: 'Default: from the file name extension', schema: { enum: [...UPLOAD_TYPES] } },
} as const satisfies Record<string, FieldSpec>;
const UPLOADED = { type: { type: 'string', enum: ['image'] }, download_url: uri, filename: { type: 'string' }, size: { type: 'integer' } };

const EXT_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' };

/**
 * What went wrong reading a multipart body, as a domain error: the parser's own failures (no
 * boundary, a part cut short, too many parts) are the client's malformed request, not ours.
 */
function multipartError(e: unknown, maxBytes: number): DomainError {
  if (e instanceof DomainError) return e;
  const { code, message } = e as { code?: string; message?: string };
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new DomainError('payload_too_large', `Upload failed: files are limited to ${maxBytes} bytes`);
  return new DomainError('bad_input', `Upload failed: the multipart/form-data body is malformed (${message ?? 'unreadable'})`);
}

/** The WaveSpeed dialect: its routes, `Authorization: Bearer` keys, error envelope and signed webhooks. */
export function waveSpeedDialect(opts: { syncWaitMs?: number } = {}): Dialect {
  const syncWaitMs = opts.syncWaitMs ?? DEFAULT_SYNC_WAIT_MS;
  return {
    name: DIALECT,
    credentials: bearerKeyCredentials,
    renderError: renderWaveSpeedError,
    pathPrefixes: ['/api/v3/'],
    webhooks: (ctx) => ({ [DIALECT]: (set) => ({ body: renderPrediction(set, ctx, { input: true }), signing: 'wavespeed' }) }),
    routes: (app: FastifyInstance, ctx: AppContext) => {
      const waiter = new SetWaiter(ctx);
      const tags = ['wavespeed'];

      for (const [model, { image }] of Object.entries(MODELS)) {
        /** The body read, the webhook checked and the request priced from WaveSpeed's table: submit and quote. */
        const read = async (req: SubmitRequest) => {
          const { params, extras } = readDialectSoul(req.body, soulSpec(image));
          const hook = (req.query as { webhook?: string }).webhook || (extras.webhookUrl as string | undefined);
          const webhook = hook ? { url: await checkWebhookUrl(ctx, hook, 'webhook'), dialect: DIALECT } : null;
          const price = ctx.prices.milli(params.quality === '720p' ? 'wavespeed.soul.medium' : 'wavespeed.soul.high');
          return {
            params,
            sync: extras.sync === true,
            meta: { model, dialect: DIALECT, webhook, totalPriceMilli: price * params.batchSize, exactSize: extras.namedSize === true },
          };
        };
        app.post<{ Querystring: { webhook?: string } }>(
          `/api/v3/${model}`,
          {
            config: { ...ws, idempotent: true, quote: soulQuoter(ctx, 'usd', read) },
            schema: {
              tags,
              summary: `Submit ${model} (enable_sync_mode holds the answer until the end, ?webhook= announces it)`,
              querystring: {
                type: 'object',
                properties: { webhook: { type: 'string', format: 'uri', description: 'Receives the prediction when it ends' } },
              },
              body: {
                ...dialectSoulSchema(soulSpec(image)),
                example: {
                  prompt: 'a portrait in soft window light',
                  size: '1536*2048',
                  quality: 'medium',
                  ...(image ? { image: 'https://example.com/portrait.jpg', strength: 0.5 } : {}),
                },
              },
              response: { 200: envelopeSchema(PREDICTION_SCHEMA) },
            },
          },
          async (req, reply) => {
            const { accountId } = principalOf(req);
            const { params, sync, meta } = await read(req);
            const set = await ctx.soul.submit(accountId, params, meta);
            if (!sync) return envelope(renderPrediction(set, ctx));
            const end = (await waiter.wait(set.id, accountId, syncWaitMs, clientGone(reply))) ?? set;
            if (end.jobs.every((j) => isTerminal(j.status))) return envelope(renderPrediction(end, ctx));
            const seconds = Math.round(syncWaitMs / 100) / 10;
            // The documented timeout shape says processing: the prediction goes on without the caller.
            return envelope({
              ...renderPrediction(end, ctx),
              status: 'processing',
              code: SYNC_TIMEOUT_CODE,
              error: `Sync mode timed out after ${seconds} seconds. The prediction is still processing asynchronously.`,
            });
          },
        );
      }

      const prediction = async (id: string, accountId: string) => {
        const set = await ctx.generation.get(id, accountId);
        if (!set) throw new DomainError('not_found', 'Prediction not found');
        return envelope(renderPrediction(set, ctx));
      };
      app.get<{ Params: { id: string } }>(
        '/api/v3/predictions/:id/result',
        { config: ws, schema: { tags, summary: 'Prediction result', response: { 200: envelopeSchema(PREDICTION_SCHEMA) } } },
        async (req) => prediction(req.params.id, principalOf(req).accountId),
      );
      app.get<{ Params: { id: string } }>(
        '/api/v3/predictions/:id',
        { config: ws, schema: { tags, summary: 'Prediction result (older path)', response: { 200: envelopeSchema(PREDICTION_SCHEMA) } } },
        async (req) => prediction(req.params.id, principalOf(req).accountId),
      );

      app.post(
        '/api/v3/media/uploads',
        {
          config: ws,
          schema: {
            tags,
            summary: 'Upload ticket: PUT the bytes to data.upload.url, then use data.download_url',
            body: objectSchema(UPLOAD_FIELDS, { example: { filename: 'photo.jpg', size: 123456 } }),
            response: {
              200: envelopeSchema(
                closed({
                  ...UPLOADED,
                  upload: closed({
                    method: { type: 'string', enum: ['PUT'] },
                    url: uri,
                    headers: closed({ 'Content-Type': { type: 'string' } }),
                  }),
                }),
              ),
            },
          },
        },
        async (req) => {
          const { accountId } = principalOf(req);
          const issues: FieldIssue[] = [];
          const r = FieldReader.object(req.body ?? null, ['body'], issues);
          if (!r) throw new ValidationError(issues);
          const filename = r.read('filename', UPLOAD_FIELDS.filename);
          const size = r.read('size', UPLOAD_FIELDS.size);
          const declared = r.read('content_type', UPLOAD_FIELDS.content_type);
          r.forbidExtra();
          r.throwIfInvalid();
          const contentType = declared ?? EXT_TYPES[filename!.split('.').pop()!.toLowerCase()];
          if (!contentType || !(UPLOAD_TYPES as readonly string[]).includes(contentType)) {
            throw new DomainError('bad_input', `Upload failed: invalid file type (accepted: ${UPLOAD_TYPES.join(', ')})`);
          }
          if (size! > ctx.config.uploadMaxBytes)
            throw new DomainError('payload_too_large', `Upload failed: files are limited to ${ctx.config.uploadMaxBytes} bytes`);
          // The declared size becomes the PUT's limit, so the ticket means what it says.
          const slot = await ctx.media.createUploadSlot(accountId, contentType, size!);
          return envelope({
            type: 'image',
            download_url: slot.public_url,
            filename,
            size,
            upload: { method: 'PUT', url: slot.upload_url, headers: { 'Content-Type': contentType } },
          });
        },
      );

      // Multipart parsing stays inside this scope: no other surface sees its content-type parser.
      app.register(async (scoped) => {
        await scoped.register(multipart, { limits: { fileSize: ctx.config.uploadMaxBytes, files: 1, fields: 10, parts: 11 } });
        scoped.post(
          '/api/v3/media/upload/binary',
          {
            config: ws,
            schema: {
              tags,
              summary: 'Legacy upload: multipart/form-data field "file"',
              body: {
                content: {
                  'multipart/form-data': {
                    schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
                  },
                },
              },
              response: { 200: envelopeSchema(closed(UPLOADED)) },
            },
          },
          async (req) => {
            const { accountId } = principalOf(req);
            if (!req.isMultipart())
              throw new DomainError('bad_input', "Upload failed: send the file as multipart/form-data in the field 'file'");
            let part: Awaited<ReturnType<typeof req.file>>;
            let bytes: Buffer;
            try {
              part = await req.file();
              if (!part || part.fieldname !== 'file')
                throw new DomainError('bad_input', "Upload failed: send the file as multipart/form-data in the field 'file'");
              bytes = await part.toBuffer();
            } catch (e) {
              throw multipartError(e, ctx.config.uploadMaxBytes);
            }
            const ref = await ctx.media.upload(accountId, bytes);
            return envelope({ type: 'image', download_url: ctx.media.url(ref.key), filename: part.filename, size: bytes.length });
          },
        );
      });

      app.get(
        '/api/v3/balance',
        {
          config: ws,
          schema: {
            tags,
            summary: 'Account balance in USD (credits at the documented rate)',
            response: { 200: envelopeSchema(closed({ balance: { type: 'number' } })) },
          },
        },
        async (req) => {
          const account = await ctx.accounts.get(principalOf(req).accountId);
          return envelope({ balance: milliToUsd(Number(account?.balance_milli ?? 0)) });
        },
      );

      app.get(
        '/api/v3/webhook/secret',
        {
          config: ws,
          schema: {
            tags,
            summary: 'Secret that signs webhooks (v3,<hex HMAC> over id.timestamp.body)',
            response: { 200: envelopeSchema(closed({ secret: { type: 'string' } })) },
          },
        },
        async (req) => {
          return envelope({ secret: (await ctx.accounts.webhookSecret(principalOf(req).accountId)) ?? undefined });
        },
      );

      // Any other model id answers in this dialect instead of the platform's default 404.
      app.post(
        '/api/v3/*',
        { config: { dialect: DIALECT }, schema: { tags, summary: 'Any other model id: 404 in this dialect', response: {} } },
        async (req) => {
          throw new DomainError('not_found', `Model not found: ${req.url.slice('/api/v3/'.length).split('?')[0]}`);
        },
      );
    },
  };
}
