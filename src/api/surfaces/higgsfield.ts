import { parseKey } from '../../domain/api-key.js';
import { headerValue, MALFORMED } from '../credentials.js';
import type { CredentialExtractor, Dialect } from '../dialect.js';
import { renderHiggsfieldError } from '../errors.js';
import { renderV1JobSet, renderV2Status } from './higgsfield-render.js';
import { higgsfieldV1Routes } from './higgsfield-v1.js';
import { higgsfieldV2Routes } from './higgsfield-v2.js';
import { jobSetRoutes } from './job-sets.js';
import { popcornRoutes } from './popcorn-routes.js';
import { socialRoutes } from './social.js';
import { soulIdRoutes } from './soul-id-routes.js';

/**
 * Higgsfield: v1 `hf-api-key` + `hf-secret`, v2 `Authorization: Key id:secret`. Any of these
 * headers present but unusable (one half of the v1 pair, no colon, another scheme) is invalid.
 */
export const higgsfieldCredentials: CredentialExtractor = (req) => {
  const id = headerValue(req, 'hf-api-key');
  const secret = headerValue(req, 'hf-secret');
  if (id && secret) return { keyId: id, secret };
  const auth = headerValue(req, 'authorization');
  const m = auth && /^Key\s+(.+)$/i.exec(auth);
  if (m) return parseKey(m[1]) ?? MALFORMED;
  return id || secret || auth?.trim() ? MALFORMED : null;
};

/**
 * The reference dialect, on every app: it renders the errors of paths no other dialect owns, and
 * its routes are opensoul's own API (v1, v2, job sets, Soul ID, Popcorn, social carousels).
 */
export const higgsfieldDialect: Dialect = {
  name: 'higgsfield',
  credentials: higgsfieldCredentials,
  renderError: renderHiggsfieldError,
  pathPrefixes: [],
  webhooks: (ctx) => ({
    'higgsfield-v1': (set) => ({ body: renderV1JobSet(set, ctx.media) }),
    'higgsfield-v2': (set) => ({ body: renderV2Status(set, ctx.media, ctx.baseUrl()) }),
  }),
  routes: (app, ctx) => {
    higgsfieldV1Routes(app, ctx);
    higgsfieldV2Routes(app, ctx);
    jobSetRoutes(app, ctx);
    soulIdRoutes(app, ctx);
    popcornRoutes(app, ctx);
    socialRoutes(app, ctx);
  },
};
