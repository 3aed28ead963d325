// A total time budget for a multi-step outbound request (DNS, connect, redirects, body),
// combined with the caller's own AbortSignal.
import { SafeFetchError } from './safe-fetch-error.js';

export interface Deadline {
  /** Aborts when the budget runs out or the caller aborts. */
  signal: AbortSignal;
  /** Converts whatever was thrown into a SafeFetchError, naming timeout/abort when that is the cause. */
  toError(err: unknown, mapOther: (err: unknown) => SafeFetchError): SafeFetchError;
  dispose(): void;
}

export function createDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new SafeFetchError('timeout', `The request did not complete within ${timeoutMs} ms`));
  }, timeoutMs);
  const onOuterAbort = () => controller.abort(new SafeFetchError('aborted', 'The request was canceled'));
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });

  return {
    signal: controller.signal,
    toError(err, mapOther) {
      if (controller.signal.aborted) {
        const reason = controller.signal.reason;
        if (reason instanceof SafeFetchError) return reason;
        return timedOut
          ? new SafeFetchError('timeout', `The request did not complete within ${timeoutMs} ms`)
          : new SafeFetchError('aborted', 'The request was canceled');
      }
      return mapOther(err);
    },
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}

/** Settles with the promise, or rejects as soon as the signal aborts (the promise is left to finish). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
