import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DomainError, type FieldIssue, ValidationError } from '../../domain/errors.js';
import { FieldReader } from '../../domain/fields.js';
import { readSoulParams } from '../../domain/soul.js';
import type { AppContext } from '../../context.js';
import type { CharactersTable } from '../../store/schema.js';
import { principalOf } from '../auth.js';
import { v2Urls } from './higgsfield-render.js';
import { v2Webhook } from './higgsfield-v2.js';
import { queryInts } from '../query-ints.js';
import type { Quoter } from '../quote.js';
import { type SoulRead, soulQuoter } from '../quote.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;
const CHARACTER_MODEL_VERSIONS = ['v1', 'v2', 'cinema'] as const;

function readCreate(body: unknown): { name: string; urls: string[] } {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const name = r.string('name', { required: true, min: 1, max: 100 });
  // The docs list the Soul generation a character is made for. opensoul's character (face
  // embeddings + identity transfer after generation) works with every Soul model, so the value
  // is checked and otherwise changes nothing.
  r.literal('model_version', CHARACTER_MODEL_VERSIONS);
  const list = r.list('input_images', { required: true, min: 1, max: 100 });
  const urls: string[] = [];
  list?.forEach((item, i) => {
    const it = FieldReader.object(item, ['body', 'input_images', i], r.issues);
    if (!it) return;
    it.literal('type', ['image_url'] as const, { required: true });
    const url = it.url('image_url', { required: true });
    it.forbidExtra();
    r.issues.push(...it.issues);
    if (url) urls.push(url);
  });
  r.forbidExtra();
  r.throwIfInvalid();
  return { name: name!, urls };
}

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
    app.post(route, { config: { ...hf, idempotent: true, quote: createQuote }, schema: { tags: ['soul id'], summary } }, async (req) => {
      const { accountId } = principalOf(req);
      const { name, urls } = readCreate(req.body);
      return view(await characters.create(accountId, name, urls));
    });
  }

  app.get<{ Querystring: Record<string, string> }>('/v1/custom-references/list', { config: hf, schema: { tags: ['soul id'], summary: 'List characters, paginated' } }, async (req) => {
    const { accountId } = principalOf(req);
    const { page, page_size: pageSize } = queryInts(req.query, { page: { def: 1, min: 1, max: 1_000_000 }, page_size: { def: 20, min: 1, max: 100 } });
    const { total, items } = await characters.list(accountId, page, pageSize);
    return { total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize), items: items.map(view) };
  });

  app.get<{ Params: { id: string } }>('/v1/custom-references/:id', { config: hf, schema: { tags: ['soul id'], summary: 'Read a character with its reference media' } }, async (req) => {
    const { accountId } = principalOf(req);
    const c = await characters.get(req.params.id, accountId);
    if (!c) throw new DomainError('not_found', 'Custom reference not found');
    return { ...view(c), reference_media: c.media.map((m) => ({ id: m.id, media_url: ctx.media.url(m.media_key), accepted: m.accepted === 1, face_crop_url: m.face_crop_key ? ctx.media.url(m.face_crop_key) : null })) };
  });

  app.delete<{ Params: { id: string } }>('/v1/custom-references/:id', { config: hf, schema: { tags: ['soul id'], summary: 'Delete a character, its photos, crops and embeddings' } }, async (req) => {
    const { accountId } = principalOf(req);
    if (!(await characters.delete(req.params.id, accountId))) throw new DomainError('not_found', 'Custom reference not found');
    return { id: req.params.id, deleted: true };
  });

  const readCharacterSoul: SoulRead = async (req) => {
    const params = readSoulParams(req.body, ['body'], { v2Aliases: true });
    if (!params.customReferenceId) throw new ValidationError([{ type: 'missing', loc: ['body', 'custom_reference_id'], msg: 'Field required' }]);
    return { params, meta: { model: 'higgsfield-ai/soul/character', dialect: 'higgsfield', webhook: await v2Webhook(req, ctx) } };
  };
  app.post('/higgsfield-ai/soul/character', { config: { ...hf, idempotent: true, quote: soulQuoter(ctx, 'credits', readCharacterSoul) }, schema: { tags: ['higgsfield v2'], summary: 'Soul with a character (custom_reference_id)' } }, async (req) => {
    const { accountId } = principalOf(req);
    const { params, meta } = await readCharacterSoul(req);
    const set = await ctx.soul.submit(accountId, params, meta);
    return { status: 'queued', request_id: set.id, ...v2Urls(ctx.baseUrl(), set.id) };
  });
}
