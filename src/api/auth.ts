import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { AccountService, Principal } from '../services/accounts.js';
import type { RateLimiter } from './rate-limit.js';
import { parseKey } from '../domain/api-key.js';

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

/** Pulls `{keyId, secret}` out of a request in one dialect's way; null when absent. */
export type CredentialExtractor = (req: FastifyRequest) => { keyId: string; secret: string } | null;

/** `id:secret`, or the one-word `os_…` form `keys create --compact` prints. */
const splitPair = parseKey;
const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Credentials that were sent but cannot be a key: they authenticate as nothing, so the answer is "invalid", not "missing". */
const MALFORMED = { keyId: '', secret: '' };

/**
 * Higgsfield: v1 `hf-api-key` + `hf-secret`, v2 `Authorization: Key id:secret`. Any of these
 * headers present but unusable (one half of the v1 pair, no colon, another scheme) is invalid.
 */
export const higgsfieldCredentials: CredentialExtractor = (req) => {
  const id = header(req, 'hf-api-key');
  const secret = header(req, 'hf-secret');
  if (id && secret) return { keyId: id, secret };
  const auth = header(req, 'authorization');
  const m = auth && /^Key\s+(.+)$/i.exec(auth);
  if (m) return splitPair(m[1]) ?? MALFORMED;
  return id || secret || auth?.trim() ? MALFORMED : null;
};

const extractors = new Map<string, CredentialExtractor>([['higgsfield', higgsfieldCredentials]]);

export function registerCredentialScheme(name: string, ex: CredentialExtractor) {
  extractors.set(name, ex);
}

/**
 * Authenticated routes (config.auth set) get one preHandler: authenticate by the route's
 * scheme, then rate-limit the key. Attached per route so public routes pay nothing.
 */
export function installAuth(app: FastifyInstance, accounts: AccountService, limiter: RateLimiter) {
  const authenticate = async (req: FastifyRequest) => {
    const scheme = req.routeOptions.config?.auth;
    if (!scheme) return;
    const creds = extractors.get(scheme)?.(req);
    const principal = creds ? await accounts.authenticate(creds.keyId, creds.secret) : null;
    if (!principal) throw new DomainError('unauthorized', creds ? 'Invalid API credentials' : 'Not authenticated: API credentials are missing');
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
