import { timingSafeEqual, createHash } from 'node:crypto';
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Nothing this API answers is meant to run as a page or sit in a frame: JSON, media and the
 * docs page. Routes that serve a page set their own CSP first (the studio, /docs); it is kept.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers on every response, errors and 404s included. */
export function installSecurityHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (_req, reply, payload) => {
    const has = (name: string) => reply.hasHeader(name) || reply.raw.hasHeader(name);
    reply.header('x-content-type-options', 'nosniff');
    // Signed media URLs must not leak to third parties through the Referer header.
    if (!has('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    if (!has('content-security-policy')) reply.header('content-security-policy', API_CSP);
    if (!has('x-frame-options')) reply.header('x-frame-options', 'DENY');
    return payload;
  });
}

/**
 * CORS is off unless origins are configured: browsers then refuse cross-origin calls, which
 * is right for keys that must stay server-side. `*` allows any origin (no cookies are used).
 */
export async function installCors(app: FastifyInstance, origins: string[]) {
  if (!origins.length) return;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  await app.register(cors, {
    origin: (origin, cb) => cb(null, any || (origin !== undefined && allowed.has(origin))),
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    exposedHeaders: ['retry-after', 'x-rate-limit-reset-at-utc', 'idempotent-replayed'],
    maxAge: 600,
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Operator-only data (/metrics, the detailed /readyz): the caller is on this machine, or shows
 * the operator token as `Authorization: Bearer <token>`. A request relayed by a proxy (any
 * Forwarded / X-Forwarded-For header) is not local even when the proxy itself is.
 */
export function isOperator(req: FastifyRequest, token: string | null): boolean {
  const relayed = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  if (!relayed && LOOPBACK.test(req.socket.remoteAddress ?? '')) return true;
  if (!token) return false;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  // Hashing first makes the comparison constant-time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}

export function operatorOnly(reply: FastifyReply) {
  return reply
    .status(403)
    .send({ detail: 'Operator only: call from this machine or send Authorization: Bearer <OPENSOUL_OPERATOR_TOKEN>' });
}
