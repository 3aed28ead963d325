// An HTTP client over several API processes: a request that meets a dead process (connection
// refused or reset), a 5xx or an Idempotency-Key still in flight goes to the next process after
// a short pause, so clients fail over as a load balancer would send them elsewhere.
import type { HttpCall } from './dialects.js';

export interface Sample {
  /** ms since the run began, when the request was sent. */
  at: number;
  ms: number;
}

export class LatencyLog {
  readonly samples: Record<'submit' | 'poll', Sample[]> = { submit: [], poll: [] };
  failovers = 0;
  /** Answers that made the client retry, by cause ("ECONNREFUSED", "503", ...). */
  readonly retries = new Map<string, number>();

  count(cause: string) {
    this.retries.set(cause, (this.retries.get(cause) ?? 0) + 1);
  }
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

const RETRY_STATUS = new Set([500, 502, 503, 504]);

export class FailoverClient {
  constructor(
    private readonly apis: string[],
    private readonly t0: number,
    readonly log: LatencyLog,
    private readonly giveUpMs = 150_000,
  ) {}

  /**
   * Sends the call to apis[prefer] first. Retries (elsewhere) until an answer that is not a
   * transient failure; `conflictRetry` also retries 409 (the Idempotency-Key's first attempt
   * died with its process and holds the key until its lock lapses).
   */
  async send(
    call: HttpCall,
    opts: { prefer: number; kind?: 'submit' | 'poll'; idempotencyKey?: string; conflictRetry?: boolean },
  ): Promise<Answer> {
    const start = Date.now();
    for (let attempt = 0; ; attempt++) {
      const api = this.apis[(opts.prefer + attempt) % this.apis.length];
      const sent = Date.now();
      let cause: string;
      try {
        const res = await fetch(api + call.path, {
          method: call.method,
          headers: { ...call.headers, ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}) },
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal: AbortSignal.timeout(20_000),
        });
        const text = await res.text();
        if (!RETRY_STATUS.has(res.status) && !(opts.conflictRetry && res.status === 409)) {
          if (opts.kind) this.log.samples[opts.kind].push({ at: sent - this.t0, ms: Date.now() - sent });
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON: kept as text */
          }
          return { status: res.status, body, headers: res.headers };
        }
        cause = `HTTP ${res.status}`;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        cause = err.cause?.code ?? err.name;
        this.log.failovers++;
      }
      this.log.count(cause);
      if (Date.now() - start > this.giveUpMs)
        throw new Error(`${call.method} ${call.path}: no answer after ${attempt + 1} attempts (last: ${cause})`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * (attempt + 1))));
    }
  }
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
