import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RouteOptions } from 'fastify';
import { installAuth } from './api/auth.js';
import { errorHandler, frameworkErrorHandler, notFoundHandler } from './api/errors.js';
import { parseJsonBody } from './api/json-body.js';
import { registerWebhookRenderers } from './api/webhook-renderers.js';
import { installIdempotency } from './api/idempotency.js';
import { installOpenApi } from './api/openapi.js';
import { installQuotes } from './api/quote.js';
import { filesRoutes } from './api/surfaces/files.js';
import { higgsfieldV1Routes } from './api/surfaces/higgsfield-v1.js';
import { higgsfieldV2Routes } from './api/surfaces/higgsfield-v2.js';
import { jobSetRoutes } from './api/surfaces/job-sets.js';
import { opsRoutes } from './api/surfaces/ops.js';
import { popcornRoutes } from './api/surfaces/popcorn.js';
import { socialRoutes } from './api/surfaces/social.js';
import { soulIdRoutes } from './api/surfaces/soul-id.js';
import { studioRoutes } from './api/surfaces/studio.js';
import type { AppContext } from './context.js';
import { httpLoggerOptions } from './log/http-logger.js';
import { installCors, installSecurityHeaders } from './api/security.js';
import type { Logger } from './log/logger.js';

/** Extra route groups (DoP, Soul ID, reseller dialects) plug in here. */
export type Surface = (app: FastifyInstance, ctx: AppContext) => void;

/** The HTTP app without listening: tests drive it with inject() or listen on port 0. */
export async function buildApp(ctx: AppContext, opts: { logger?: boolean | Logger; logStream?: NodeJS.WritableStream; surfaces?: Surface[]; onRoute?: (route: RouteOptions) => void } = {}): Promise<FastifyInstance> {
  // The process logger when given (its lines are redacted by createLogger), else a redacting one of our own.
  const shared = typeof opts.logger === 'object' ? opts.logger : null;
  const app = Fastify({
    ...(shared
      ? {
          loggerInstance: shared as FastifyBaseLogger,
          // One line per request is noise next to the job lifecycle lines; OPENSOUL_LOG_LEVEL=debug shows them.
          logController: new LogController({ disableRequestLogging: !shared.isLevelEnabled('debug') }),
        }
      : { logger: opts.logger ? httpLoggerOptions(ctx.config.logLevel, opts.logStream) : false }),
    bodyLimit: 2 * 1024 * 1024,
    trustProxy: true,
    // Ids are short; a long one is simply not found (404), not a 414 in Fastify's own shape.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: frameworkErrorHandler,
  });
  // Tests list every route the app registers (the OpenAPI coverage check).
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  // Bodies are validated by the domain readers (pydantic-shaped issues); schemas here document.
  app.setValidatorCompiler(() => () => true);
  // Response schemas document the shape (OpenAPI); bodies are sent as built, never filtered by them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // Some clients POST with an empty body and a JSON content type (v2 cancel).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpRequests.inc({ route, method: req.method, code: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });

  installSecurityHeaders(app);
  await installCors(app, ctx.config.corsOrigins);
  installOpenApi(app);
  installAuth(app, ctx.accounts, ctx.rateLimiter);
  installIdempotency(app, ctx.db.db);
  installQuotes(app);

  registerWebhookRenderers(ctx);

  opsRoutes(app, ctx);
  filesRoutes(app, ctx);
  higgsfieldV1Routes(app, ctx);
  higgsfieldV2Routes(app, ctx);
  jobSetRoutes(app, ctx);
  soulIdRoutes(app, ctx);
  popcornRoutes(app, ctx);
  socialRoutes(app, ctx);
  for (const s of opts.surfaces ?? []) s(app, ctx);
  if (ctx.config.studio) studioRoutes(app, ctx);
  return app;
}
