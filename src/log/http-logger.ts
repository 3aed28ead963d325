import type { FastifyServerOptions } from 'fastify';
import { redact, redactDeep } from './redact.js';

type Req = { method?: string; url?: string; ip?: string; id?: string };

/**
 * Fastify's (pino) request logger with every line redacted: request URLs carry media signatures
 * and error messages may quote them. Objects other than req/res/err are redacted deeply.
 */
export function httpLoggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return { level, ...(stream ? { stream } : {}), ...redactingOptions() } as FastifyServerOptions['logger'];
}

/** Serializers and a log hook that redact every line (pino options; also used by createLogger). */
export function redactingOptions() {
  return {
    serializers: {
      req: (req: Req) => ({ method: req.method, url: redact(req.url ?? ''), remoteAddress: req.ip }),
      // Callers also pass `err: String(e)`: a serializer that assumed an Error threw inside the
      // log call, so a failure being reported (a lost database connection) ended the process.
      err: (err: unknown) => {
        if (!(err instanceof Error)) return redact(typeof err === 'string' ? err : String(err));
        const e = err as Error & { code?: string };
        return { type: e.name, code: e.code, message: redact(e.message ?? ''), stack: redact(e.stack ?? '') };
      },
    },
    hooks: {
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        const safe = args.map((a) => {
          if (typeof a === 'string') return redact(a);
          if (!a || typeof a !== 'object' || a instanceof Error) return a;
          const out: Record<string, unknown> = {};
          // req, res and err have serializers above; walking a live request object would be costly.
          for (const [k, v] of Object.entries(a)) out[k] = k === 'req' || k === 'res' || k === 'err' ? v : redactDeep(v);
          return out;
        });
        method.apply(this, safe);
      },
    },
  };
}
