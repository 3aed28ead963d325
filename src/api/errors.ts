import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorCode, ValidationError } from '../domain/errors.js';
import { JsonBodyError } from './json-body.js';
import { redact } from '../log/redact.js';
import type { DialectRegistry, ErrorRenderer } from './dialect.js';

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

export const renderHiggsfieldError: ErrorRenderer = (err) => {
  if (err instanceof ValidationError) return { status: 422, body: { detail: err.issues } };
  return { status: HIGGSFIELD_STATUS[err.code], body: { detail: err.message }, headers: retryAfter(err) };
};

export function retryAfter(err: DomainError): Record<string, string> | undefined {
  const s = err.meta.retryAfterS;
  return typeof s === 'number' ? { 'retry-after': String(Math.max(1, Math.ceil(s))) } : undefined;
}

/** Fastify's own errors (body too large, unsupported type) and our JSON parser's become domain errors first. */
function toDomain(err: FastifyError | Error): DomainError | ValidationError | null {
  if (err instanceof DomainError || err instanceof ValidationError) return err;
  if (err instanceof JsonBodyError) {
    // FastAPI's shape for a body that is not JSON.
    return new ValidationError([{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error', input: {}, ctx: { error: err.message } }]);
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new DomainError('payload_too_large', 'Request body is too large');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new DomainError('bad_input', `Unsupported Content-Type: ${fe.message}`, { unsupportedMediaType: true });
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new DomainError('bad_input', fe.message);
  return null;
}

/** An app's error, not-found and framework-error handlers, rendering in the request's dialect on that app. */
export function errorHandlers(dialects: DialectRegistry) {
  /** Renders a domain error in the request's dialect (routed, or owning the URL prefix) and sends it. */
  const sendError = (req: FastifyRequest, reply: FastifyReply, err: DomainError | ValidationError) => {
    const r = dialects.renderError(req, err);
    if (r.headers) reply.headers(r.headers);
    return reply.status(r.status).send(r.body);
  };
  return {
    errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
      const domain = toDomain(err);
      if (!domain) {
        // Always on stderr: the request logger is off unless debugging, and a 500 must leave a trace.
        console.error(redact(`[opensoul] unhandled error on ${req.method} ${req.url.split('?')[0]}: ${err.stack ?? String(err)}`));
        return sendError(req, reply, new DomainError('internal', 'Internal server error'));
      }
      return sendError(req, reply, domain);
    },
    /** 404 for any method on an unknown path, in the shape of the dialect that owns the prefix. */
    notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
      return sendError(req, reply, new DomainError('not_found', 'Not Found'));
    },
    /** Errors Fastify raises before routing (a malformed URL): 400 in the owning dialect's shape. */
    frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
      // Fastify ignores this hook's return value; the reply is sent here.
      void sendError(req, reply, new DomainError('bad_input', `Malformed request: ${err.message}`));
    },
  };
}
