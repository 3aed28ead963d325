import { S3ServiceException } from '@aws-sdk/client-s3';

/**
 * A failed S3 call. The message names the operation, bucket/key, HTTP status and S3's own Code
 * and Message; never the request or its signature (S3's SignatureDoesNotMatch body carries the
 * string-to-sign and access key id; the SDK keeps those off the message).
 */
export class S3Error extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (network error, timeout). */
    readonly status: number,
    /** S3 error code (`NoSuchKey`, `SignatureDoesNotMatch`, …) or null when none is known. */
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

/**
 * HEAD answers carry no body, so the status is all the SDK has (it names them `NotFound`,
 * `Forbidden` or `Unknown`). HeadBucket's 404 can only mean the bucket is missing.
 */
function codeForBodylessStatus(status: number, bucketOnly: boolean): string | null {
  if (status === 404) return bucketOnly ? 'NoSuchBucket' : 'NotFound';
  if (status === 403) return 'Forbidden';
  if (status === 400) return 'BadRequest';
  if (status === 301) return 'PermanentRedirect';
  return null;
}

/** An SDK error as an S3Error naming `op` and `what` (bucket or bucket/key). */
export function toS3Error(op: string, what: string, err: unknown, timeoutMs: number, timedOut = false): S3Error {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode ?? 0;
    const bodyless = op.startsWith('Head') || err.name === 'Unknown' || err.name === 'NotFound' || err.name === 'Forbidden';
    const code = bodyless ? (codeForBodylessStatus(status, op === 'HeadBucket') ?? err.name) : err.name;
    const region = (err.$response?.headers ?? {})['x-amz-bucket-region'];
    const message = err.message && err.message !== 'UnknownError' && err.message !== err.name ? `: ${err.message}` : '';
    const hint = region ? ` (bucket is in region ${region})` : '';
    return new S3Error(`S3 ${op} ${what} failed: HTTP ${status} ${code}${message}${hint}`.slice(0, 500), status, code);
  }
  const e = err as Error & { code?: string; cause?: { code?: string } };
  // TimeoutError/ETIMEDOUT: the handler's requestTimeout; `timedOut`: the caller's own deadline fired.
  const noAnswer = timedOut || e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT';
  const detail = noAnswer ? `no answer within ${timeoutMs} ms` : (e?.code ?? e?.cause?.code ?? e?.message ?? String(err));
  return new S3Error(`S3 ${op} ${what} failed: ${detail}`.slice(0, 500), 0, null);
}
