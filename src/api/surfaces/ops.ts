import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isOperator, operatorOnly } from '../security.js';
import { sql } from 'kysely';
import type { AppContext, Readiness } from '../../context.js';
import { closed } from '../schemas.js';

const READY_SCHEMA = closed(
  {
    status: { type: 'string', enum: ['ready', 'degraded', 'not_ready'] },
    checks: {
      type: 'object',
      additionalProperties: closed(
        {
          ok: { type: 'boolean' },
          detail: { type: 'string' },
          fix: { type: 'string', description: 'The command that fixes it' },
          provider: { type: 'string' },
        },
        ['ok'],
      ),
      description: 'Operators only (loopback or the operator token)',
    },
    execution_provider: {
      ...closed({ requested: { type: 'string' }, in_use: { type: 'string', nullable: true } }),
      description: 'Operators only: the ONNX Runtime provider asked for and the one in use',
    },
  },
  ['status'],
);

/**
 * Liveness (public), readiness (public status; the per-check detail only for operators) and
 * metrics (operators only: loopback, or the operator token; src/api/security.ts).
 */
export function opsRoutes(app: FastifyInstance, ctx: AppContext) {
  const operator = (req: FastifyRequest) => isOperator(req, ctx.config.operatorToken);
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'Liveness', response: { 200: closed({ status: { type: 'string', enum: ['ok'] } }) } } },
    async () => ({ status: 'ok' }),
  );

  /**
   * `ready` (200): every part works. `degraded` (503): the API answers but a part jobs need is
   * missing or still loading (a model not pulled, engines warming up); each such check names
   * the command that fixes it. `not_ready` (503): database, storage or workers are down. The
   * per-check detail (engine names, model files, errors) is for operators only.
   */
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: database, storage, workers, models (ready 200; degraded or not_ready 503; details for operators)',
        response: {
          200: READY_SCHEMA,
          503: { ...READY_SCHEMA, description: 'degraded or not_ready: the checks (operators) say which part and how to fix it' },
        },
      },
    },
    async (req, reply) => {
      const checks: Record<string, { ok: boolean; detail?: string; fix?: string; provider?: string }> = {};
      try {
        await sql`select 1`.execute(ctx.db.db);
        checks.database = { ok: true, detail: ctx.db.engine };
      } catch (e) {
        checks.database = { ok: false, detail: String(e) };
      }
      try {
        await ctx.store.check();
        checks.storage = { ok: true };
      } catch (e) {
        checks.storage = { ok: false, detail: String(e) };
      }
      checks.workers = ctx.workers
        ? { ok: ctx.workers.loopCount > 0, detail: `${ctx.workers.loopCount} in-process workers, ${ctx.workers.active} busy` }
        : { ok: true, detail: 'no in-process workers (scaled mode: run `npx opensoul worker`)' };
      const names = Object.keys(ctx.readiness);
      const results = await Promise.all(
        names.map((n) => ctx.readiness[n]().catch((e: unknown) => ({ ready: false, reason: String(e) }) as Readiness)),
      );
      names.forEach((name, i) => {
        const r = results[i];
        checks[name] = {
          ok: r.ready,
          detail: r.reason ?? r.model,
          ...(r.fix && !r.ready ? { fix: r.fix } : {}),
          ...(r.provider ? { provider: r.provider } : {}),
        };
      });
      const critical = ['database', 'storage', 'workers'];
      const status = !critical.every((k) => checks[k]?.ok) ? 'not_ready' : Object.values(checks).every((c) => c.ok) ? 'ready' : 'degraded';
      return reply.status(status === 'ready' ? 200 : 503).send({
        status,
        ...(operator(req)
          ? { checks, execution_provider: { requested: ctx.config.executionProvider, in_use: ctx.executionProvider } }
          : {}),
      });
    },
  );

  // Anyone may check a file's content credentials against the chain that signs them.
  app.get(
    '/.well-known/opensoul/c2pa-chain.pem',
    {
      schema: {
        tags: ['ops'],
        summary: 'Certificate chain that signs C2PA content credentials (signer first)',
        response: {
          200: { description: 'PEM certificates', content: { 'application/x-pem-file': { schema: { type: 'string' } } } },
          404: {
            description: 'Content credentials are off',
            content: { 'application/json': { schema: closed({ detail: { type: 'string' } }) } },
          },
        },
      },
    },
    async (_req, reply) => {
      if (!ctx.provenance) return reply.status(404).send({ detail: 'Content credentials are off on this server' });
      return reply.type('application/x-pem-file').send(ctx.provenance.chainPem);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (operators only)',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (req, reply) => {
      if (!operator(req)) return operatorOnly(reply);
      const depth = await ctx.generation.queueDepth();
      const text = ctx.metrics.render([
        {
          name: 'opensoul_queue_jobs',
          help: 'Jobs waiting or running, by kind and status',
          samples: depth.map((d) => ({ labels: { kind: d.kind, status: d.status }, value: d.n })),
        },
        {
          name: 'opensoul_workers_busy',
          help: 'In-process workers running a job',
          samples: [{ labels: {}, value: ctx.workers?.active ?? 0 }],
        },
        {
          name: 'opensoul_event_streams',
          help: 'Open job-set event streams (SSE)',
          samples: [{ labels: {}, value: ctx.metrics.eventStreams }],
        },
      ]);
      return reply.type('text/plain; version=0.0.4').send(text);
    },
  );
}
