import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Error } from '../../src/storage/s3-error.js';
import { S3BlobStore, type S3StoreOptions } from '../../src/storage/s3-store.js';
import { type FakeS3, fakeS3Settings, startFakeS3 } from '../helpers/fake-s3.js';
import { startLocalServer } from '../helpers/local-http-server.js';

let s3: FakeS3;
beforeAll(async () => {
  s3 = await startFakeS3({ buckets: ['media'], region: 'eu-central-1' });
});
afterAll(async () => s3.close());

function store(over: Partial<S3StoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({ ...fakeS3Settings(s3, 'media'), ...over });
}

async function rejection(p: Promise<unknown>): Promise<S3Error> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(S3Error);
  return e as S3Error;
}

describe('S3BlobStore against a signature-checking S3 server', () => {
  it('puts and gets binary bytes with their content type', async () => {
    const bytes = Buffer.concat([Buffer.from([0, 255, 0x0d, 0x0a, 0x80]), randomBytes(64 * 1024)]);
    await store().put('acct/output/a.png', bytes, 'image/png');
    const held = s3.buckets.get('media')!.get('acct/output/a.png')!;
    expect(held.contentType).toBe('image/png');
    expect(held.bytes.equals(bytes)).toBe(true);
    const back = await store().get('acct/output/a.png');
    expect(back?.equals(bytes)).toBe(true);
  });

  it('answers null for a missing key', async () => {
    expect(await store().get('acct/output/never-written.png')).toBeNull();
  });

  it('deletes, and deleting again is not an error', async () => {
    await store().put('acct/upload/d.jpg', Buffer.from('x'), 'image/jpeg');
    await store().delete('acct/upload/d.jpg');
    expect(s3.buckets.get('media')!.has('acct/upload/d.jpg')).toBe(false);
    await store().delete('acct/upload/d.jpg');
    expect(await store().get('acct/upload/d.jpg')).toBeNull();
  });

  it('keeps keys with spaces, unicode and reserved characters intact', async () => {
    const key = "acct/my folder/fichier été 日本 (1)+x=y!'*.png";
    await store().put(key, Buffer.from('unicode'), 'image/png');
    expect(s3.buckets.get('media')!.get(key)?.bytes.toString()).toBe('unicode');
    expect((await store().get(key))?.toString()).toBe('unicode');
    const sent = s3.log.filter((r) => r.method === 'PUT').at(-1)!;
    expect(sent.url).toBe('/media/acct/my%20folder/fichier%20%C3%A9t%C3%A9%20%E6%97%A5%E6%9C%AC%20%281%29%2Bx%3Dy%21%27%2A.png');
  });

  it('applies the key prefix', async () => {
    await store({ prefix: 'tenant-a/' }).put('k.png', Buffer.from('p'), 'image/png');
    expect(s3.buckets.get('media')!.get('tenant-a/k.png')?.bytes.toString()).toBe('p');
    expect((await store({ prefix: 'tenant-a/' }).get('k.png'))?.toString()).toBe('p');
    expect(await store().get('k.png')).toBeNull();
  });

  it('check() passes for the bucket and fails with NoSuchBucket for a missing one', async () => {
    await store().check();
    const e = await rejection(store({ bucket: 'nope' }).check());
    expect(e.status).toBe(404);
    expect(e.code).toBe('NoSuchBucket');
    expect(e.message).toContain('NoSuchBucket');
  });

  it('a missing bucket on GET is an error, not a missing object', async () => {
    const e = await rejection(store({ bucket: 'nope' }).get('a.png'));
    expect(e.code).toBe('NoSuchBucket');
    expect(e.message).toMatch(/GetObject nope\/a\.png failed: HTTP 404 NoSuchBucket: The specified bucket does not exist/);
  });

  it('a wrong secret is refused with SignatureDoesNotMatch, and the secret is not in the message', async () => {
    const bad = store({ secretAccessKey: 'not-the-secret-at-all' });
    const e = await rejection(bad.put('acct/x.png', Buffer.from('x'), 'image/png'));
    expect(e.status).toBe(403);
    expect(e.code).toBe('SignatureDoesNotMatch');
    expect(e.message).toContain('SignatureDoesNotMatch');
    expect(e.message).not.toContain('not-the-secret-at-all');
    expect(s3.buckets.get('media')!.has('acct/x.png')).toBe(false);
    expect((await rejection(bad.get('acct/output/a.png'))).code).toBe('SignatureDoesNotMatch');
  });

  it('an unknown access key and a wrong region are refused by the server', async () => {
    expect((await rejection(store({ accessKeyId: 'AKIDUNKNOWN' }).get('a'))).code).toBe('InvalidAccessKeyId');
    expect((await rejection(store({ region: 'us-west-2' }).get('a'))).code).toBe('AuthorizationHeaderMalformed');
  });

  it('times out a request that gets no answer', async () => {
    s3.stall = (_m, url) => url.includes('stalled');
    try {
      const e = await rejection(store({ timeoutMs: 200 }).get('stalled.png'));
      expect(e.status).toBe(0);
      expect(e.message).toContain('no answer within 200 ms');
    } finally {
      s3.stall = () => false;
    }
  });

  it('times out a body that stops half way instead of returning the part', async () => {
    const half = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '1000' });
      res.write(Buffer.alloc(500));
    });
    try {
      const e = await rejection(store({ endpoint: half.url('').replace(/\/$/, ''), timeoutMs: 300 }).get('big.png'));
      expect(e.message).toContain('GetObject media/big.png failed: no answer within 300 ms');
    } finally {
      await half.close();
    }
  });

  it('refuses keys with dot segments that a URL parser would rewrite', async () => {
    await expect(store().put('acct/../other/x.png', Buffer.from('x'), 'image/png')).rejects.toThrow(/invalid media key/);
  });

  it('presignGet gives a URL that fetches the object without credentials', async () => {
    const key = 'acct/output/presigned é.png';
    await store().put(key, Buffer.from('shared'), 'image/png');
    const url = store().presignGet(key, 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('shared');
    const tampered = await fetch(url.replace(/X-Amz-Expires=60/, 'X-Amz-Expires=61'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('S3BlobStore addressing', () => {
  const base = { region: 'eu-west-1', accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: null, prefix: '' };
  const urlOf = (o: Partial<S3StoreOptions>) => new S3BlobStore({ ...base, bucket: 'b', endpoint: 'https://s3.eu-west-1.amazonaws.com', forcePathStyle: false, ...o }).presignGet('k/x y.png', 60).split('?')[0];

  it('puts the bucket in the host, or in the path when asked or when it is not a DNS label', () => {
    expect(urlOf({ bucket: 'media-1' })).toBe('https://media-1.s3.eu-west-1.amazonaws.com/k/x%20y.png');
    expect(urlOf({ bucket: 'media-1', forcePathStyle: true })).toBe('https://s3.eu-west-1.amazonaws.com/media-1/k/x%20y.png');
    expect(urlOf({ bucket: 'my.media' })).toBe('https://s3.eu-west-1.amazonaws.com/my.media/k/x%20y.png');
  });

  it('keeps an endpoint path and the key prefix', () => {
    expect(urlOf({ endpoint: 'http://gateway:9000/s3/', forcePathStyle: true, prefix: 'opensoul/' })).toBe('http://gateway:9000/s3/b/opensoul/k/x%20y.png');
  });
});

describe('S3BlobStore with temporary credentials', () => {
  let sts: FakeS3;
  beforeAll(async () => {
    sts = await startFakeS3({ sessionToken: 'session/token+1' });
  });
  afterAll(async () => sts.close());

  const opts = (token: string | null): S3StoreOptions => ({
    bucket: 'media',
    endpoint: sts.endpoint,
    region: sts.region,
    accessKeyId: sts.accessKeyId,
    secretAccessKey: sts.secretAccessKey,
    sessionToken: token,
    forcePathStyle: true,
    prefix: '',
  });

  it('sends the session token, and is refused without it', async () => {
    await new S3BlobStore(opts('session/token+1')).put('t.png', Buffer.from('t'), 'image/png');
    expect(sts.log.at(-1)!.headers['x-amz-security-token']).toBe('session/token+1');
    expect((await rejection(new S3BlobStore(opts(null)).get('t.png'))).code).toBe('InvalidToken');
    const res = await fetch(new S3BlobStore(opts('session/token+1')).presignGet('t.png', 30));
    expect(await res.text()).toBe('t');
  });
});
