import { bounded, boundedValue } from './echo.js';

/**
 * Domain errors carry meaning, not wire shape: each surface renders them in its dialect
 * ({detail} for Higgsfield, {code,message} for WaveSpeed, {error} for Segmind...).
 */
export type FieldIssueType =
  | 'missing'
  | 'literal_error'
  | 'string_type'
  | 'int_type'
  | 'int_parsing'
  | 'float_parsing'
  | 'float_type'
  | 'bool_type'
  | 'dict_type'
  | 'list_type'
  | 'uuid_parsing'
  | 'greater_than_equal'
  | 'less_than_equal'
  | 'string_too_short'
  | 'string_too_long'
  | 'too_short'
  | 'too_long'
  | 'extra_forbidden'
  | 'value_error'
  | 'url_parsing'
  | 'json_invalid'
  | 'string_pattern_mismatch';

export interface FieldIssue {
  type: FieldIssueType;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

/** Longest message a DomainError carries; the messages that quote input quote a bounded part of it. */
const MAX_MESSAGE_CHARS = 2000;

export class ValidationError extends Error {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[]) {
    // Every dialect renders these: the echoed input and context are bounded once, here.
    const safe = issues.map((i) => ({
      ...i,
      loc: i.loc.map((p) => (typeof p === 'string' ? bounded(p, 64) : p)),
      msg: bounded(i.msg, 500),
      ...('input' in i ? { input: boundedValue(i.input) } : {}),
      ...(i.ctx ? { ctx: boundedValue(i.ctx) as Record<string, unknown> } : {}),
    }));
    super(bounded(safe.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '), MAX_MESSAGE_CHARS));
    this.issues = safe;
    this.name = 'ValidationError';
  }
}

export type DomainErrorCode =
  | 'bad_input' // 400
  | 'unauthorized' // 401
  | 'insufficient_credits' // 403 (Higgsfield), 406 Segmind, 402-ish elsewhere
  | 'not_found' // 404
  | 'gone' // 410
  | 'conflict' // 409
  | 'idempotency_mismatch' // 422
  | 'concurrency_limit' // 400 per Higgsfield
  | 'rate_limited' // 429
  | 'payload_too_large' // 413
  | 'unavailable' // 503
  | 'internal'; // 500

export class DomainError extends Error {
  constructor(
    public readonly code: DomainErrorCode,
    message: string,
    public readonly meta: Record<string, unknown> = {},
  ) {
    super(bounded(message, MAX_MESSAGE_CHARS));
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);
export const badInput = (msg: string) => new DomainError('bad_input', msg);
