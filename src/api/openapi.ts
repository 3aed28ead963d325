import type { FastifyInstance, RouteOptions } from 'fastify';

declare module 'fastify' {
  interface FastifySchema {
    tags?: string[];
    summary?: string;
    /** Left out of the document (the studio's static files). */
    hide?: boolean;
    description?: string;
  }
}

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  auth?: string;
}

/**
 * OpenAPI 3 and an HTML reference page built from the same route schemas the server runs
 * with: call before routes are registered (it listens to onRoute).
 */
export function installOpenApi(app: FastifyInstance) {
  const routes: Collected[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      if (m === 'HEAD' || !r.schema || (r.schema as { hide?: boolean }).hide) continue;
      routes.push({ method: m.toLowerCase(), url: r.url, schema: r.schema as Record<string, unknown>, auth: (r.config as { auth?: string } | undefined)?.auth });
    }
  });

  const document = () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of routes) {
      const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\*$/, '{path}');
      const s = r.schema;
      const query = (s.querystring as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties ?? {};
      const params = [
        ...[...r.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
        ...Object.entries(query).map(([name, { description, ...schema }]) => ({ name, in: 'query', required: false, ...(description ? { description } : {}), schema })),
        ...Object.entries((s.headers as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties ?? {}).map(([name, { description, ...schema }]) => ({ name, in: 'header', required: false, ...(description ? { description } : {}), schema })),
      ];
      const responses = Object.fromEntries(
        Object.entries((s.response as Record<string, Record<string, unknown>> | undefined) ?? { 200: {} }).map(([code, schema]) => {
          const { description, content, ...rest } = schema as { description?: string; content?: Record<string, unknown> };
          const body = content ?? (Object.keys(rest).length ? { 'application/json': { schema: rest } } : undefined);
          return [code, { description: description ?? 'OK', ...(body ? { content: body } : {}) }];
        }),
      );
      paths[path] ??= {};
      paths[path][r.method] = {
        tags: s.tags,
        summary: s.summary,
        description: s.description,
        parameters: params,
        ...(s.body ? { requestBody: { content: { 'application/json': { schema: s.body } } } } : {}),
        responses,
        ...(r.auth ? { security: [{ [r.auth]: [] }] } : {}),
      };
    }
    return {
      openapi: '3.0.3',
      info: { title: 'opensoul', version: '0.1.0', description: 'Self-hosted Higgsfield Soul / DoP compatible API. See docs/API.md for wire-shape choices.' },
      paths,
      components: {
        securitySchemes: {
          higgsfield: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Key KEY_ID:KEY_SECRET`, or headers hf-api-key + hf-secret' },
          wavespeed: { type: 'http', scheme: 'bearer', description: 'Bearer KEY_ID:KEY_SECRET' },
          segmind: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          pixazo: { type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key' },
        },
      },
    };
  };

  app.get('/openapi.json', async () => document());
  app.get('/docs', async (_req, reply) => {
    const doc = document();
    const esc = (s: unknown) => String(s ?? '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const rows = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => ({ p, m, op: op as Record<string, unknown> })))
      .sort((a, b) => String((a.op.tags as string[])?.[0]).localeCompare(String((b.op.tags as string[])?.[0])) || a.p.localeCompare(b.p))
      .map(({ p, m, op }) => `<tr><td>${esc((op.tags as string[])?.[0])}</td><td><code>${m.toUpperCase()}</code></td><td><code>${esc(p)}</code></td><td>${esc(op.summary)}</td><td>${op.security ? esc(Object.keys((op.security as object[])[0])[0]) : 'public'}</td></tr>`)
      .join('\n');
    // Inline styles only: no script, no frames, nothing fetched.
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    return reply.type('text/html').send(`<!doctype html><html><head><meta charset="utf-8"><title>opensoul API reference</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}</style></head>
<body><h1>opensoul API reference</h1><p>Generated from the route schemas; machine-readable at <a href="/openapi.json">/openapi.json</a>.</p>
<table><thead><tr><th>group</th><th>method</th><th>path</th><th>summary</th><th>auth</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`);
  });
}
