import { describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../src/storage/s3-store.js';
import { amzDate, canonicalQuery, encodePath, presignUrl, sha256Hex, signRequest, uriEncode } from '../../src/storage/sigv4.js';

// The example credentials and values published in the Amazon S3 API reference:
// "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
// (Example: GET Object) and "Authenticating Requests: Using Query Parameters" (presigned URL).
const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const scope = { region: 'us-east-1', service: 's3' };
const at = new Date('2013-05-24T00:00:00Z');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('SigV4 against the AWS documentation examples', () => {
  it('GET object with Range: canonical request, string to sign, signature and Authorization header', () => {
    const signed = signRequest(
      { method: 'GET', origin: 'https://examplebucket.s3.amazonaws.com', path: '/test.txt', headers: { Range: 'bytes=0-9' } },
      sha256Hex(''),
      creds,
      scope,
      at,
    );
    expect(signed.canonicalRequest).toBe(
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        `x-amz-content-sha256:${EMPTY}`,
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        EMPTY,
      ].join('\n'),
    );
    expect(signed.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    );
    expect(signed.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(signed.headers['x-amz-date']).toBe('20130524T000000Z');
    expect(signed.headers['x-amz-content-sha256']).toBe(EMPTY);
  });

  it('presigned GET URL (86400 s, UNSIGNED-PAYLOAD)', () => {
    const url = presignUrl({ method: 'GET', origin: 'https://examplebucket.s3.amazonaws.com', path: '/test.txt' }, 86400, creds, scope, at);
    expect(url).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('the store builds the same presigned URL with virtual-hosted addressing', () => {
    const store = new S3BlobStore({
      bucket: 'examplebucket',
      endpoint: 'https://s3.amazonaws.com',
      region: 'us-east-1',
      ...creds,
      sessionToken: null,
      forcePathStyle: false,
      prefix: '',
      now: () => at,
    });
    expect(store.presignGet('test.txt', 86400)).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });
});

describe('SigV4 building blocks', () => {
  it('URI-encodes keys per segment, keeping / only in paths', () => {
    expect(encodePath('a b/ü/x+y=z!*(\')~._-')).toBe("a%20b/%C3%BC/x%2By%3Dz%21%2A%28%27%29~._-");
    expect(uriEncode('a/b')).toBe('a%2Fb');
    expect(encodePath('日本/😀')).toBe('%E6%97%A5%E6%9C%AC/%F0%9F%98%80');
  });

  it('sorts query parameters by encoded name, by code point', () => {
    expect(canonicalQuery({ b: '2', a: 'x y', B: '1', 'a-b': '' })).toBe('B=1&a=x%20y&a-b=&b=2');
  });

  it('formats x-amz-date without separators or milliseconds', () => {
    expect(amzDate(new Date('2024-02-29T23:59:58.123Z'))).toBe('20240229T235958Z');
  });

  it('signs and sends the session token when there is one', () => {
    const signed = signRequest({ method: 'GET', origin: 'http://127.0.0.1:9000', path: '/b/k' }, sha256Hex(''), { ...creds, sessionToken: 'tok' }, scope, at);
    expect(signed.headers['x-amz-security-token']).toBe('tok');
    expect(signed.canonicalRequest).toContain('host:127.0.0.1:9000\n');
    expect(signed.canonicalRequest).toContain('x-amz-security-token:tok\n');
    expect(signed.headers.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
    const url = presignUrl({ method: 'GET', origin: 'http://127.0.0.1:9000', path: '/b/k' }, 60, { ...creds, sessionToken: 'a/b+c' }, scope, at);
    expect(url).toContain('&X-Amz-Security-Token=a%2Fb%2Bc&');
  });

  it('refuses presigned lifetimes S3 would reject', () => {
    const req = { method: 'GET', origin: 'https://s3.amazonaws.com', path: '/b/k' };
    expect(() => presignUrl(req, 0, creds, scope, at)).toThrow(RangeError);
    expect(() => presignUrl(req, 604_801, creds, scope, at)).toThrow(RangeError);
  });
});
