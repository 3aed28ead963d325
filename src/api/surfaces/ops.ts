import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isOperator, operatorOnly } from '../security.js';
import { sql } from 'kysely';
import type { AppContext } from '../../context.js';
import { closed } from '../schemas.js';

const READY_SCHEMA = closed({
  status: { type: 'string', enum: ['ready', 'not_ready'] },
  checks: { type: 'object', additionalProperties: closed({ ok: { type: 'boolean' }, detail: { type: 'string' } }, ['ok']), description: 'Operators only (loopback or the operator token)' },
}, ['status']);

/**
 * Liveness (public), readiness (public status; the per-check detail only for operators) and
 * metrics (operators only: loopback, or the operator token; src/api/security.ts).
 */
export function opsRoutes(app: FastifyInstance, ctx: AppContext) {
  const operator = (req: FastifyRequest) => isOperator(req, ctx.config.operatorToken);
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness', response: { 200: closed({ status: { type: 'string', enum: ['ok'] } }) } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['ops'], summary: 'Readiness: database, storage, workers, models (details for operators)', response: { 200: READY_SCHEMA, 503: { ...READY_SCHEMA, description: 'Not ready: the checks (operators) say which part' } } } }, async (req, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
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
      : { ok: true, detail: 'no in-process workers (scaled mode: run `opensoul worker`)' };
    for (const [name, probe] of Object.entries(ctx.readiness)) {
      try {
        const r = await probe();
        // A missing model is reported but does not make the API unready: jobs fail with a clear error.
        checks[name] = { ok: r.ready, detail: r.reason ?? r.model };
      } catch (e) {
        checks[name] = { ok: false, detail: String(e) };
      }
    }
    const critical = ['database', 'storage', 'workers'];
    const ready = critical.every((k) => checks[k]?.ok);
    // Details name the database engine, model files and errors: operators only.
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', ...(operator(req) ? { checks } : {}) });
  });

  // Anyone may check a file's content credentials against the chain that signs them.
  app.get('/.well-known/opensoul/c2pa-chain.pem', { schema: { tags: ['ops'], summary: 'Certificate chain that signs C2PA content credentials (signer first)', response: { 200: { description: 'PEM certificates', content: { 'application/x-pem-file': { schema: { type: 'string' } } } }, 404: { description: 'Content credentials are off', content: { 'application/json': { schema: closed({ detail: { type: 'string' } }) } } } } } }, async (_req, reply) => {
    if (!ctx.provenance) return reply.status(404).send({ detail: 'Content credentials are off on this server' });
    return reply.type('application/x-pem-file').send(ctx.provenance.chainPem);
  });

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics (operators only)', response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } }, async (req, reply) => {
    if (!operator(req)) return operatorOnly(reply);
    const depth = await ctx.generation.repo().queueDepth();
    const text = ctx.metrics.render([
      { name: 'opensoul_queue_jobs', help: 'Jobs waiting or running, by kind and status', samples: depth.map((d) => ({ labels: { kind: d.kind, status: d.status }, value: d.n })) },
      { name: 'opensoul_workers_busy', help: 'In-process workers running a job', samples: [{ labels: {}, value: ctx.workers?.active ?? 0 }] },
      { name: 'opensoul_event_streams', help: 'Open job-set event streams (SSE)', samples: [{ labels: {}, value: ctx.metrics.eventStreams }] },
    ]);
    return reply.type('text/plain; version=0.0.4').send(text);
  });
}
