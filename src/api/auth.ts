import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { AccountService, Principal } from '../services/accounts.js';
import type { RateLimiter } from './rate-limit.js';
import type { DialectRegistry } from './dialect.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Credential scheme of the route; absent = public. */
    auth?: string;
    dialect?: string;
  }
}

/**
 * Authenticated routes (config.auth set) get one preHandler: authenticate by the route's
 * scheme, then rate-limit the key. Attached per route so public routes pay nothing.
 */
export function installAuth(app: FastifyInstance, accounts: AccountService, limiter: RateLimiter, dialects: DialectRegistry) {
  const authenticate = async (req: FastifyRequest) => {
    const scheme = req.routeOptions.config?.auth;
    if (!scheme) return;
    const creds = dialects.credentials(scheme)?.(req);
    const principal = creds ? await accounts.authenticate(creds.keyId, creds.secret) : null;
    if (!principal)
      throw new DomainError('unauthorized', creds ? 'Invalid API credentials' : 'Not authenticated: API credentials are missing');
    const wait = await limiter.take(principal.keyId);
    if (wait > 0) throw new DomainError('rate_limited', 'Rate limit exceeded, retry later', { retryAfterS: wait });
    req.principal = principal;
  };
  app.addHook('onRoute', (route) => {
    if (!(route.config as { auth?: string } | undefined)?.auth) return;
    route.preHandler = [authenticate, ...toList(route.preHandler)];
  });
}

export function toList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new DomainError('unauthorized', 'Not authenticated');
  return req.principal;
}
