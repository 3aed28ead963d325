import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Error } from '../../src/storage/s3-error.js';
import { S3BlobStore, type S3StoreOptions } from '../../src/storage/s3-store.js';
import { startLocalServer } from '../helpers/local-http-server.js';
import { type S3Server, startS3Server } from '../helpers/s3-server.js';

// S3BlobStore on the AWS SDK against a real S3-protocol server (s3rver), path style as with
// MinIO and R2, signatures checked by the server.
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['media'] });
});
afterAll(async () => s3.close());

function store(over: Partial<S3StoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({ ...s3.settings('media'), ...over });
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
    expect((await s3.object('media', 'acct/output/a.png'))?.equals(bytes)).toBe(true);
    const back = await store().get('acct/output/a.png');
    expect(back?.equals(bytes)).toBe(true);
    const presigned = await fetch(await store().presignGet('acct/output/a.png', 60));
    expect(presigned.headers.get('content-type')).toBe('image/png');
  });

  it('uploads a large object in parts (multipart upload) and reads it back whole', async () => {
    const big = randomBytes(9 * 1024 * 1024);
    await store().put('acct/output/big.bin', big, 'application/octet-stream');
    expect((await store().get('acct/output/big.bin'))?.equals(big)).toBe(true);
  });

  it('answers null for a missing key', async () => {
    expect(await store().get('acct/output/never-written.png')).toBeNull();
  });

  it('deletes, and deleting again is not an error', async () => {
    await store().put('acct/upload/d.jpg', Buffer.from('x'), 'image/jpeg');
    await store().delete('acct/upload/d.jpg');
    expect(await s3.object('media', 'acct/upload/d.jpg')).toBeUndefined();
    await store().delete('acct/upload/d.jpg');
    expect(await store().get('acct/upload/d.jpg')).toBeNull();
  });

  it('keeps keys with spaces, unicode and reserved characters intact', async () => {
    const key = "acct/my folder/fichier été 日本 (1)+x=y!'*.png";
    await store().put(key, Buffer.from('unicode'), 'image/png');
    expect((await s3.object('media', key))?.toString()).toBe('unicode');
    expect((await store().get(key))?.toString()).toBe('unicode');
  });

  it('applies the key prefix', async () => {
    await store({ prefix: 'tenant-a/' }).put('k.png', Buffer.from('p'), 'image/png');
    expect((await s3.object('media', 'tenant-a/k.png'))?.toString()).toBe('p');
    expect((await store({ prefix: 'tenant-a/' }).get('k.png'))?.toString()).toBe('p');
    expect(await store().get('k.png')).toBeNull();
  });

  it('check() passes for the bucket and fails with NoSuchBucket for a missing one', async () => {
    await store().check();
    const e = await rejection(store({ bucket: 'nope' }).check());
    expect(e.status).toBe(404);
    expect(e.code).toBe('NoSuchBucket');
    expect(e.message).toContain('HeadBucket nope failed: HTTP 404 NoSuchBucket');
  });

  it('a missing bucket on GET is an error, not a missing object', async () => {
    const e = await rejection(store({ bucket: 'nope' }).get('a.png'));
    expect(e.code).toBe('NoSuchBucket');
    expect(e.message).toMatch(/GetObject nope\/a\.png failed: HTTP 404 NoSuchBucket: The specified bucket does not exist/);
  });

  it('a wrong secret is refused with SignatureDoesNotMatch, and the secret is not in the message', async () => {
    const bad = store({ credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret-at-all', sessionToken: null } });
    const e = await rejection(bad.put('acct/x.png', Buffer.from('x'), 'image/png'));
    expect(e.status).toBe(403);
    expect(e.code).toBe('SignatureDoesNotMatch');
    expect(e.message).toContain('SignatureDoesNotMatch');
    expect(e.message).not.toContain('not-the-secret-at-all');
    expect(await s3.object('media', 'acct/x.png')).toBeUndefined();
    expect((await rejection(bad.get('acct/output/a.png'))).code).toBe('SignatureDoesNotMatch');
    // A URL presigned with the wrong secret is refused by the bucket too.
    expect((await fetch(await bad.presignGet('acct/output/a.png', 60))).status).toBe(403);
  });

  it('an unknown access key is refused by the server', async () => {
    const e = await rejection(store({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 's', sessionToken: null } }).get('a'));
    expect(e.code).toBe('InvalidAccessKeyId');
  });

  it('without OPENSOUL_S3_* keys it signs with the default AWS credential chain (here: AWS_* variables)', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    try {
      const viaChain = store({ credentials: null });
      await viaChain.put('acct/chain.png', Buffer.from('chain'), 'image/png');
      expect((await s3.object('media', 'acct/chain.png'))?.toString()).toBe('chain');
      process.env.AWS_SECRET_ACCESS_KEY = 'wrong';
      // A fresh client reads the chain again: the wrong secret is refused.
      expect((await rejection(store({ credentials: null }).get('acct/chain.png'))).code).toBe('SignatureDoesNotMatch');
    } finally {
      for (const [k, v] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('times out a request that gets no answer', async () => {
    const silent = await startLocalServer(() => {});
    try {
      const e = await rejection(store({ endpoint: silent.url('').replace(/\/$/, ''), timeoutMs: 300 }).get('stalled.png'));
      expect(e.status).toBe(0);
      expect(e.message).toContain('GetObject media/stalled.png failed: no answer within 300 ms');
    } finally {
      await silent.close();
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

  it('refuses keys with dot segments', async () => {
    await expect(store().put('acct/../other/x.png', Buffer.from('x'), 'image/png')).rejects.toThrow(/invalid media key/);
  });

  it('presignGet gives a URL that fetches the object without credentials, and a tampered one is refused', async () => {
    const key = 'acct/output/presigned é.png';
    await store().put(key, Buffer.from('shared'), 'image/png');
    const url = await store().presignGet(key, 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('shared');
    const tampered = await fetch(url.replace(/X-Amz-Expires=60/, 'X-Amz-Expires=61'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('S3BlobStore addressing', () => {
  const base = { region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: null }, prefix: '' };
  const urlOf = async (o: Partial<S3StoreOptions>) =>
    (await new S3BlobStore({ ...base, bucket: 'b', endpoint: null, forcePathStyle: false, ...o }).presignGet('k/x y.png', 60)).split(
      '?',
    )[0];

  it('AWS by default: the bucket in the host, or in the path when asked or when it is not a DNS label', async () => {
    expect(await urlOf({ bucket: 'media-1' })).toBe('https://media-1.s3.eu-west-1.amazonaws.com/k/x%20y.png');
    expect(await urlOf({ bucket: 'media-1', forcePathStyle: true })).toBe('https://s3.eu-west-1.amazonaws.com/media-1/k/x%20y.png');
    expect(await urlOf({ bucket: 'my.media' })).toBe('https://s3.eu-west-1.amazonaws.com/my.media/k/x%20y.png');
  });

  it('path style on a custom endpoint (MinIO, R2) keeps its path and the key prefix', async () => {
    expect(await urlOf({ endpoint: 'http://gateway:9000/s3', forcePathStyle: true, prefix: 'opensoul/' })).toBe(
      'http://gateway:9000/s3/b/opensoul/k/x%20y.png',
    );
  });

  it('a session token goes into presigned URLs', async () => {
    const url = await new S3BlobStore({
      ...base,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: 'tok/en+1' },
      bucket: 'b',
      endpoint: null,
      forcePathStyle: false,
    }).presignGet('k', 60);
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe('tok/en+1');
  });
});
