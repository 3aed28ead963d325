import type { FastifyInstance } from 'fastify';
import { FieldReader } from '../../domain/fields.js';
import { DomainError } from '../../domain/errors.js';
import type { AppContext } from '../../context.js';
import { principalOf } from '../auth.js';

/** Uploads (generate-upload-url + the signed PUT) and the signed media GET. */
export function filesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/files/generate-upload-url', { config: { auth: 'higgsfield', dialect: 'higgsfield' }, schema: { tags: ['higgsfield v1'], summary: 'Get a signed PUT URL for an image upload' } }, async (req) => {
    const { accountId } = principalOf(req);
    const r = FieldReader.object(req.body ?? {}, ['body'], []);
    const contentType = r?.string('content_type', { required: true });
    r?.forbidExtra();
    r?.throwIfInvalid();
    return ctx.media.createUploadSlot(accountId, contentType!);
  });

  // Raw bytes for the signed PUT; the sniffed type decides, not the header.
  app.addContentTypeParser(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: ctx.config.uploadMaxBytes }, (_req, body, done) => done(null, body));

  app.put<{ Params: { token: string }; Querystring: Record<string, string> }>('/uploads/:token', { bodyLimit: ctx.config.uploadMaxBytes, schema: { tags: ['higgsfield v1'], summary: 'Signed upload target (no auth header: the URL is the credential)' } }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) throw new DomainError('bad_input', 'Send the image bytes with an image/* Content-Type');
    await ctx.media.acceptUpload(req.params.token, req.query, req.body);
    return reply.status(200).send();
  });

  app.get<{ Params: { '*': string }; Querystring: Record<string, string> }>('/media/*', { schema: { tags: ['media'], summary: 'Signed, expiring media URL' } }, async (req, reply) => {
    const served = await ctx.media.serve(req.params['*'], req.query);
    // The presigned target expires within minutes: a cached redirect would outlive it.
    if ('redirect' in served) return reply.status(302).header('location', served.redirect).header('cache-control', 'no-store').send();
    return reply.type(served.contentType).header('cache-control', 'private, max-age=3600').send(served.bytes);
  });
}
