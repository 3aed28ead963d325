import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import { redactingOptions } from './http-logger.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  /** OPENSOUL_LOG_LEVEL; default info. */
  level?: string;
  /** Where lines go; default stdout, pretty-printed when it is a terminal. */
  stream?: DestinationStream;
  /** Force (true) or refuse (false) pino-pretty; default: only when stdout is a TTY. */
  pretty?: boolean;
}

function level(name: string | undefined): string {
  const l = (name ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(l))
    throw new Error(`OPENSOUL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${name}"`);
  return l;
}

/**
 * pino-pretty is loaded only for a terminal: machines reading the log get pino's JSON lines,
 * people watching a terminal get one readable line per event. Synchronous (no worker thread),
 * so the last lines before an exit are never lost.
 */
function prettyStream(): DestinationStream | null {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => DestinationStream;
    return pretty({ colorize: true, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return null;
  }
}

/** The one logger of a process; Fastify logs through it as well. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  // Every line is redacted: signed media URLs, credentials and secrets never reach the log.
  const options = { level: level(opts.level), base: { pid: process.pid }, ...redactingOptions() };
  if (opts.stream) return pino(options, opts.stream);
  const usePretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const stream = usePretty ? prettyStream() : null;
  return stream ? pino(options, stream) : pino(options);
}

/** A logger that drops everything: the default for contexts built without one (tests, CLI commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The older `(message, fields)` callback shape some services take, routed to a logger at warn. */
export function logCallback(logger: Logger): (msg: string, extra?: Record<string, unknown>) => void {
  return (msg, extra) => logger.warn(extra ?? {}, msg);
}
