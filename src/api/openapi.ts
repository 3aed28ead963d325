import { createRequire } from 'node:module';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERROR_SCHEMAS, SECURITY_OF, SECURITY_SCHEMES, binary } from './schemas.js';

declare module 'fastify' {
  interface FastifySchema {
    tags?: string[];
    summary?: string;
    description?: string;
    /** Left out of the document (static files: the studio's, the reference page's assets). */
    hide?: boolean;
  }
}

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  auth?: string;
  dialect: string;
}

type Schema = Record<string, unknown>;

/** `/a/:id/*` -> `/a/{id}/{path}`: how a Fastify route path is written in the document. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\*$/, '{path}');
}

/** Which errors a route can answer besides its own responses, in its dialect's error shape. */
function errorResponses(r: Collected, hasBody: boolean): Record<string, Schema> {
  const body = { 'application/json': { schema: ERROR_SCHEMAS[r.dialect] ?? ERROR_SCHEMAS.higgsfield } };
  const out: Record<string, Schema> = {};
  const add = (code: string, description: string) => (out[code] = { description, content: body });
  const hf = r.dialect === 'higgsfield';
  if (hasBody || r.method !== 'get') add('400', hf ? 'Bad request' : 'Invalid parameters (field issues) or bad request');
  if (r.auth) add('401', 'Credentials missing or invalid');
  if (r.url.includes(':') || r.url.endsWith('*')) add('404', 'Not found, or owned by another account');
  if (hf && hasBody) add('422', 'Field issues, pydantic-shaped');
  if (r.auth) add('429', 'Rate limited (see Retry-After)');
  add('default', 'Any other error, same shape (402/403/406 credits, 409, 410, 413, 500, 503)');
  return out;
}

/**
 * OpenAPI 3 built from the route schemas the server runs with, and the Swagger UI page that
 * reads it: call before routes are registered (it listens to onRoute).
 */
export function installOpenApi(app: FastifyInstance) {
  const routes: Collected[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const schema = (r.schema ?? {}) as Schema;
    if (schema.hide) return;
    const config = r.config as { auth?: string; dialect?: string } | undefined;
    for (const m of methods) {
      if (m === 'HEAD') continue;
      routes.push({ method: m.toLowerCase(), url: r.url, schema, auth: config?.auth, dialect: config?.dialect ?? 'higgsfield' });
    }
  });

  const document = () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of routes) {
      const s = r.schema;
      const props = (k: string) => (s[k] as { properties?: Record<string, Schema> } | undefined)?.properties ?? {};
      const required = (k: string) => new Set(((s[k] as { required?: string[] } | undefined)?.required ?? []) as string[]);
      const param = (where: string, k: string) =>
        Object.entries(props(k)).map(([name, { description, ...schema }]) => ({
          name,
          in: where,
          required: required(k).has(name),
          ...(description ? { description } : {}),
          schema,
        }));
      const params = [
        ...[...r.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
        ...(r.url.endsWith('*') ? [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }] : []),
        ...param('query', 'querystring'),
        ...param('header', 'headers'),
      ];
      const responses = Object.fromEntries(
        Object.entries((s.response as Record<string, Schema> | undefined) ?? {}).map(([code, schema]) => {
          const { description, content, ...rest } = schema as { description?: string; content?: Record<string, unknown> };
          const body = content ?? (Object.keys(rest).length ? { 'application/json': { schema: rest } } : undefined);
          return [code, { description: description ?? 'OK', ...(body ? { content: body } : {}) }];
        }),
      );
      const body = s.body as Schema | undefined;
      const requestBody = body
        ? {
            required: true,
            content: (body.content as Schema | undefined) ?? {
              'application/json': { schema: body, ...(body.example ? { example: body.example } : {}) },
            },
          }
        : undefined;
      paths[openApiPath(r.url)] ??= {};
      paths[openApiPath(r.url)][r.method] = {
        tags: s.tags,
        summary: s.summary,
        description: s.description,
        operationId: `${r.method}${openApiPath(r.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        parameters: params,
        ...(requestBody ? { requestBody } : {}),
        responses: { ...errorResponses(r, !!body), ...responses },
        security: r.auth ? SECURITY_OF[r.auth] : [],
      };
    }
    return {
      openapi: '3.0.3',
      info: {
        title: 'opensoul',
        version: '0.1.0',
        description:
          'Self-hosted Higgsfield Soul / DoP compatible API, with the WaveSpeed, Segmind and Pixazo dialects. Generated from the route schemas; request fields come from the same specs the readers enforce. See docs/API.md for wire-shape choices.',
      },
      paths,
      components: { securitySchemes: SECURITY_SCHEMES },
    };
  };

  app.get(
    '/openapi.json',
    {
      schema: {
        tags: ['ops'],
        summary: 'This OpenAPI 3 document',
        response: {
          200: { type: 'object', required: ['openapi', 'paths'], properties: { openapi: { type: 'string' }, paths: { type: 'object' } } },
        },
      },
    },
    async () => document(),
  );
  installDocsPage(app);
}

/**
 * Swagger UI served from swagger-ui-dist in node_modules (no CDN) by the @fastify/static the
 * project already has; @fastify/swagger-ui needs @fastify/static 10. The page has no inline
 * script, so its own CSP can forbid them.
 */
function installDocsPage(app: FastifyInstance) {
  const root = (createRequire(import.meta.url)('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
  const assets = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']);
  app.register(async (scoped) => {
    await scoped.register(fastifyStatic, {
      root,
      prefix: '/docs/assets/',
      decorateReply: false,
      schemaHide: true,
      index: false,
      allowedPath: (p) => assets.has(p.replace(/^\//, '')),
      maxAge: '1d',
    });
  });

  // Swagger UI styles elements with style attributes (hence 'unsafe-inline' for styles only) and draws icons from data: URIs.
  const csp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>opensoul API reference</title>
<link rel="icon" href="docs/assets/favicon-32x32.png"><link rel="stylesheet" href="docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"><noscript>The machine-readable reference is at <a href="openapi.json">/openapi.json</a>.</noscript></div>
<script src="docs/assets/swagger-ui-bundle.js"></script><script src="docs/init.js"></script></body></html>`;
  // The document URL is relative, so the page works behind a path prefix; no validator badge (it calls out).
  const init = `window.ui = SwaggerUIBundle({ url: new URL('openapi.json', document.baseURI).href, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, presets: [SwaggerUIBundle.presets.apis] });\n`;
  const docsSchema = (summary: string, type: string) => ({ tags: ['ops'], summary, response: { 200: binary(type, summary) } });
  app.get('/docs', { schema: docsSchema('Interactive API reference (Swagger UI, served locally)', 'text/html') }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', csp).header('cache-control', 'no-cache').send(page),
  );
  app.get('/docs/init.js', { schema: docsSchema('Script of the reference page', 'text/javascript') }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(init),
  );
}
