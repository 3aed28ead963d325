import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { type FakeS3, fakeS3Settings, startFakeS3 } from '../helpers/fake-s3.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// The same upload → job → serve → retention flow over HTTP, once per blob store: whatever works
// on the data dir must work with media in a bucket.
let s3: FakeS3;
beforeAll(async () => {
  s3 = await startFakeS3({ buckets: ['opensoul-media'] });
});
afterAll(async () => s3.close());

const stores: [string, () => Partial<Config>][] = [
  ['filesystem', () => ({})],
  [
    's3',
    () => ({ s3: fakeS3Settings(s3, 'opensoul-media', 'media/') }),
  ],
];

describe.each(stores)('media over HTTP on the %s store', (name, config) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ config: config() });
  });
  afterAll(async () => s.close());

  /** Where the bytes of a media key actually are, read behind the server's back. */
  const stored = (key: string): Buffer | undefined =>
    name === 's3' ? s3.buckets.get('opensoul-media')!.get(`media/${key}`)?.bytes : fs.existsSync(path.join(s.dataDir, 'media', key)) ? fs.readFileSync(path.join(s.dataDir, 'media', key)) : undefined;
  const keyOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice('/media/'.length));

  it('is ready', async () => {
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as any;
    expect(ready.checks.storage).toEqual({ ok: true });
  });

  it('uploads, uses the upload as a reference, serves outputs and sweeps them to 410', async () => {
    const a = await s.account(10);
    const slot = (await (await fetch(`${s.url}/files/generate-upload-url`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify({ content_type: 'image/png' }) })).json()) as any;
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a86ff' } }).png().toBuffer();
    expect((await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status).toBe(200);
    expect(stored(keyOf(slot.public_url))?.equals(png)).toBe(true);
    const served = await fetch(slot.public_url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

    // The worker reads the reference back through the store.
    const r = (await (
      await fetch(`${s.url}/v1/text2image/soul`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify({ params: { prompt: 'from my upload', seed: 7, image_reference: { type: 'image_url', image_url: slot.public_url } } }) })
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
    expect(stored(keyOf(set.jobs[0].results.raw.url))?.equals(outBytes)).toBe(true);

    await s.ctx.db.db.updateTable('media').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('account_id', '=', a.accountId).execute();
    expect(await s.ctx.media.sweep()).toBeGreaterThanOrEqual(3);
    expect((await fetch(set.jobs[0].results.raw.url)).status).toBe(410);
    expect(stored(keyOf(set.jobs[0].results.raw.url))).toBeUndefined();
    expect(stored(keyOf(slot.public_url))).toBeUndefined();
  });

  if (name !== 's3') return;
  it('keeps media out of the data dir and reports a missing bucket as not ready', async () => {
    expect(fs.existsSync(path.join(s.dataDir, 'media'))).toBe(false);
    const bucket = s3.buckets.get('opensoul-media')!;
    s3.buckets.delete('opensoul-media');
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.checks.storage.ok).toBe(false);
      expect(body.checks.storage.detail).toContain('NoSuchBucket');
    } finally {
      s3.buckets.set('opensoul-media', bucket);
    }
  });
});
