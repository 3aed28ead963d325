import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RouteOptions } from 'fastify';
import { installAuth } from './api/auth.js';
import { type Dialect, DialectRegistry } from './api/dialect.js';
import { errorHandlers } from './api/errors.js';
import { parseJsonBody } from './api/json-body.js';
import type { Surface } from './api/surface.js';
import { installWebhookRenderers } from './api/webhook-renderers.js';
import { installIdempotency } from './api/idempotency.js';
import { installOpenApi } from './api/openapi.js';
import { installQuotes } from './api/quote.js';
import { filesRoutes } from './api/surfaces/files.js';
import { higgsfieldDialect } from './api/surfaces/higgsfield.js';
import { opsRoutes } from './api/surfaces/ops.js';
import { studioRoutes } from './api/surfaces/studio.js';
import type { AppContext } from './context.js';
import { httpLoggerOptions } from './log/http-logger.js';
import { installCors, installSecurityHeaders } from './api/security.js';
import type { Logger } from './log/logger.js';

/** What plugs into an app beyond opensoul's own API: route groups (DoP, style previews) and whole dialects. */
export type AppSurface = Surface | Dialect;

/**
 * The HTTP app without listening: tests drive it with inject() or listen on port 0. Its dialects
 * (Higgsfield, and those in `surfaces`) are registered on this app alone.
 */
export async function buildApp(
  ctx: AppContext,
  opts: {
    logger?: boolean | Logger;
    logStream?: NodeJS.WritableStream;
    surfaces?: AppSurface[];
    onRoute?: (route: RouteOptions) => void;
  } = {},
): Promise<FastifyInstance> {
  const dialects = new DialectRegistry(higgsfieldDialect);
  const extra = opts.surfaces ?? [];
  const extraDialects = extra.filter((s): s is Dialect => typeof s !== 'function');
  for (const d of extraDialects) dialects.add(d);
  const errors = errorHandlers(dialects);
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
    frameworkErrors: errors.frameworkErrorHandler,
  });
  // Tests list every route the app registers (the OpenAPI coverage check).
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  // Bodies are validated by the domain readers (pydantic-shaped issues); schemas here document.
  app.setValidatorCompiler(() => () => true);
  // Response schemas document the shape (OpenAPI); bodies are sent as built, never filtered by them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errors.errorHandler);
  app.setNotFoundHandler(errors.notFoundHandler);
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
  installAuth(app, ctx.accounts, ctx.rateLimiter, dialects);
  installIdempotency(app, ctx.db.db);
  installQuotes(app);

  installWebhookRenderers(ctx, extraDialects);

  opsRoutes(app, ctx);
  filesRoutes(app, ctx);
  higgsfieldDialect.routes(app, ctx);
  for (const s of extra) (typeof s === 'function' ? s : s.routes)(app, ctx);
  if (ctx.config.studio) studioRoutes(app, ctx);
  return app;
}
