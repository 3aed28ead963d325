import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DomainError, type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader, type FieldSpec, IMAGE_REF_FIELDS, objectSchema } from '../../domain/fields.js';
import { readSoulParams } from '../../domain/soul.js';
import { closed, v2QueuedSchema } from '../schemas.js';
import type { AppContext } from '../../context.js';
import type { CharactersTable } from '../../store/schema.js';
import { principalOf } from '../auth.js';
import { v2Urls } from './higgsfield-render.js';
import { V2_SOUL_BODY, V2_WEBHOOK_QUERY, v2Webhook } from './higgsfield-v2.js';
import { queryInts } from '../query-ints.js';
import type { Quoter } from '../quote.js';
import { type SoulRead, soulQuoter } from '../quote.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;
const CHARACTER_MODEL_VERSIONS = ['v1', 'v2', 'cinema'] as const;

const PHOTO_FIELDS = { ...IMAGE_REF_FIELDS, type: { ...IMAGE_REF_FIELDS.type, required: true } } as const satisfies Record<
  string,
  FieldSpec
>;
/** POST /v1/custom-references, as readCreate enforces it. */
export const CREATE_FIELDS = {
  name: { kind: 'string', required: true, min: 1, max: 100, example: 'Ada' },
  model_version: {
    kind: 'literal',
    values: CHARACTER_MODEL_VERSIONS,
    description: 'Accepted for compatibility: a character works with every Soul model',
  },
  input_images: {
    kind: 'list',
    required: true,
    min: 1,
    max: 100,
    items: { kind: 'object', fields: PHOTO_FIELDS },
    description: 'Photos of one face',
  },
} as const satisfies Record<string, FieldSpec>;

function readCreate(body: unknown): { name: string; urls: string[] } {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const name = r.read('name', CREATE_FIELDS.name);
  // The docs list the Soul generation a character is made for. opensoul's character (face
  // embeddings + identity transfer after generation) works with every Soul model, so the value
  // is checked and otherwise changes nothing.
  r.read('model_version', CREATE_FIELDS.model_version);
  const list = r.read('input_images', CREATE_FIELDS.input_images);
  const urls: string[] = [];
  list?.forEach((item, i) => {
    const it = FieldReader.object(item, ['body', 'input_images', i], r.issues);
    if (!it) return;
    it.read('type', PHOTO_FIELDS.type);
    const url = it.read('image_url', PHOTO_FIELDS.image_url);
    it.forbidExtra();
    r.issues.push(...it.issues);
    if (url) urls.push(url);
  });
  r.forbidExtra();
  r.throwIfInvalid();
  return { name: name!, urls };
}

const uri = { type: 'string', format: 'uri' };
const CHARACTER_PROPERTIES = {
  id: { type: 'string', format: 'uuid' },
  name: { type: 'string' },
  status: { type: 'string', enum: ['queued', 'in_progress', 'completed', 'failed'] },
  thumbnail_url: { ...uri, nullable: true },
  created_at: { type: 'string' },
  in_progress_at: { type: 'string', nullable: true },
  quality_report: { type: 'array', items: { type: 'object' }, description: 'opensoul: per photo, accepted or why refused' },
};
const CHARACTER_SCHEMA = closed(CHARACTER_PROPERTIES);
const CHARACTER_DETAIL_SCHEMA = closed({
  ...CHARACTER_PROPERTIES,
  reference_media: {
    type: 'array',
    items: closed({ id: { type: 'string' }, media_url: uri, accepted: { type: 'boolean' }, face_crop_url: { ...uri, nullable: true } }),
  },
});
const PAGE = { page: { def: 1, min: 1, max: 1_000_000 }, page_size: { def: 20, min: 1, max: 100 } };

export function soulIdRoutes(app: FastifyInstance, ctx: AppContext) {
  const characters = ctx.characters;
  const view = (c: CharactersTable) => ({
    id: c.id,
    name: c.name,
    status: c.status,
    thumbnail_url: c.thumbnail_key ? ctx.media.url(c.thumbnail_key) : null,
    created_at: c.created_at,
    in_progress_at: c.in_progress_at,
    // opensoul extension: why photos were refused.
    quality_report: JSON.parse(c.quality_report),
  });

  // Priced by the plan create submits; the character id only names the job's input.
  const createQuote: Quoter = {
    currency: 'credits',
    plan: async (req) => {
      const { name, urls } = readCreate(req.body);
      return characters.plan(randomUUID(), name, urls);
    },
  };
  // `/soul-id` is the catalogue id the official docs use for character creation: an alias.
  for (const [route, summary] of [
    ['/v1/custom-references', 'Create a character (Soul ID) from photos'],
    ['/soul-id', 'Alias of POST /v1/custom-references (the catalogue id "soul-id"; same body and answer)'],
  ]) {
    app.post(
      route,
      {
        config: { ...hf, idempotent: true, quote: createQuote },
        schema: {
          tags: ['soul id'],
          summary,
          body: objectSchema(CREATE_FIELDS, {
            example: { name: 'Ada', input_images: [{ type: 'image_url', image_url: 'https://example.com/ada-1.jpg' }] },
          }),
          response: { 200: CHARACTER_SCHEMA },
        },
      },
      async (req) => {
        const { accountId } = principalOf(req);
        const { name, urls } = readCreate(req.body);
        return view(await characters.create(accountId, name, urls));
      },
    );
  }

  app.get<{ Querystring: Record<string, string> }>(
    '/v1/custom-references/list',
    {
      config: hf,
      schema: {
        tags: ['soul id'],
        summary: 'List characters, paginated',
        querystring: {
          type: 'object',
          properties: Object.fromEntries(
            Object.entries(PAGE).map(([k, v]) => [k, { type: 'integer', minimum: v.min, maximum: v.max, default: v.def }]),
          ),
        },
        response: {
          200: closed({
            total: { type: 'integer' },
            page: { type: 'integer' },
            page_size: { type: 'integer' },
            total_pages: { type: 'integer' },
            items: { type: 'array', items: CHARACTER_SCHEMA },
          }),
        },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const { page, page_size: pageSize } = queryInts(req.query, PAGE);
      const { total, items } = await characters.list(accountId, page, pageSize);
      return { total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize), items: items.map(view) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/custom-references/:id',
    {
      config: hf,
      schema: { tags: ['soul id'], summary: 'Read a character with its reference media', response: { 200: CHARACTER_DETAIL_SCHEMA } },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const c = await characters.get(req.params.id, accountId);
      if (!c) throw new DomainError('not_found', 'Custom reference not found');
      return {
        ...view(c),
        reference_media: c.media.map((m) => ({
          id: m.id,
          media_url: ctx.media.url(m.media_key),
          accepted: m.accepted === 1,
          face_crop_url: m.face_crop_key ? ctx.media.url(m.face_crop_key) : null,
        })),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/custom-references/:id',
    {
      config: hf,
      schema: {
        tags: ['soul id'],
        summary: 'Delete a character, its photos, crops and embeddings',
        response: { 200: closed({ id: { type: 'string' }, deleted: { type: 'boolean', enum: [true] } }) },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      if (!(await characters.delete(req.params.id, accountId))) throw new DomainError('not_found', 'Custom reference not found');
      return { id: req.params.id, deleted: true };
    },
  );

  const readCharacterSoul: SoulRead = async (req) => {
    const params = readSoulParams(req.body, ['body'], { v2Aliases: true });
    if (!params.customReferenceId)
      throw new ValidationError([{ type: 'missing', loc: ['body', 'custom_reference_id'], msg: 'Field required' }]);
    return { params, meta: { model: 'higgsfield-ai/soul/character', dialect: 'higgsfield', webhook: await v2Webhook(req, ctx) } };
  };
  app.post(
    '/higgsfield-ai/soul/character',
    {
      config: { ...hf, idempotent: true, quote: soulQuoter(ctx, 'credits', readCharacterSoul) },
      schema: {
        tags: ['higgsfield v2'],
        summary: 'Soul with a character (custom_reference_id)',
        description: 'custom_reference_id is required on this path',
        querystring: V2_WEBHOOK_QUERY,
        body: V2_SOUL_BODY,
        response: { 200: v2QueuedSchema },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const { params, meta } = await readCharacterSoul(req);
      const set = await ctx.soul.submit(accountId, params, meta);
      return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
    },
  );
}
