import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { signMediaPath } from '../../src/net/signed-url.js';
import { type S3Server, startS3Server } from '../helpers/s3-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// The same upload → job → serve → retention flow over HTTP, once per blob store: whatever works
// on the data dir must work with media in a bucket, and with OPENSOUL_S3_REDIRECT (clients follow
// the 302 to the bucket; the worker still reads references from the store). The bucket is on a
// real S3-protocol server (s3rver, path style as with MinIO and R2) that checks every signature.
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['opensoul-media'] });
});
afterAll(async () => s3.close());

const stores: [string, () => Partial<Config>][] = [
  ['filesystem', () => ({})],
  ['s3', () => ({ s3: s3.settings('opensoul-media', 'media/') })],
  ['s3 with redirect', () => ({ s3: s3.settings('opensoul-media', 'media/'), s3Redirect: true })],
];

describe.each(stores)('media over HTTP on the %s store', (name, config) => {
  const onS3 = name.startsWith('s3');
  const redirects = name === 's3 with redirect';
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ config: config() });
  });
  afterAll(async () => s.close());

  /** Where the bytes of a media key actually are, read behind the server's back. */
  const stored = async (key: string): Promise<Buffer | undefined> =>
    onS3
      ? s3.object('opensoul-media', `media/${key}`)
      : fs.existsSync(path.join(s.dataDir, 'media', key))
        ? fs.readFileSync(path.join(s.dataDir, 'media', key))
        : undefined;
  const keyOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice('/media/'.length));

  it('is ready', async () => {
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as any;
    expect(ready.checks.storage).toEqual({ ok: true });
  });

  it('uploads, uses the upload as a reference, serves outputs and sweeps them to 410', async () => {
    const a = await s.account(10);
    const slot = (await (
      await fetch(`${s.url}/files/generate-upload-url`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ content_type: 'image/png' }),
      })
    ).json()) as any;
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a86ff' } })
      .png()
      .toBuffer();
    expect(
      (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status,
    ).toBe(200);
    expect((await stored(keyOf(slot.public_url)))?.equals(png)).toBe(true);
    const served = await fetch(slot.public_url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

    // The worker reads the reference back through the store.
    const r = (await (
      await fetch(`${s.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({
          params: { prompt: 'from my upload', seed: 7, image_reference: { type: 'image_url', image_url: slot.public_url } },
        }),
      })
    ).json()) as any;
    const set = await waitFor(async () => {
      const g = (await (await fetch(`${s.url}/v1/job-sets/${r.id}`, { headers: hfHeaders(a) })).json()) as any;
      return ['completed', 'failed'].includes(g.jobs[0].status) && g;
    });
    expect(set.jobs[0].status).toBe('completed');
    const out = await fetch(set.jobs[0].results.raw.url);
    expect(out.status).toBe(200);
    expect(out.headers.get('content-type')).toBe('image/png');
    const outBytes = Buffer.from(await out.arrayBuffer());
    expect((await stored(keyOf(set.jobs[0].results.raw.url)))?.equals(outBytes)).toBe(true);
    // Without following: the bytes from us, or a redirect whose target is the bucket.
    const direct = await fetch(set.jobs[0].results.raw.url, { redirect: 'manual' });
    expect(direct.status).toBe(redirects ? 302 : 200);
    if (redirects) expect(direct.headers.get('location')!.startsWith(`${s3.endpoint}/opensoul-media/media/`)).toBe(true);
    else expect(Buffer.from(await direct.arrayBuffer()).equals(outBytes)).toBe(true);

    await s.ctx.db.db
      .updateTable('media')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('account_id', '=', a.accountId)
      .execute();
    expect(await s.ctx.media.sweep()).toBeGreaterThanOrEqual(3);
    const gone = await fetch(set.jobs[0].results.raw.url, { redirect: 'manual' });
    expect(gone.status).toBe(410);
    expect(gone.headers.get('location')).toBeNull();
    expect(await stored(keyOf(set.jobs[0].results.raw.url))).toBeUndefined();
    expect(await stored(keyOf(slot.public_url))).toBeUndefined();
  });

  it('checks signature, expiry and deletion before serving or redirecting', async () => {
    const a = await s.account(1);
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff006e' } })
      .png()
      .toBuffer();
    const ref = await s.ctx.media.put(
      a.accountId,
      'output',
      { type: 'image', bytes: png, contentType: 'image/png', width: 4, height: 4 },
      3600,
    );
    const url = s.ctx.media.url(ref.key);
    const signed = (expiresInS: number) =>
      s.url + signMediaPath(`/media/${ref.key}`, { secret: s.ctx.config.mediaSecret, expiresAt: new Date(Date.now() + expiresInS * 1000) });

    const res = await fetch(url, { redirect: 'manual' });
    if (redirects) {
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const location = new URL(res.headers.get('location')!);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
      // The S3 server verifies the presigned signature itself.
      const fromBucket = await fetch(location);
      expect(fromBucket.status).toBe(200);
      expect(fromBucket.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await fromBucket.arrayBuffer()).equals(png)).toBe(true);
      // A bucket URL never outlives the signed URL it came from.
      const short = await fetch(signed(30), { redirect: 'manual' });
      expect(short.status).toBe(302);
      expect(Number(new URL(short.headers.get('location')!).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(30);
    } else {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    }

    const tampered = new URL(url);
    tampered.searchParams.set(
      'sig',
      tampered.searchParams.get('sig')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    );
    const bad = await fetch(tampered, { redirect: 'manual' });
    expect(bad.status).toBe(404);
    expect(bad.headers.get('location')).toBeNull();

    const expired = await fetch(signed(-10), { redirect: 'manual' });
    expect(expired.status).toBe(410);
    expect(expired.headers.get('location')).toBeNull();

    await s.ctx.media.deleteKeys([ref.key]);
    const deleted = await fetch(url, { redirect: 'manual' });
    expect(deleted.status).toBe(410);
    expect(deleted.headers.get('location')).toBeNull();
  });

  if (name !== 's3') return;
  it('keeps media out of the data dir', async () => {
    expect(fs.existsSync(path.join(s.dataDir, 'media'))).toBe(false);
  });
});

describe('a wrong bucket secret', () => {
  it('is refused by the S3 server: /readyz not ready, and an upload fails without storing anything', async () => {
    const settings = s3.settings('opensoul-media', 'wrong/');
    const s = await startServer({
      config: { s3: { ...settings, credentials: { ...settings.credentials!, secretAccessKey: 'not-the-secret' } } },
    });
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.checks.storage).toMatchObject({
        ok: false,
        detail: expect.stringContaining('HeadBucket opensoul-media failed: HTTP 403'),
      });
      expect(body.checks.storage.detail).not.toContain('not-the-secret');
      const a = await s.account(1);
      const slot = (await (
        await fetch(`${s.url}/files/generate-upload-url`, {
          method: 'POST',
          headers: hfHeaders(a),
          body: JSON.stringify({ content_type: 'image/png' }),
        })
      ).json()) as any;
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .png()
        .toBuffer();
      const put = await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) });
      expect(put.status).toBeGreaterThanOrEqual(500);
      expect(
        await s3.object('opensoul-media', `wrong/${decodeURIComponent(new URL(slot.public_url).pathname.slice('/media/'.length))}`),
      ).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});

describe('a bucket that does not exist', () => {
  it('makes /readyz not ready, naming NoSuchBucket', async () => {
    const s = await startServer({ config: { s3: s3.settings('no-such-bucket') } });
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.status).toBe('not_ready');
      expect(body.checks.storage.ok).toBe(false);
      expect(body.checks.storage.detail).toContain('NoSuchBucket');
    } finally {
      await s.close();
    }
  });
});
