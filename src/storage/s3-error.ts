/**
 * A failed S3 call. The message names the operation, bucket/key, HTTP status and S3's own Code
 * and Message; never the request, its signature or the rest of the body (S3 echoes the
 * string-to-sign and access key id in SignatureDoesNotMatch bodies).
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

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);
}

function tag(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? xmlText(m[1]!).trim() : null;
}

/** Code and Message of an S3 `<Error>` body; both null when the body is not one. */
export function parseS3ErrorBody(body: string): { code: string | null; message: string | null } {
  if (!body.includes('<Error')) return { code: null, message: null };
  return { code: tag(body, 'Code'), message: tag(body, 'Message') };
}

/**
 * HEAD answers carry no body, so the status is all there is. Named as the AWS SDKs report them,
 * except HeadBucket's 404, which can only mean the bucket is missing.
 */
export function codeForBodylessStatus(status: number, bucketOnly: boolean): string | null {
  if (status === 404) return bucketOnly ? 'NoSuchBucket' : 'NotFound';
  if (status === 403) return 'Forbidden';
  if (status === 400) return 'BadRequest';
  if (status === 301) return 'PermanentRedirect';
  return null;
}
