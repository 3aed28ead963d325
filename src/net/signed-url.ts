// HMAC-signed, expiring media paths: `/media/...?exp=<unix s>&sig=<base64url HMAC-SHA256>`.
// The signature covers the path exactly as given plus the expiry, so callers must verify the
// raw request path (before any percent-decoding) that signMediaPath produced.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type MediaSignatureResult = 'ok' | 'expired' | 'bad_signature';

export interface SignMediaOptions {
  secret: string | Buffer;
  expiresAt: Date;
}

// Domain separation: this key may be shared with other HMAC uses in the server.
const CONTEXT = 'opensoul-media-url:v1';

function mediaMac(path: string, exp: string, secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}\n${path}\n${exp}`, 'utf8').digest();
}

function assertSecret(secret: string | Buffer): void {
  if (secret.length === 0) throw new Error('The media signing secret is empty');
}

/** Returns `path?exp=...&sig=...`. The path must not already carry a query or fragment. */
export function signMediaPath(path: string, opts: SignMediaOptions): string {
  assertSecret(opts.secret);
  if (!path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new Error('signMediaPath expects an absolute path without query, fragment or whitespace');
  }
  const expMs = opts.expiresAt.getTime();
  if (!Number.isFinite(expMs)) throw new Error('signMediaPath: expiresAt is not a valid date');
  const exp = String(Math.floor(expMs / 1000));
  const sig = mediaMac(path, exp, opts.secret).toString('base64url');
  return `${path}?exp=${exp}&sig=${sig}`;
}

type QueryInput = URLSearchParams | string | Record<string, unknown>;

function queryValue(query: QueryInput, name: string): string | undefined {
  if (typeof query === 'string') return new URLSearchParams(query.startsWith('?') ? query.slice(1) : query).get(name) ?? undefined;
  if (query instanceof URLSearchParams) return query.get(name) ?? undefined;
  const v = query[name];
  return typeof v === 'string' ? v : undefined; // repeated parameters (arrays) are refused
}

/**
 * Checks a signed media request. `query` may be the raw query string, URLSearchParams or a
 * parsed object (e.g. Fastify's request.query). A bad signature is reported before expiry so
 * an unsigned guess learns nothing.
 */
export function verifyMediaSignature(
  path: string,
  query: QueryInput,
  secret: string | Buffer,
  now: Date = new Date(),
): MediaSignatureResult {
  assertSecret(secret);
  const exp = queryValue(query, 'exp');
  const sig = queryValue(query, 'sig');
  if (!exp || !sig || !/^\d{1,15}$/.test(exp) || !/^[A-Za-z0-9_-]+$/.test(sig)) return 'bad_signature';
  // Compare the canonical text form: lenient base64 decoding would accept several spellings.
  const expected = Buffer.from(mediaMac(path, exp, secret).toString('base64url'), 'ascii');
  const given = Buffer.from(sig, 'ascii');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
  return now.getTime() >= Number(exp) * 1000 ? 'expired' : 'ok';
}
