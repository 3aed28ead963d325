import type { FastifyInstance } from 'fastify';
import { FieldReader, type FieldSpec, objectSchema } from '../../domain/fields.js';
import { UPLOAD_TYPES } from '../../services/media.js';
import { binary, closed } from '../schemas.js';
import { DomainError } from '../../domain/errors.js';
import type { AppContext } from '../../context.js';
import { principalOf } from '../auth.js';

const UPLOAD_URL_FIELDS = {
  content_type: { kind: 'string', required: true, description: 'The image type the PUT will send', schema: { enum: [...UPLOAD_TYPES] } },
} as const satisfies Record<string, FieldSpec>;

/** Uploads (generate-upload-url + the signed PUT) and the signed media GET. */
export function filesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post(
    '/files/generate-upload-url',
    {
      config: { auth: 'higgsfield', dialect: 'higgsfield' },
      schema: {
        tags: ['higgsfield v1'],
        summary: 'Get a signed PUT URL for an image upload',
        body: objectSchema(UPLOAD_URL_FIELDS, { example: { content_type: 'image/jpeg' } }),
        response: {
          200: closed({
            upload_url: { type: 'string', format: 'uri', description: 'PUT the bytes here' },
            public_url: { type: 'string', format: 'uri', description: 'Use as an image_url input' },
            content_type: { type: 'string' },
          }),
        },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const r = FieldReader.object(req.body ?? {}, ['body'], []);
      const contentType = r?.read('content_type', UPLOAD_URL_FIELDS.content_type);
      r?.forbidExtra();
      r?.throwIfInvalid();
      return ctx.media.createUploadSlot(accountId, contentType!);
    },
  );

  // Raw bytes for the signed PUT; the sniffed type decides, not the header.
  app.addContentTypeParser(
    ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: ctx.config.uploadMaxBytes },
    (_req, body, done) => done(null, body),
  );

  app.put<{ Params: { token: string }; Querystring: Record<string, string> }>(
    '/uploads/:token',
    {
      bodyLimit: ctx.config.uploadMaxBytes,
      schema: {
        tags: ['higgsfield v1'],
        summary: 'Signed upload target (no auth header: the URL is the credential)',
        body: {
          content: Object.fromEntries(
            [...UPLOAD_TYPES, 'application/octet-stream'].map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
          ),
        },
        response: { 200: { description: 'Stored; empty body' } },
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new DomainError('bad_input', 'Send the image bytes with an image/* Content-Type');
      await ctx.media.acceptUpload(req.params.token, req.query, req.body);
      return reply.status(200).send();
    },
  );

  app.get<{ Params: { '*': string }; Querystring: Record<string, string> }>(
    '/media/*',
    {
      schema: {
        tags: ['media'],
        summary: 'Signed, expiring media URL',
        response: {
          200: binary('application/octet-stream', 'The image or video (its own Content-Type)'),
          302: { description: 'With OPENSOUL_S3_REDIRECT: to a presigned bucket URL' },
        },
      },
    },
    async (req, reply) => {
      const served = await ctx.media.serve(req.params['*'], req.query);
      // The presigned target expires within minutes: a cached redirect would outlive it.
      if ('redirect' in served) return reply.status(302).header('location', served.redirect).header('cache-control', 'no-store').send();
      return reply.type(served.contentType).header('cache-control', 'private, max-age=3600').send(served.bytes);
    },
  );
}
