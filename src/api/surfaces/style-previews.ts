import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { findStyle } from '../../domain/styles.js';
import { ModelMissingError } from '../../engine/diffusion/index.js';
import { binary } from '../schemas.js';
import { STYLE_PREVIEW_CONTENT_TYPE, UnknownStyleError } from '../../engine/diffusion/style-preview.js';

/** Renders a style's preview image once and keeps it (see createStylePreviews). */
export type StylePreviewRenderer = (styleId: string) => Promise<Buffer>;

/**
 * GET /v1/text2image/soul-styles/:id/preview, the `preview_url` of the style list. Public like
 * the motion previews: it is an <img> source, and the catalog is the same for every account.
 */
export function stylePreviewRoutes(preview: StylePreviewRenderer) {
  return (app: FastifyInstance) => {
    app.get<{ Params: { id: string } }>(
      '/v1/text2image/soul-styles/:id/preview',
      {
        config: { dialect: 'higgsfield' },
        schema: {
          tags: ['higgsfield v1'],
          summary: 'Preview image of a Soul style (rendered by the engine on first request, then cached)',
          response: { 200: binary(STYLE_PREVIEW_CONTENT_TYPE, 'The preview image') },
        },
      },
      async (req, reply) => {
        const style = findStyle(req.params.id);
        if (!style) throw new DomainError('not_found', 'Style not found');
        let image: Buffer;
        try {
          image = await preview(style.id);
        } catch (e) {
          if (e instanceof UnknownStyleError) throw new DomainError('not_found', 'Style not found');
          // The engine's message names the `opensoul models pull ...` command that fixes it.
          if (e instanceof ModelMissingError) throw new DomainError('unavailable', e.message);
          throw e;
        }
        return reply.type(STYLE_PREVIEW_CONTENT_TYPE).header('cache-control', 'public, max-age=86400').send(image);
      },
    );
  };
}
