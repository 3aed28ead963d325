/** Error figures the reseller dialects share (each renders its own shape). */
import { DomainError, type DomainErrorCode, ValidationError } from '../../domain/errors.js';
import { HIGGSFIELD_STATUS } from '../errors.js';

/** HTTP status of a domain error in a reseller dialect: Higgsfield's, with the dialect's exceptions. */
export function statusOf(code: DomainErrorCode, overrides: Partial<Record<DomainErrorCode, number>>): number {
  return overrides[code] ?? HIGGSFIELD_STATUS[code];
}

/** Resellers answer bad input with one message; issues read `loc: msg`, loc without the `body` root. */
export function errorMessage(err: DomainError | ValidationError): string {
  if (err instanceof DomainError) return err.message;
  return err.issues.map((i) => `${i.loc.filter((p, n) => !(n === 0 && p === 'body')).join('.') || 'body'}: ${i.msg}`).join('; ');
}
