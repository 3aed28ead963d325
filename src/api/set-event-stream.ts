import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DomainError } from '../domain/errors.js';
import { SetStreamCursor, type SetStreamEvent, parseLastEventId } from '../services/set-stream.js';
import type { StoredJobSet } from '../store/repos/jobs.js';

export interface SetStreamOptions {
  setId: string;
  accountId: string;
  /** The dialect's body of the set (status and done events). */
  render: (set: StoredJobSet) => unknown;
  notFound: string;
}

/** Response headers of an event stream; no-transform and x-accel-buffering keep proxies from holding events. */
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * Server-Sent Events of one job set for one client. It re-reads the set when the set-event bus
 * says it changed (this process's workers, or any process through Redis) and on a timer, so a
 * missed nudge only delays an event; the SetStreamCursor decides what the client still needs.
 * Returns the stream function of a surface; open streams end when the app closes.
 */
export function setEventStreams(app: FastifyInstance, ctx: AppContext) {
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const close of [...open]) close();
    done();
  });

  return async function stream(req: FastifyRequest, reply: FastifyReply, o: SetStreamOptions): Promise<void> {
    // Checked before any byte is sent, so a missing or foreign set is a normal 404 in the dialect's shape.
    const first = await ctx.generation.get(o.setId, o.accountId);
    if (!first) throw new DomainError('not_found', o.notFound);
    const cursor = new SetStreamCursor(parseLastEventId(req.headers['last-event-id']));
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, SSE_HEADERS);
    // A resume with nothing new writes no event yet: the client still gets its headers now.
    res.flushHeaders();
    ctx.metrics.eventStreams++;

    let closed = false;
    let reading = false;
    let again = false;
    const write = (text: string) => {
      if (!closed && !res.destroyed) res.write(text);
    };
    const send = (e: SetStreamEvent) => {
      const data = e.event === 'progress' ? { job_id: e.jobId, step: e.step, total: e.total } : o.render(e.set);
      write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const apply = (set: StoredJobSet | undefined) => {
      // Deleted or hidden meanwhile: nothing more will come for this client.
      if (!set) return close();
      const { events, ended } = cursor.next(set);
      for (const e of events) send(e);
      if (ended) close();
    };
    /** One read at a time; a nudge during a read asks for one more after it. */
    const refresh = async () => {
      if (closed) return;
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          apply(await ctx.generation.get(o.setId, o.accountId));
        } while (again && !closed);
      } catch {
        // A failed read (database restarting) is retried by the next tick.
      } finally {
        reading = false;
      }
    };
    const poll = setInterval(() => void refresh(), ctx.config.ssePollMs);
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), ctx.config.sseKeepAliveMs);
    const unsubscribe = ctx.generation.events.subscribe(o.setId, () => void refresh());
    function close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(close);
      ctx.metrics.eventStreams--;
      if (!res.writableEnded) res.end();
    }
    open.add(close);
    res.on('close', close);
    // A socket that fails mid-write is a client gone, not a server error.
    res.on('error', close);
    apply(first);
  };
}
