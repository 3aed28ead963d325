import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Settings } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { S3Error, toS3Error } from './s3-error.js';

export interface S3StoreOptions extends S3Settings {
  /** Socket inactivity limit per request, body included: a stuck connection must not hang a worker. */
  timeoutMs?: number;
}

/** Objects above this go up as a multipart upload (lib-storage), in parts of this size. */
const PART_BYTES = 8 * 1024 * 1024;

/**
 * Media in an S3-compatible bucket (AWS S3, MinIO, R2, …) through the AWS SDK: its signing,
 * retries, addressing rules and the default credential chain (roles, SSO, profiles) when no
 * OPENSOUL_S3_* keys are given.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly timeoutMs: number;

  constructor(private readonly opts: S3StoreOptions) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    const c = opts.credentials;
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle,
      ...(c
        ? {
            credentials: {
              accessKeyId: c.accessKeyId,
              secretAccessKey: c.secretAccessKey,
              ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
            },
          }
        : {}),
      requestHandler: { connectionTimeout: Math.min(10_000, this.timeoutMs), requestTimeout: this.timeoutMs, throwOnRequestTimeout: true },
    });
  }

  /** The object key of a media key (prefix applied). */
  private objectKey(key: string): string {
    // Dot segments would address another object on servers that normalise paths.
    if (!key || key.split('/').some((s) => s === '.' || s === '..')) throw new Error(`invalid media key ${JSON.stringify(key)}`);
    return this.opts.prefix + key;
  }

  private what(key?: string): string {
    return key === undefined ? this.opts.bucket : `${this.opts.bucket}/${this.opts.prefix}${key}`;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.opts.bucket, Key: this.objectKey(key), Body: bytes, ContentType: contentType },
      partSize: PART_BYTES,
      queueSize: 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      throw toS3Error('PutObject', this.what(key), e, this.timeoutMs);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    // One deadline for headers and body: a download that stops half way must fail, not hang or pass for the object.
    const deadline = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }), {
        abortSignal: deadline,
      });
      if (!res.Body) return Buffer.alloc(0);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (e) {
      const err = toS3Error('GetObject', this.what(key), e, this.timeoutMs, deadline.aborted);
      // NotFound: a 404 without an S3 body (some proxies); NoSuchBucket stays an error.
      if (err.status === 404 && (err.code === 'NoSuchKey' || err.code === 'NotFound')) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
    } catch (e) {
      const err = toS3Error('DeleteObject', this.what(key), e, this.timeoutMs);
      // S3 answers 204 for a missing key; some compatible servers say NoSuchKey. Both mean done.
      if (err.status === 404 && (err.code === 'NoSuchKey' || err.code === 'NotFound')) return;
      throw err;
    }
  }

  /** HeadBucket: the bucket exists and these credentials may use it. */
  async check(): Promise<void> {
    const cmd = new HeadBucketCommand({ Bucket: this.opts.bucket });
    if (this.opts.forcePathStyle) {
      // The SDK addresses a path-style bucket as `/bucket/`; `/bucket` is the documented form
      // and the one every S3-compatible server signs the same way (s3rver does not sign `/bucket/`).
      cmd.middlewareStack.add(
        (next) => async (args) => {
          const req = args.request as { path?: string };
          if (req.path?.endsWith(`/${this.opts.bucket}/`)) req.path = req.path.slice(0, -1);
          return next(args);
        },
        { step: 'build', name: 'opensoulBucketPath' },
      );
    }
    try {
      await this.client.send(cmd);
    } catch (e) {
      throw toS3Error('HeadBucket', this.what(), e, this.timeoutMs);
    }
  }

  /** A URL anyone can GET the object with until it expires (at most 7 days). */
  async presignGet(key: string, expiresSeconds: number): Promise<string> {
    try {
      return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }), {
        expiresIn: expiresSeconds,
      });
    } catch (e) {
      if (e instanceof S3Error) throw e;
      throw toS3Error('presign GetObject', this.what(key), e, this.timeoutMs);
    }
  }
}
