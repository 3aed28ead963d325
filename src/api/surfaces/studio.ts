import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';

/** Where `vite build` (web/vite.config.ts) writes the studio. */
export const STUDIO_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * No inline scripts or styles anywhere: the build emits files only. Media URLs carry this
 * server's public base URL, which may be another origin than the one the page was opened on
 * (localhost vs 127.0.0.1), so that origin is allowed for images and video too.
 */
export function studioCsp(mediaOrigin: string | null): string {
  const media = ["'self'", 'blob:', 'data:', ...(mediaOrigin ? [mediaOrigin] : [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${media}`,
    `media-src ${media}`,
    "connect-src 'self'" + (mediaOrigin ? ` ${mediaOrigin}` : ''),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * The browser studio at `/`. Only the files the build produced get routes (no wildcard), so
 * every other path still reaches the API routes or its dialect's 404.
 */
export function studioRoutes(app: FastifyInstance, ctx: AppContext, dist = STUDIO_DIST) {
  if (!fs.existsSync(`${dist}/index.html`)) {
    app.get(
      '/',
      {
        schema: {
          tags: ['studio'],
          summary: 'The browser studio (not built on this server)',
          response: { 503: { description: 'How to build it', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      async (_req, reply) =>
        reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(
            'The opensoul studio is not built. Run `npm run build:studio` (or `npm install`, or `npm start`, which build it), then reload.\nThe API itself is running: see /docs.\n',
          ),
    );
    return;
  }
  app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    cacheControl: false,
    schemaHide: true,
    setHeaders(res, filePath) {
      // Hashed names change with their content: cache them forever; the page itself never.
      const hashed = path.relative(dist, filePath).startsWith(`assets${path.sep}`);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      if (filePath.endsWith('.html')) {
        res.setHeader('content-security-policy', studioCsp(originOf(ctx.baseUrl())));
        res.setHeader('referrer-policy', 'no-referrer');
      }
    },
  });
}
