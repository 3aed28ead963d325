// The one error type for outbound requests to user-supplied URLs. Messages are safe to show
// to the user who supplied the URL: they never reveal resolved internal addresses.

export type SafeFetchErrorCode =
  | 'blocked_address'
  | 'bad_url'
  | 'too_large'
  | 'timeout'
  | 'http_status'
  | 'too_many_redirects'
  | 'network'
  // the caller's AbortSignal fired (e.g. the job was canceled)
  | 'aborted';

export class SafeFetchError extends Error {
  readonly code: SafeFetchErrorCode;
  /** HTTP status of the final response, for code 'http_status'. */
  readonly status?: number;
  /** The refused address or low-level cause, for operator logs only: never show it to users. */
  readonly detail?: string;

  constructor(code: SafeFetchErrorCode, message: string, extra: { status?: number; detail?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SafeFetchError';
    this.code = code;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.detail !== undefined) this.detail = extra.detail;
  }
}
