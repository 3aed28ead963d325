/** Errors of the hub client, with messages meant for the person running `opensoul models pull`. */

export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }

  /** Worth another attempt: connection trouble, 5xx, 408 and 429. */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

export class HubIntegrityError extends HubError {
  constructor(message: string) {
    super(message, 0);
    this.name = 'HubIntegrityError';
  }

  override get retryable(): boolean {
    return false;
  }
}

export function httpError(status: number, what: string, tokenGiven: boolean): HubError {
  if (status === 401 || status === 403) {
    const hint = tokenGiven
      ? 'the token was refused or lacks access (accept the model licence on its hub page)'
      : 'the repository is gated or private: set HF_TOKEN to an access token';
    return new HubError(`${what}: HTTP ${status}, ${hint}`, status);
  }
  if (status === 404) return new HubError(`${what}: not found (check the repository name and revision)`, status);
  return new HubError(`${what}: HTTP ${status}`, status);
}
