import type { FastifyRequest } from 'fastify';
import { parseKey } from '../domain/api-key.js';
import type { CredentialExtractor } from './dialect.js';

/** A header's first value. */
export function headerValue(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Credentials that were sent but cannot be a key: they authenticate as nothing, so the answer is "invalid", not "missing". */
export const MALFORMED = { keyId: '', secret: '' };

/** A key sent as one value (`id:secret` or `os_…`); present but malformed is an invalid key (401 "invalid"), not a missing one. */
export function presentKey(value: string | undefined): { keyId: string; secret: string } | null {
  if (!value || value.trim() === '') return null;
  return parseKey(value) ?? { keyId: value.trim(), secret: '' };
}

/** A key carried whole in one header (Segmind's `x-api-key`, Pixazo's `Ocp-Apim-Subscription-Key`). */
export const keyHeaderCredentials =
  (name: string): CredentialExtractor =>
  (req) =>
    presentKey(headerValue(req, name));
