import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { call, expectGolden } from './golden.js';
import { authWs, balance, idleServer, liveServer, markRunning, ownImageUrl, waitEnded } from './servers.js';

let live: TestServer;
let idle: TestServer;
beforeAll(async () => {
  [live, idle] = await Promise.all([liveServer(), idleServer({}, { syncWaitMs: 200 })]);
});
afterAll(async () => Promise.all([live.close(), idle.close()]));

const T2I = '/api/v3/higgsfield/soul/text-to-image';
const I2I = '/api/v3/higgsfield/soul/image-to-image';
const post = (s: TestServer, path: string, credential: string, body: unknown) =>
  call(`${s.url}${path}`, { method: 'POST', headers: authWs(credential), body: JSON.stringify(body) });
const get = (s: TestServer, path: string, credential: string) => call(`${s.url}${path}`, { headers: authWs(credential) });

describe('WaveSpeed predictions', () => {
  it('submit answers the created prediction in the envelope; processing while a worker holds it', async () => {
    const a = await idle.account(10);
    const r = await post(idle, T2I, a.credential, {
      prompt: 'a quiet harbour',
      size: '1536*1152',
      style: 'Creatures',
      seed: 7,
      quality: 'high',
    });
    expectGolden('wavespeed/submit-created', r, idle.url);
    expect(r.body.data.urls.get).toBe(`${idle.url}/api/v3/predictions/${r.body.data.id}/result`);
    const set = (await idle.ctx.generation.get(r.body.data.id, a.accountId))!;
    expect(set.inputParams).toMatchObject({
      width: 1536,
      height: 1152,
      quality: '1080p',
      style_id: 'b3c8075a-cb4c-42de-b8b3-7099dd2df672',
      seed: 7,
    });
    await markRunning(idle, set.id);
    expectGolden('wavespeed/prediction-processing', await get(idle, `/api/v3/predictions/${set.id}/result`, a.credential), idle.url);
  });

  it('completed and failed predictions, on both result paths', async () => {
    const a = await live.account(10);
    const image = await ownImageUrl(live, a.accountId);
    const r = await post(live, I2I, a.credential, { image, prompt: 'editorial portrait', strength: 0.35, aspect_ratio: '3:4', seed: 11 });
    const set = await waitEnded(live, r.body.data.id, a.accountId);
    // strength is WaveSpeed's fidelity to the source: 0.35 leaves 1 - 0.8 * 0.35 = 0.72 denoise.
    expect(set.jobs[0].input).toMatchObject({ imageReferenceUrl: image, imageStrength: 0.72, width: 1024, height: 1366 });
    // A named size is delivered as named, whatever the quality (issue 13: 1152*2048 medium gave 768x1366).
    const other = await live.account(10);
    const sized = await post(live, I2I, other.credential, {
      image: await ownImageUrl(live, other.accountId),
      prompt: 'tall',
      size: '1152*2048',
      quality: 'medium',
      seed: 12,
    });
    const sizedSet = await waitEnded(live, sized.body.data.id, other.accountId);
    expect(sizedSet.jobs[0].input).toMatchObject({ width: 1152, height: 2048 });
    const done = await get(live, `/api/v3/predictions/${set.id}/result`, a.credential);
    expectGolden('wavespeed/prediction-completed', done, live.url);
    expect(done.body.data.timings.inference).toBeGreaterThanOrEqual(0);
    expect((await get(live, `/api/v3/predictions/${set.id}`, a.credential)).body).toEqual(done.body);

    const f = await post(live, T2I, a.credential, { prompt: 'FAIL please', seed: 5 });
    await waitEnded(live, f.body.data.id, a.accountId);
    expectGolden('wavespeed/prediction-failed', await get(live, `/api/v3/predictions/${f.body.data.id}/result`, a.credential), live.url);
    expect(await balance(live, a.accountId)).toBe(10_000 - 1440);
  });

  it('enable_sync_mode holds the answer until the end, or answers the documented timeout shape', async () => {
    const a = await live.account(10);
    const done = await post(live, T2I, a.credential, { prompt: 'sync me', seed: 3, enable_sync_mode: true });
    expectGolden('wavespeed/sync-completed', done, live.url);

    const b = await idle.account(10);
    const late = await post(idle, T2I, b.credential, { prompt: 'nobody is working', seed: 3, enable_sync_mode: true });
    expectGolden('wavespeed/sync-timeout', late, idle.url);
    expect(late.body.data.error).toMatch(/^Sync mode timed out after 0\.2 seconds/);
  });

  it('a webhook_url body field registers a WaveSpeed-rendered webhook like ?webhook=', async () => {
    const a = await idle.account(10);
    const r = await post(idle, T2I, a.credential, { prompt: 'x', webhook_url: 'http://127.0.0.1:9/hook' });
    expect((await idle.ctx.generation.get(r.body.data.id, a.accountId))!.webhook).toEqual({
      url: 'http://127.0.0.1:9/hook',
      dialect: 'wavespeed',
    });
  });

  it('?webhook= must be an acceptable URL', async () => {
    const a = await live.account(10);
    const r = await call(`${live.url}${T2I}?webhook=${encodeURIComponent('ftp://example.com/x')}`, {
      method: 'POST',
      headers: authWs(a.credential),
      body: JSON.stringify({ prompt: 'x' }),
    });
    expectGolden('wavespeed/error-webhook-url', r, live.url);
  });
});

describe('WaveSpeed errors', () => {
  it('validation issues carry the dialect field names', async () => {
    const a = await live.account(10);
    expectGolden(
      'wavespeed/error-validation',
      await post(live, I2I, a.credential, {
        size: '100*100',
        quality: 'ultra',
        strength: 2,
        style: 'No Such Style',
        soul_id: 'abc',
        batch_size: 4,
      }),
      live.url,
    );
    expectGolden(
      'wavespeed/error-validation-image',
      await post(live, I2I, a.credential, { prompt: 'x', image: 'not a url', seed: 5_000_000 }),
      live.url,
    );
    expectGolden('wavespeed/error-not-an-object', await post(live, T2I, a.credential, [1, 2]), live.url);
    expectGolden(
      'wavespeed/error-text-to-image-has-no-image',
      await post(live, T2I, a.credential, { prompt: 'x', image: 'https://example.com/a.png' }),
      live.url,
    );
  });

  it('auth, credits, unknown prediction and unknown model', async () => {
    const a = await live.account(10);
    expectGolden(
      'wavespeed/error-missing-key',
      await call(`${live.url}${T2I}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' }),
      live.url,
    );
    expectGolden('wavespeed/error-bad-key', await post(live, T2I, `${a.keyId}:nope`, { prompt: 'x' }), live.url);
    const poor = await live.account(1);
    expectGolden(
      'wavespeed/error-insufficient-credits',
      await post(live, T2I, poor.credential, { prompt: 'x', quality: 'high' }),
      live.url,
    );
    expect(await balance(live, poor.accountId)).toBe(1000);
    expectGolden(
      'wavespeed/error-prediction-not-found',
      await get(live, '/api/v3/predictions/00000000-0000-4000-8000-000000000000/result', a.credential),
      live.url,
    );
    expectGolden(
      'wavespeed/error-unknown-model',
      await post(live, '/api/v3/wavespeed-ai/flux-dev', a.credential, { prompt: 'x' }),
      live.url,
    );
  });
});

describe('WaveSpeed account routes', () => {
  it('upload ticket, the PUT it points at, and the legacy multipart upload', async () => {
    const a = await live.account(10);
    const ticket = await post(live, '/api/v3/media/uploads', a.credential, { filename: 'face.jpg', size: 1234 });
    expectGolden('wavespeed/upload-ticket', ticket, live.url);
    const jpg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ffcc00' } })
      .jpeg()
      .toBuffer();
    const put = await fetch(ticket.body.data.upload.url, {
      method: 'PUT',
      headers: ticket.body.data.upload.headers,
      body: new Uint8Array(jpg),
    });
    expect(put.status).toBe(200);
    expect((await fetch(ticket.body.data.download_url)).status).toBe(200);
    expectGolden(
      'wavespeed/upload-ticket-bad-type',
      await post(live, '/api/v3/media/uploads', a.credential, { filename: 'clip.gif', size: 10 }),
      live.url,
    );
    expectGolden(
      'wavespeed/upload-ticket-too-large',
      await post(live, '/api/v3/media/uploads', a.credential, { filename: 'a.png', size: 10 ** 9 }),
      live.url,
    );
    expectGolden('wavespeed/upload-ticket-validation', await post(live, '/api/v3/media/uploads', a.credential, { size: 'big' }), live.url);

    const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#00ff00' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'green.png');
    const bin = await call(`${live.url}/api/v3/media/upload/binary`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.credential}` },
      body: form,
    });
    expectGolden('wavespeed/upload-binary', bin, live.url);
    expect(bin.body.data.size).toBe(png.length);
    expect(Buffer.from(await (await fetch(bin.body.data.download_url)).arrayBuffer()).equals(png)).toBe(true);

    const notImage = new FormData();
    notImage.append('file', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
    expectGolden(
      'wavespeed/upload-binary-not-an-image',
      await call(`${live.url}/api/v3/media/upload/binary`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.credential}` },
        body: notImage,
      }),
      live.url,
    );
    expectGolden(
      'wavespeed/upload-binary-not-multipart',
      await post(live, '/api/v3/media/upload/binary', a.credential, { file: 'x' }),
      live.url,
    );
  });

  it('the upload PUT refuses more than the ticket declared, without using up the ticket', async () => {
    const a = await live.account(10);
    // Gaussian noise does not compress: about 790 kB of valid PNG.
    const big = await sharp({
      create: { width: 586, height: 512, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
    })
      .png()
      .toBuffer();
    expect(big.length).toBeGreaterThan(700_000);
    const small = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    expect(small.length).toBeLessThanOrEqual(100);
    const put = (url: string, bytes: Buffer) =>
      call(url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: new Uint8Array(bytes) });

    const tiny = await post(live, '/api/v3/media/uploads', a.credential, { filename: 'a.png', size: 100 });
    expect(tiny.status).toBe(200);
    const refused = await put(tiny.body.data.upload.url, big);
    // The same dialect-neutral answer as a body over the global limit.
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toMatch(/^Request body is too large/);
    expect(refused.body.detail).toContain('100 bytes');
    expect((await fetch(tiny.body.data.download_url)).status).toBe(404);
    // Refusing did not consume the ticket: the declared file still goes through, once.
    expect((await put(tiny.body.data.upload.url, small)).status).toBe(200);
    expect(Buffer.from(await (await fetch(tiny.body.data.download_url)).arrayBuffer()).equals(small)).toBe(true);
    expect((await put(tiny.body.data.upload.url, small)).status).toBe(409);

    const exact = await post(live, '/api/v3/media/uploads', a.credential, { filename: 'big.png', size: big.length });
    expect((await put(exact.body.data.upload.url, big)).status).toBe(200);
    expect(Buffer.from(await (await fetch(exact.body.data.download_url)).arrayBuffer()).equals(big)).toBe(true);

    // Higgsfield's generate-upload-url declares no size: only the global limit applies.
    const hf = await call(`${live.url}/files/generate-upload-url`, {
      method: 'POST',
      headers: { 'hf-api-key': a.keyId, 'hf-secret': a.secret, 'content-type': 'application/json' },
      body: JSON.stringify({ content_type: 'image/png' }),
    });
    expect(hf.status).toBe(200);
    expect((await put(hf.body.upload_url, big)).status).toBe(200);
  });

  it('balance in USD and the webhook secret', async () => {
    const a = await live.account(16);
    expectGolden('wavespeed/balance', await get(live, '/api/v3/balance', a.credential), live.url);
    const secret = await get(live, '/api/v3/webhook/secret', a.credential);
    expectGolden('wavespeed/webhook-secret', secret, live.url);
    expect(secret.body.data.secret).toBe(await live.ctx.accounts.webhookSecret(a.accountId));
  });
});
