import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { JOB_KINDS, WIRE_STATUSES } from '../../domain/job.js';
import { SET_LIST_MAX_LIMIT, listJobSets, readSetListQuery } from '../../services/job-set-list.js';
import { principalOf } from '../auth.js';
import { renderV1SetListItem, renderV1SetWithStatus } from './higgsfield-render.js';
import { setEventStreams } from '../set-event-stream.js';
import { closed, v1JobSetWithStatusProperties } from '../schemas.js';

const hf = { auth: 'higgsfield', dialect: 'higgsfield' } as const;

const listItemSchema = closed(
  {
    ...v1JobSetWithStatusProperties,
    kind: { type: 'string', enum: [...JOB_KINDS] },
    model: { type: 'string' },
    dialect: { type: 'string' },
    cost_credits: { type: 'number' },
    refunded_credits: { type: 'number' },
    error: { type: 'string', nullable: true },
  },
  undefined,
  { description: 'The v1 JobSet (as GET /v1/job-sets/{id}) plus opensoul fields' },
);

/** OpenAPI description of an event stream route (shared by the v1 and v2 streams). */
export const eventStreamSchema = (dataOf: string) => ({
  headers: {
    type: 'object',
    properties: { 'last-event-id': { type: 'string', description: 'Resume: the id of the last event received' } },
  },
  response: {
    200: {
      description: `text/event-stream. Events, each with an id (the set's change counter): \`status\` (data: ${dataOf}) first and on every job status change, \`progress\` (data: {job_id, step, total}), \`done\` (data: the final body), then the stream ends. A \`: keep-alive\` comment every 15 s.`,
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    },
  },
});

/** The account's job-set history (opensoul extension; the studio's History view reads it). */
export function jobSetRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/v1/job-sets',
    {
      config: hf,
      schema: {
        tags: ['opensoul'],
        summary: 'Job sets of the calling account, newest first, filtered by kind and status, cursor-paged',
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: SET_LIST_MAX_LIMIT, default: 20 },
            cursor: { type: 'string', description: 'next_cursor of the previous page' },
            kind: { type: 'string', enum: [...JOB_KINDS] },
            status: { type: 'string', enum: [...WIRE_STATUSES] },
          },
        },
        response: { 200: closed({ items: { type: 'array', items: listItemSchema }, next_cursor: { type: 'string', nullable: true } }) },
      },
    },
    async (req) => {
      const { accountId } = principalOf(req);
      const q = readSetListQuery(req.query as Record<string, unknown>);
      const page = await listJobSets(ctx.generation, accountId, q);
      return { items: page.items.map((s) => renderV1SetListItem(s, ctx.media)), next_cursor: page.nextCursor };
    },
  );

  const stream = setEventStreams(app, ctx);
  app.get<{ Params: { id: string } }>(
    '/v1/job-sets/:id/events',
    {
      config: hf,
      schema: {
        tags: ['opensoul'],
        summary: 'Server-Sent Events of a job set: status, progress, done; Last-Event-ID resumes',
        ...eventStreamSchema('the job set as GET /v1/job-sets/{id}, plus its status'),
      },
    },
    async (req, reply) => {
      const { accountId } = principalOf(req);
      await stream(req, reply, {
        setId: req.params.id,
        accountId,
        render: (set) => renderV1SetWithStatus(set, ctx.media),
        notFound: 'Job set not found',
      });
    },
  );
}
