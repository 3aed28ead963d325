import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { toList } from './auth.js';
import type { Db } from '../store/db.js';
import { idempotencyRepo } from '../store/repos/idempotency.js';
import { submitScope } from '../services/submit-scope.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Submit routes honour Idempotency-Key. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyKey?: string;
    /** The key was taken over from an attempt whose process died (it may have committed a set). */
    idempotencyTakenOver?: boolean;
  }
}

export const requestHash = (method: string, url: string, body: unknown) =>
  createHash('sha256')
    .update(method)
    .update(url)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
const hashRequest = (req: FastifyRequest) => requestHash(req.method, req.url, req.body);

/** A first attempt still in flight after this died with its process; a retry may take the key. */
export const IN_FLIGHT_LOCK_MS = 60_000;
/** How long a finished request's response is replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export function purgeIdempotencyKeys(db: Db, now = Date.now()) {
  return idempotencyRepo(db).purgeOlderThan(new Date(now - IDEMPOTENCY_TTL_MS).toISOString());
}

/**
 * Idempotency-Key on submits: the same key and body replays the first response, another body
 * is a 422, and a retry while the first is still being answered is a 409. A failed first
 * attempt (4xx/5xx) frees the key so the client can retry.
 */
export function installIdempotency(app: FastifyInstance, db: Db) {
  const repo = idempotencyRepo(db);
  const before = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.principal) return;
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') return;
    if (key.length > 255) throw new DomainError('bad_input', 'Idempotency-Key must be at most 255 characters');
    const hash = hashRequest(req);
    const accountId = req.principal.accountId;
    if (await repo.begin(accountId, key, hash)) {
      req.idempotencyKey = key;
      return;
    }
    const prior = await repo.get(accountId, key);
    if (!prior) throw new DomainError('conflict', 'A request with this Idempotency-Key is in progress');
    // The body is compared first: a key names one request, also when its first attempt was abandoned
    // (a takeover may answer the set that attempt committed, which another body must never get).
    if (prior.request_hash !== hash)
      throw new DomainError('idempotency_mismatch', 'This Idempotency-Key was used with a different request (endpoint or body)');
    const abandoned = prior.state === 'in_flight' && Date.parse(prior.created_at) < Date.now() - IN_FLIGHT_LOCK_MS;
    if (abandoned && (await repo.takeOver(accountId, key, prior.created_at))) {
      req.idempotencyKey = key;
      req.idempotencyTakenOver = true;
      return;
    }
    if (prior.state !== 'done') throw new DomainError('conflict', 'A request with this Idempotency-Key is in progress');
    reply.header('idempotent-replayed', 'true');
    return reply
      .status(prior.response_status ?? 200)
      .type('application/json')
      .send(prior.response_body);
  };
  const after = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!req.idempotencyKey || !req.principal) return payload;
    const accountId = req.principal.accountId;
    if (reply.statusCode >= 400) await repo.forget(accountId, req.idempotencyKey);
    else
      await repo.complete(
        accountId,
        req.idempotencyKey,
        reply.statusCode,
        typeof payload === 'string' ? payload : JSON.stringify(payload ?? ''),
      );
    return payload;
  };
  // Callback style so the rest of the request (the handler and the submit) runs inside the scope.
  const enterSubmitScope = (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    if (!req.idempotencyKey || !req.principal) return done();
    submitScope.run(
      { accountId: req.principal.accountId, idempotencyKey: req.idempotencyKey, takenOver: req.idempotencyTakenOver === true },
      done,
    );
  };
  // Only submit routes carry the hooks (they run after the route's auth preHandler).
  app.addHook('onRoute', (route) => {
    if (!(route.config as { idempotent?: boolean } | undefined)?.idempotent) return;
    route.preHandler = [...toList(route.preHandler), before, enterSubmitScope];
    route.onSend = [...toList(route.onSend), after] as typeof route.onSend;
  });
}
