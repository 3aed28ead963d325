// Test support only: a small S3-compatible server (path-style addressing, objects in memory)
// that checks every request's SigV4 signature itself, so a signing bug fails the test with
// S3's own 403 SignatureDoesNotMatch. The verifier is written from the AWS docs independently
// of src/storage/sigv4.ts on purpose: sharing code would let the same mistake pass on both sides.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { S3Settings } from '../../src/config.js';
import { type LocalServer, startLocalServer } from './local-http-server.js';

export interface FakeS3Object {
  bytes: Buffer;
  contentType: string;
}

export interface FakeS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | null;
  /** bucket → key → object; tests look inside it and may create buckets. */
  buckets: Map<string, Map<string, FakeS3Object>>;
  /** Every request as seen on the wire, with the verdict given. */
  log: { method: string; url: string; headers: http.IncomingHttpHeaders; status: number }[];
  /** When it returns true for a request, the server never answers it (timeout tests). */
  stall: (method: string, url: string) => boolean;
  close(): Promise<void>;
}

export interface FakeS3Options {
  buckets?: string[];
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string | null;
}

const EMPTY_SHA = createHash('sha256').update('').digest('hex');

// RFC 3986 unreserved characters stay; encodeURIComponent leaves !'()* alone, SigV4 does not.
const strictEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function xmlError(res: http.ServerResponse, status: number, code: string, message: string, resource: string) {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc(message)}</Message><Resource>${esc(resource)}</Resource><RequestId>fake</RequestId></Error>`);
}

class AuthError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

interface Parsed {
  method: string;
  /** Decoded path segments: [bucket, ...key parts]. */
  segments: string[];
  query: [string, string][];
}

function parse(req: http.IncomingMessage): Parsed {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? '' : raw.slice(q + 1);
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      return [decodeURIComponent(i < 0 ? p : p.slice(0, i)), i < 0 ? '' : decodeURIComponent(p.slice(i + 1))] as [string, string];
    });
  return { method: req.method ?? 'GET', segments: rawPath.split('/').slice(1).map(decodeURIComponent), query };
}

function verify(p: Parsed, req: http.IncomingMessage, body: Buffer, s: FakeS3): void {
  const h = req.headers;
  const queryAuth = p.query.find(([k]) => k === 'X-Amz-Algorithm');
  let credential: string, signedHeaders: string, signature: string, date: string, payloadHash: string;
  let query = p.query;
  if (queryAuth) {
    const get = (k: string) => p.query.find(([n]) => n === k)?.[1] ?? '';
    credential = get('X-Amz-Credential');
    signedHeaders = get('X-Amz-SignedHeaders');
    signature = get('X-Amz-Signature');
    date = get('X-Amz-Date');
    payloadHash = 'UNSIGNED-PAYLOAD';
    const expires = Number(get('X-Amz-Expires'));
    const issued = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(issued + expires * 1000 > Date.now())) throw new AuthError(403, 'AccessDenied', 'Request has expired');
    if (s.sessionToken && get('X-Amz-Security-Token') !== s.sessionToken) throw new AuthError(403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
    query = p.query.filter(([k]) => k !== 'X-Amz-Signature');
  } else {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(String(h.authorization ?? ''));
    if (!m) throw new AuthError(403, 'AccessDenied', 'Access Denied');
    [, credential, signedHeaders, signature] = m as unknown as [string, string, string, string];
    date = String(h['x-amz-date'] ?? '');
    payloadHash = String(h['x-amz-content-sha256'] ?? '');
    if (!payloadHash) throw new AuthError(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    const actual = createHash('sha256').update(body).digest('hex');
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== actual) {
      throw new AuthError(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    const when = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(Math.abs(Date.now() - when) < 15 * 60_000)) throw new AuthError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    if (s.sessionToken && h['x-amz-security-token'] !== s.sessionToken) throw new AuthError(403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
  const [keyId, day, region, service, terminator] = credential.split('/');
  if (keyId !== s.accessKeyId) throw new AuthError(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (day !== date.slice(0, 8) || region !== s.region || service !== 's3' || terminator !== 'aws4_request') {
    throw new AuthError(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${region}' is wrong; expecting '${s.region}'`);
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host')) throw new AuthError(403, 'AccessDenied', 'Host must be signed');
  if (!queryAuth && !names.includes('x-amz-date')) throw new AuthError(403, 'AccessDenied', 'x-amz-date must be signed');
  // S3 decodes the path and re-encodes it canonically, so a client that encodes differently fails.
  const canonicalUri = '/' + p.segments.map(strictEncode).join('/');
  const canonicalQuery = query
    .map(([k, v]) => [strictEncode(k), strictEncode(v)])
    .sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : x! > y! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = names.map((n) => `${n}:${String(h[n] ?? '').trim().replace(/ +/g, ' ')}\n`).join('');
  const canonicalRequest = [p.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  let k: Buffer = createHmac('sha256', 'AWS4' + s.secretAccessKey).update(day!).digest();
  for (const part of [region!, 's3', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  const expected = createHmac('sha256', k).update(toSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AuthError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
}

function handle(s: FakeS3, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
  let p: Parsed;
  try {
    p = parse(req);
  } catch {
    return xmlError(res, 400, 'InvalidURI', "Couldn't parse the specified URI.", req.url ?? '');
  }
  const [bucketName = '', ...keyParts] = p.segments;
  const key = keyParts.join('/');
  const resource = '/' + p.segments.join('/');
  try {
    verify(p, req, body, s);
  } catch (e) {
    if (!(e instanceof AuthError)) throw e;
    return p.method === 'HEAD' ? res.writeHead(e.status).end() : xmlError(res, e.status, e.code, e.message, resource);
  }
  const bucket = s.buckets.get(bucketName);
  if (!bucket) {
    return p.method === 'HEAD' ? res.writeHead(404).end() : xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', resource);
  }
  if (!key) {
    if (p.method === 'HEAD') return res.writeHead(200, { 'x-amz-bucket-region': s.region }).end();
    return xmlError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', resource);
  }
  switch (p.method) {
    case 'PUT': {
      bucket.set(key, { bytes: body, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream') });
      return res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
    }
    case 'GET':
    case 'HEAD': {
      const o = bucket.get(key);
      if (!o) return p.method === 'HEAD' ? res.writeHead(404).end() : xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.', resource);
      res.writeHead(200, { 'content-type': o.contentType, 'content-length': o.bytes.length });
      return res.end(p.method === 'HEAD' ? undefined : o.bytes);
    }
    case 'DELETE':
      bucket.delete(key);
      return res.writeHead(204).end();
    default:
      return xmlError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', resource);
  }
}

/** Store settings that reach this fake server's bucket with its credentials. */
export function fakeS3Settings(s: FakeS3, bucket: string, prefix = ''): S3Settings {
  return { bucket, endpoint: s.endpoint, region: s.region, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: null, forcePathStyle: true, prefix };
}

export async function startFakeS3(opts: FakeS3Options = {}): Promise<FakeS3> {
  let server: LocalServer | null = null;
  const s: FakeS3 = {
    endpoint: '',
    region: opts.region ?? 'us-east-1',
    accessKeyId: opts.accessKeyId ?? 'AKIDFAKES3TEST',
    secretAccessKey: opts.secretAccessKey ?? 'fake/s3+secret/key',
    sessionToken: opts.sessionToken ?? null,
    buckets: new Map((opts.buckets ?? ['media']).map((b) => [b, new Map()])),
    log: [],
    stall: () => false,
    close: async () => server?.close(),
  };
  server = await startLocalServer((req, res, body) => {
    if (s.stall(req.method ?? '', req.url ?? '')) return;
    res.on('finish', () => s.log.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, status: res.statusCode }));
    handle(s, req, res, body);
  });
  s.endpoint = server.url('').replace(/\/$/, '');
  return s;
}
