import type { S3Settings } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { S3Error, codeForBodylessStatus, parseS3ErrorBody } from './s3-error.js';
import { type Credentials, type Scope, UNSIGNED_PAYLOAD, encodePath, presignUrl, sha256Hex, signRequest } from './sigv4.js';

export interface S3StoreOptions extends S3Settings {
  /** Per request, body included; media files are small, a stuck connection must not hang a worker. */
  timeoutMs?: number;
  /** Clock for signing; tests pin it to reproduce AWS's published examples. */
  now?: () => Date;
}

// Buckets that are not valid DNS labels (dots break TLS wildcard certificates) must use path style.
const DNS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** Media in an S3-compatible bucket (AWS S3, MinIO, R2, …), over fetch with our own SigV4. */
export class S3BlobStore implements BlobStore {
  private readonly creds: Credentials;
  private readonly scope: Scope;
  private readonly origin: string;
  /** Path up to and including the bucket (path style) or the endpoint's own path (virtual-hosted). */
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly opts: S3StoreOptions) {
    this.creds = { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey, sessionToken: opts.sessionToken };
    this.scope = { region: opts.region, service: 's3' };
    const endpoint = new URL(opts.endpoint);
    const endpointPath = endpoint.pathname.replace(/\/+$/, '');
    if (opts.forcePathStyle || !DNS_BUCKET.test(opts.bucket)) {
      this.origin = endpoint.origin;
      this.basePath = `${endpointPath}/${encodePath(opts.bucket)}`;
    } else {
      this.origin = `${endpoint.protocol}//${opts.bucket}.${endpoint.host}`;
      this.basePath = endpointPath;
    }
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.now = opts.now ?? (() => new Date());
  }

  /** Encoded request path of a media key (prefix applied). */
  private objectPath(key: string): string {
    // URL parsers collapse `.` and `..` segments, which would sign and address another object.
    if (!key || key.split('/').some((s) => s === '.' || s === '..')) throw new Error(`invalid media key ${JSON.stringify(key)}`);
    return `${this.basePath}/${encodePath(this.opts.prefix + key)}`;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    await drain(await this.send('PutObject', key, 'PUT', this.objectPath(key), { 'content-type': contentType }, bytes));
  }

  async get(key: string): Promise<Buffer | null> {
    // NotFound: a 404 without an S3 body (some proxies); NoSuchBucket stays an error.
    const res = await this.send('GetObject', key, 'GET', this.objectPath(key), {}, null, ['NoSuchKey', 'NotFound']);
    if (!res) return null;
    try {
      return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      // The timeout also covers the body; a cut-off download must not pass for the object.
      throw new S3Error(`S3 GetObject ${this.opts.bucket}/${this.opts.prefix}${key} failed: ${describeFetchError(e, this.timeoutMs)}`, 0, null);
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a missing key; some compatible servers say NoSuchKey. Both mean done.
    await drain(await this.send('DeleteObject', key, 'DELETE', this.objectPath(key), {}, null, ['NoSuchKey', 'NotFound']));
  }

  /** HeadBucket: the bucket exists and these credentials may use it. */
  async check(): Promise<void> {
    await drain(await this.send('HeadBucket', null, 'HEAD', this.basePath || '/', {}, null));
  }

  /** A URL anyone can GET the object with until it expires (at most 7 days). */
  presignGet(key: string, expiresSeconds: number): string {
    return presignUrl({ method: 'GET', origin: this.origin, path: this.objectPath(key) }, expiresSeconds, this.creds, this.scope, this.now());
  }

  /**
   * One signed request. Answers a 2xx Response, null for a 404 whose code is in `missingOk`,
   * and throws S3Error for everything else.
   */
  private async send(op: string, key: string | null, method: string, path: string, headers: Record<string, string>, body: Buffer | null, missingOk: string[] = []): Promise<Response | null> {
    const what = key === null ? this.opts.bucket : `${this.opts.bucket}/${this.opts.prefix}${key}`;
    const payloadHash = body ? sha256Hex(body) : sha256Hex('');
    const signed = signRequest({ method, origin: this.origin, path, headers }, payloadHash, this.creds, this.scope, this.now());
    let res: Response;
    try {
      res = await fetch(this.origin + path, {
        method,
        headers: signed.headers,
        // A view, not a copy; Node Buffers are never backed by a SharedArrayBuffer.
        body: body ? new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength) : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new S3Error(`S3 ${op} ${what} failed: ${describeFetchError(e, this.timeoutMs)}`, 0, null);
    }
    if (res.status >= 200 && res.status < 300) return res;
    let text = '';
    try {
      text = method === 'HEAD' ? '' : await res.text();
    } catch {
      // The status alone still says what happened.
    }
    const parsed = parseS3ErrorBody(text);
    const code = parsed.code ?? codeForBodylessStatus(res.status, key === null);
    if (res.status === 404 && code !== null && missingOk.includes(code)) return null;
    const region = res.headers.get('x-amz-bucket-region');
    const detail = [code, parsed.message].filter(Boolean).join(': ') || res.statusText;
    const hint = region && region !== this.opts.region ? ` (bucket is in region ${region})` : '';
    throw new S3Error(`S3 ${op} ${what} failed: HTTP ${res.status} ${detail}${hint}`.slice(0, 500), res.status, code);
  }
}

/** Read an unneeded answer to its end so the keep-alive connection goes back to the pool. */
async function drain(res: Response | null): Promise<void> {
  await res?.arrayBuffer();
}

function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
