import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorCode, ValidationError } from '../domain/errors.js';

/** HTTP status of each domain error in the Higgsfield dialect (the reference surface). */
export const HIGGSFIELD_STATUS: Record<DomainErrorCode, number> = {
  bad_input: 400,
  unauthorized: 401,
  insufficient_credits: 403,
  not_found: 404,
  gone: 410,
  conflict: 409,
  idempotency_mismatch: 422,
  concurrency_limit: 400,
  rate_limited: 429,
  payload_too_large: 413,
  unavailable: 503,
  internal: 500,
};

export interface RenderedError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Each dialect renders domain errors in its own shape; routes name their dialect in config. */
export type ErrorRenderer = (err: DomainError | ValidationError) => RenderedError;

export const renderHiggsfieldError: ErrorRenderer = (err) => {
  if (err instanceof ValidationError) return { status: 422, body: { detail: err.issues } };
  return { status: HIGGSFIELD_STATUS[err.code], body: { detail: err.message }, headers: retryAfter(err) };
};

export function retryAfter(err: DomainError): Record<string, string> | undefined {
  const s = err.meta.retryAfterS;
  return typeof s === 'number' ? { 'retry-after': String(Math.max(1, Math.ceil(s))) } : undefined;
}

const renderers = new Map<string, ErrorRenderer>([['higgsfield', renderHiggsfieldError]]);

export function registerErrorRenderer(dialect: string, r: ErrorRenderer) {
  renderers.set(dialect, r);
}

export function dialectOf(req: FastifyRequest): string {
  return ((req.routeOptions?.config as { dialect?: string } | undefined)?.dialect) ?? 'higgsfield';
}

/** Fastify's own errors (bad JSON, body too large, unsupported type) become domain errors first. */
function toDomain(err: FastifyError | Error): DomainError | ValidationError | null {
  if (err instanceof DomainError || err instanceof ValidationError) return err;
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (fe.statusCode === 400 && fe instanceof SyntaxError)) {
    return new ValidationError([{ type: 'value_error', loc: ['body'], msg: `JSON decode error: ${fe.message}` }]);
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new DomainError('payload_too_large', 'Request body is too large');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new DomainError('bad_input', `Unsupported Content-Type: ${fe.message}`);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new DomainError('bad_input', fe.message);
  return null;
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const domain = toDomain(err);
  const render = renderers.get(dialectOf(req)) ?? renderHiggsfieldError;
  if (!domain) {
    req.log.error({ err }, 'unhandled error');
    const r = render(new DomainError('internal', 'Internal server error'));
    return reply.status(r.status).send(r.body);
  }
  const r = render(domain);
  if (r.headers) reply.headers(r.headers);
  return reply.status(r.status).send(r.body);
}
