import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for S3, header and query-string (presigned) forms. Kept free of any
 * HTTP client so it can be checked against AWS's published example values on its own.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS) carry a token that must be sent and signed. */
  sessionToken?: string | null;
}

export interface Scope {
  region: string;
  service: string;
}

export interface RequestToSign {
  method: string;
  /** `scheme://host[:port]`; the host part is what the client sends as Host. */
  origin: string;
  /** Already URI-encoded path (see encodePath); S3 signs it as sent, without double encoding. */
  path: string;
  /** Unencoded query parameters; they are encoded and sorted here. */
  query?: Record<string, string>;
  /** Further headers to sign and send (content-type, range, …). */
  headers?: Record<string, string>;
}

export interface SignedRequest {
  /** Headers to send (Host excluded: the HTTP client derives the same value from the URL). */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * URI-encode per SigV4: every byte of the UTF-8 form except A-Z a-z 0-9 - . _ ~ becomes %XX
 * (upper-case hex). `/` is kept only in object paths.
 */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const unreserved =
      (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
    if (unreserved || (keepSlash && byte === 0x2f)) out += String.fromCharCode(byte);
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** An object path: each segment encoded, the `/` between segments kept. */
export function encodePath(path: string): string {
  return uriEncode(path, true);
}

/** `20130524T000000Z` */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function signingKey(secretAccessKey: string, dateStamp: string, scope: Scope): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, dateStamp);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  return hmac(kService, 'aws4_request');
}

export function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    // Sorted by encoded name (then value), by code point as SigV4 requires, not by locale.
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalHeaders(headers: Record<string, string>): { block: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    block: entries.map(([k, v]) => `${k}:${v}\n`).join(''),
    signed: entries.map(([k]) => k).join(';'),
  };
}

export function canonicalRequest(method: string, path: string, query: string, headers: Record<string, string>, payloadHash: string): { text: string; signedHeaders: string } {
  const h = canonicalHeaders(headers);
  return { text: [method.toUpperCase(), path || '/', query, h.block, h.signed, payloadHash].join('\n'), signedHeaders: h.signed };
}

function credentialScope(date: string, scope: Scope): string {
  return `${date.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`;
}

function sign(date: string, scope: Scope, secretAccessKey: string, canonical: string): { stringToSign: string; signature: string } {
  const sts = [ALGORITHM, date, credentialScope(date, scope), sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(secretAccessKey, date.slice(0, 8), scope)).update(sts, 'utf8').digest('hex');
  return { stringToSign: sts, signature };
}

/**
 * Header-form signing. `payloadHash` is the hex SHA-256 of the body (or UNSIGNED_PAYLOAD); it is
 * also sent as x-amz-content-sha256, which S3 requires and checks against the body.
 */
export function signRequest(req: RequestToSign, payloadHash: string, creds: Credentials, scope: Scope, now: Date = new Date()): SignedRequest {
  const date = amzDate(now);
  const sent: Record<string, string> = { ...req.headers, 'x-amz-content-sha256': payloadHash, 'x-amz-date': date };
  if (creds.sessionToken) sent['x-amz-security-token'] = creds.sessionToken;
  const host = new URL(req.origin).host;
  const canonical = canonicalRequest(req.method, req.path, canonicalQuery(req.query ?? {}), { ...sent, host }, payloadHash);
  const { stringToSign, signature } = sign(date, scope, creds.secretAccessKey, canonical.text);
  sent.authorization = `${ALGORITHM} Credential=${creds.accessKeyId}/${credentialScope(date, scope)},SignedHeaders=${canonical.signedHeaders},Signature=${signature}`;
  return { headers: sent, canonicalRequest: canonical.text, stringToSign, signature };
}

/**
 * Query-string form (a presigned URL): only Host is signed and the payload is UNSIGNED-PAYLOAD,
 * so anyone holding the URL can make exactly this request until it expires.
 */
export function presignUrl(req: RequestToSign, expiresSeconds: number, creds: Credentials, scope: Scope, now: Date = new Date()): string {
  // S3 refuses presigned URLs valid for more than 7 days.
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > 604_800) {
    throw new RangeError(`expiresSeconds must be an integer from 1 to 604800, got ${expiresSeconds}`);
  }
  const date = amzDate(now);
  const query: Record<string, string> = {
    ...req.query,
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': `${creds.accessKeyId}/${credentialScope(date, scope)}`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(expiresSeconds),
    'X-Amz-SignedHeaders': 'host',
  };
  if (creds.sessionToken) query['X-Amz-Security-Token'] = creds.sessionToken;
  const qs = canonicalQuery(query);
  const canonical = canonicalRequest(req.method, req.path, qs, { host: new URL(req.origin).host }, UNSIGNED_PAYLOAD);
  const { signature } = sign(date, scope, creds.secretAccessKey, canonical.text);
  return `${req.origin}${req.path}?${qs}&X-Amz-Signature=${signature}`;
}
