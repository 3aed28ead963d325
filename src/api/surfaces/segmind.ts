/**
 * Segmind v2 async dialect (api-contracts.md §3, seed 003): `x-api-key`, submit to the queue,
 * poll status and result, FAILED answered 422, requests readable for 1 hour, `{"error"}` bodies.
 * Shapes marked UNCONFIRMED in docs/dialects.md are our choices.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { DomainError, ValidationError } from '../../domain/errors.js';
import { type JobStatus, isTerminal } from '../../domain/job.js';
import type { FieldSpec } from '../../domain/fields.js';
import type { StoredJobSet } from '../../store/repos/jobs.js';
import { principalOf } from '../auth.js';
import { keyHeaderCredentials } from '../credentials.js';
import type { Dialect, ErrorRenderer } from '../dialect.js';
import { type DialectSoulSpec, dialectSoulSchema, readDialectSoul } from './dialect-soul-reader.js';
import { errorMessage, statusOf } from './reseller-errors.js';
import { chargedMilli, completedJobs, milliToUsd, setError, setStatus, setTimings } from './reseller-sets.js';
import { SetWaiter, clientGone } from './set-waiter.js';
import { type SoulRead, soulQuoter } from '../quote.js';
import { binary, closed } from '../schemas.js';

const uri = { type: 'string', format: 'uri' };
const METRICS = { inference_time: { type: 'number' }, queue_time: { type: 'number' }, total_time: { type: 'number' } };
const STATUS_SCHEMA = closed(
  {
    status: { type: 'string', enum: ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED'] },
    request_id: { type: 'string', format: 'uuid' },
    status_url: uri,
    response_url: uri,
    error: { type: 'string' },
    metrics: closed(METRICS, []),
  },
  ['status', 'request_id', 'metrics'],
);
const RESULT_SCHEMA = {
  oneOf: [
    closed({
      status: { type: 'string', enum: ['COMPLETED'] },
      request_id: { type: 'string', format: 'uuid' },
      output: { ...uri, nullable: true },
      images: {
        type: 'array',
        items: closed({
          url: uri,
          content_type: { type: 'string' },
          file_name: { type: 'string' },
          file_size: { type: 'integer', nullable: true },
        }),
      },
      metrics: closed({ cost: { type: 'number' }, remaining_credits: { type: 'number' }, ...METRICS }, ['cost', 'remaining_credits']),
    }),
    STATUS_SCHEMA,
  ],
};
const FAILED = { ...STATUS_SCHEMA, description: 'The request FAILED (its status body)' };

const DIALECT = 'segmind';
const sg = { auth: DIALECT, dialect: DIALECT } as const;
const SLUG = 'higgsfield-text2image-soul';

/** How long the v1 sync route holds a request before it gives up (and cancels it). */
export const DEFAULT_SEGMIND_SYNC_WAIT_MS = 120_000;

const STATUS: Record<JobStatus, string> = {
  queued: 'QUEUED',
  waiting: 'QUEUED',
  in_progress: 'PROCESSING',
  completed: 'COMPLETED',
  failed: 'FAILED',
  nsfw: 'FAILED',
  canceled: 'FAILED',
};

/** Segmind reports content (RAI) blocks as FAILED with a message, not as a status of their own. */
export const RAI_BLOCKED =
  'Blocked by the Responsible AI (RAI) content filter: the output was classified as NSFW and withheld. The request was not charged.';

export const renderSegmindError: ErrorRenderer = (err) => {
  // Segmind answers 406 both for missing credits and for a body type it cannot read.
  const wrongType = err instanceof DomainError && err.meta.unsupportedMediaType === true;
  const status =
    err instanceof ValidationError ? 400 : wrongType ? 406 : statusOf(err.code, { insufficient_credits: 406, concurrency_limit: 429 });
  const wait = err instanceof DomainError ? err.meta.retryAfterS : undefined;
  // Segmind announces the end of a rate limit as a UTC time, not Retry-After.
  const headers =
    typeof wait === 'number'
      ? { 'x-rate-limit-reset-at-utc': new Date(Date.now() + Math.max(1, Math.ceil(wait)) * 1000).toISOString() }
      : undefined;
  return { status, body: { error: errorMessage(err) }, headers };
};

const IMAGE_URL = { kind: 'url', description: 'Image-to-image source' } as const satisfies FieldSpec;

export const SOUL_SPEC: DialectSoulSpec = {
  pass: ['prompt', 'width_and_height', 'enhance_prompt', 'style_id', 'style_strength', 'quality', 'seed'],
  issueLocs: [
    [['image_reference', 'image_url'], ['image_url']],
    [['image_reference'], ['image_url']],
  ],
  own: {
    fields: { image_url: IMAGE_URL },
    read(r) {
      const url = r.read('image_url', IMAGE_URL);
      return { fields: { image_reference: url ? { type: 'image_url', image_url: url } : undefined } };
    },
  },
};

const urls = (base: string, id: string) => ({
  poll_url: `${base}/v1/requests/${id}`,
  status_url: `${base}/v2/requests/${id}/status`,
  response_url: `${base}/v2/requests/${id}`,
});

/** Seconds with millisecond precision, as Segmind's metrics read. */
const sec = (msValue: number) => Math.round(msValue) / 1000;

function timeMetrics(set: StoredJobSet): Record<string, number> {
  const t = setTimings(set);
  return t ? { inference_time: sec(t.inferenceMs), queue_time: sec(t.queueMs), total_time: sec(t.totalMs) } : {};
}

/** The light status body; FAILED is sent with HTTP 422 by the caller. */
export function renderSegmindStatus(set: StoredJobSet, base: string) {
  const status = STATUS[setStatus(set)];
  const running = status === 'QUEUED' || status === 'PROCESSING';
  const { status_url, response_url } = urls(base, set.id);
  return {
    status,
    request_id: set.id,
    ...(running ? { status_url, response_url } : {}),
    ...(status === 'FAILED' ? { error: setStatus(set) === 'nsfw' ? RAI_BLOCKED : setError(set) } : {}),
    metrics: timeMetrics(set),
  };
}

/** The full result: images with their files, cost and balance in USD. */
export async function renderSegmindResult(set: StoredJobSet, ctx: AppContext) {
  const status = STATUS[setStatus(set)];
  if (status !== 'COMPLETED') return renderSegmindStatus(set, ctx.baseUrl());
  const images = await Promise.all(
    completedJobs(set).map(async (j) => ({
      url: ctx.media.url(j.results!.raw.key),
      content_type: j.results!.raw.contentType,
      file_name: path.posix.basename(j.results!.raw.key),
      file_size: await ctx.media.size(j.results!.raw.key),
    })),
  );
  const account = await ctx.accounts.get(set.accountId);
  return {
    status,
    request_id: set.id,
    output: images[0]?.url ?? null,
    images,
    metrics: {
      cost: milliToUsd(chargedMilli(set)),
      remaining_credits: milliToUsd(Number(account?.balance_milli ?? 0)),
      ...timeMetrics(set),
    },
  };
}

/** Segmind reads JSON bodies only; any other declared type is its 406, before anything else. */
function requireJson(req: FastifyRequest) {
  const type = String(req.headers['content-type'] ?? 'application/json')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/json')
    throw new DomainError('bad_input', `Unsupported Content-Type: ${type} (send application/json)`, { unsupportedMediaType: true });
}

/** The Segmind dialect: its routes, `x-api-key` keys and error shape (it sends no webhooks). */
export function segmindDialect(opts: { syncWaitMs?: number } = {}): Dialect {
  const syncWaitMs = opts.syncWaitMs ?? DEFAULT_SEGMIND_SYNC_WAIT_MS;
  return {
    name: DIALECT,
    credentials: keyHeaderCredentials('x-api-key'),
    renderError: renderSegmindError,
    pathPrefixes: ['/v2/', '/v1/requests/', `/v1/${SLUG}`],
    routes: (app: FastifyInstance, ctx: AppContext) => {
      const tags = ['segmind'];
      const SUBMIT_BODY = {
        ...dialectSoulSchema(SOUL_SPEC),
        example: { prompt: 'a portrait in soft window light', width_and_height: '1536x2048', quality: '720p' },
      };
      const waiter = new SetWaiter(ctx);
      // Segmind publishes no Soul price in the seeds: the platform's Soul price per image applies.
      const read: SoulRead = async (req) => ({
        params: readDialectSoul(req.body, SOUL_SPEC).params,
        meta: { model: SLUG, dialect: DIALECT, webhook: null, visibleForS: ctx.config.segmindRetentionS },
      });

      // Not idempotent: the answer is image bytes, which the idempotency store does not replay.
      app.post(
        `/v1/${SLUG}`,
        {
          config: { ...sg, quote: soulQuoter(ctx, 'usd', read) },
          schema: {
            tags,
            summary: 'Sync Soul text-to-image: waits and answers the image bytes (x-cost, x-seed-value, ... headers)',
            body: SUBMIT_BODY,
            response: {
              200: binary('image/png', 'The image (its own Content-Type); cost and seed in x-* headers'),
              422: {
                description: 'The generation failed',
                content: { 'application/json': { schema: closed({ error: { type: 'string' } }) } },
              },
              504: {
                description: 'Held too long: canceled without charge',
                content: { 'application/json': { schema: closed({ error: { type: 'string' } }) } },
              },
            },
          },
        },
        async (req, reply) => {
          const { accountId } = principalOf(req);
          requireJson(req);
          const { params, meta } = await read(req);
          // Listening before the submit: a caller who leaves while it commits is not missed.
          const gone = clientGone(reply);
          const set = await ctx.soul.submit(accountId, params, meta);
          const end = (await waiter.wait(set.id, accountId, syncWaitMs, gone)) ?? set;
          if (!end.jobs.every((j) => isTerminal(j.status))) {
            // Only a 200 is charged: a caller who left, or a hold that ran out, cancels the job and
            // finishJob refunds it (a job that completes in the same instant stays charged).
            await ctx.generation.cancel(set.id, accountId);
            if (gone.aborted) {
              // Nobody to answer: end the connection instead of holding it open for keep-alive.
              reply.hijack();
              reply.raw.destroy();
              return reply;
            }
            const seconds = Math.round(syncWaitMs / 100) / 10;
            return reply.status(504).send({
              error: `Request timed out after ${seconds} seconds and was canceled without charge; use POST /v2/${SLUG} for the queue`,
            });
          }
          const job = completedJobs(end)[0];
          const bytes = job ? await ctx.media.readOwn(job.results!.raw.key, accountId) : null;
          if (!job || !bytes) return reply.status(422).send({ error: setError(end) });
          const account = await ctx.accounts.get(accountId);
          const t = setTimings(end);
          return reply
            .type(job.results!.raw.contentType)
            .headers({
              'x-cost': String(milliToUsd(chargedMilli(end))),
              'x-remaining-credits': String(milliToUsd(Number(account?.balance_milli ?? 0))),
              'x-generation-time': String(t ? sec(t.inferenceMs) : 0),
              'x-seed-value': String((job.input as { seed?: number }).seed ?? ''),
              'x-request-id': end.id,
            })
            .send(bytes);
        },
      );

      app.post(
        `/v2/${SLUG}`,
        {
          config: { ...sg, idempotent: true, quote: soulQuoter(ctx, 'usd', read) },
          schema: {
            tags,
            summary: 'Submit Soul text-to-image to the queue',
            body: SUBMIT_BODY,
            response: {
              200: closed({
                request_id: { type: 'string', format: 'uuid' },
                status: { type: 'string', enum: ['QUEUED'] },
                poll_url: uri,
                status_url: uri,
                response_url: uri,
              }),
            },
          },
        },
        async (req) => {
          const { accountId } = principalOf(req);
          requireJson(req);
          const { params, meta } = await read(req);
          const set = await ctx.soul.submit(accountId, params, meta);
          return { request_id: set.id, status: 'QUEUED', ...urls(ctx.baseUrl(), set.id) };
        },
      );

      const load = async (id: string, accountId: string) => {
        const set = await ctx.generation.get(id, accountId);
        if (!set) throw new DomainError('not_found', `Request ${id} not found`);
        return set;
      };
      const send = (reply: FastifyReply, body: { status: string }) => reply.status(body.status === 'FAILED' ? 422 : 200).send(body);

      app.get<{ Params: { id: string } }>(
        '/v2/requests/:id/status',
        { config: sg, schema: { tags, summary: 'Request status (FAILED answers 422)', response: { 200: STATUS_SCHEMA, 422: FAILED } } },
        async (req, reply) => {
          const set = await load(req.params.id, principalOf(req).accountId);
          return send(reply, renderSegmindStatus(set, ctx.baseUrl()));
        },
      );
      for (const route of ['/v2/requests/:id', '/v1/requests/:id']) {
        app.get<{ Params: { id: string } }>(
          route,
          { config: sg, schema: { tags, summary: 'Request result (FAILED answers 422)', response: { 200: RESULT_SCHEMA, 422: FAILED } } },
          async (req, reply) => {
            const set = await load(req.params.id, principalOf(req).accountId);
            return send(reply, await renderSegmindResult(set, ctx));
          },
        );
      }

      app.post(
        '/v2/*',
        { config: { dialect: DIALECT }, schema: { tags, summary: 'Any other model: 404 in this dialect', response: {} } },
        async (req) => {
          throw new DomainError('not_found', `Model ${req.url.slice('/v2/'.length).split('?')[0]} not found`);
        },
      );
    },
  };
}
