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
      // Services log `err` as a stack or message string too: redact it as it is, never read .message off it.
      err: (err: unknown) =>
        err instanceof Error
          ? { type: err.name, code: (err as { code?: string }).code, message: redact(err.message), stack: redact(err.stack ?? '') }
          : redactDeep(err),
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
