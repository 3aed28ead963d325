/** Thrown when a render is canceled through its AbortSignal (checked between steps). */
export class AbortError extends Error {
  constructor(message = 'render canceled', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('render canceled', { cause: signal.reason });
}
