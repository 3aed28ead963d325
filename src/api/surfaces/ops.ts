import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../context.js';

/** Liveness, readiness, metrics. Public: they reveal no account data. */
export function opsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['ops'], summary: 'Readiness: database, storage, workers, models' } }, async (_req, reply) => {
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
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    const depth = await ctx.generation.repo().queueDepth();
    const text = ctx.metrics.render([
      { name: 'opensoul_queue_jobs', help: 'Jobs waiting or running, by kind and status', samples: depth.map((d) => ({ labels: { kind: d.kind, status: d.status }, value: d.n })) },
      { name: 'opensoul_workers_busy', help: 'In-process workers running a job', samples: [{ labels: {}, value: ctx.workers?.active ?? 0 }] },
      { name: 'opensoul_event_streams', help: 'Open job-set event streams (SSE)', samples: [{ labels: {}, value: ctx.metrics.eventStreams }] },
    ]);
    return reply.type('text/plain; version=0.0.4').send(text);
  });
}
