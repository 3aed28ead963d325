import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The Idempotency-Key a submit runs under, set by the API's idempotency hook for the rest of the
 * request. GenerationService.submit links the set it commits to the key in the same transaction,
 * and a retry that takes over a key abandoned by a dead process gets that set back instead of a
 * second charge. Carried this way because every dialect's route reaches submit through its own
 * service; threading the key through each of them would repeat it in every signature.
 */
export interface SubmitScope {
  accountId: string;
  idempotencyKey: string;
  /** Set by the request's first submit: only it is linked to the key. */
  linked?: boolean;
  /** The key was taken over from an abandoned attempt, which may have committed a set already. */
  takenOver?: boolean;
}

export const submitScope = new AsyncLocalStorage<SubmitScope>();
