import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'wavespeed';
import { USD_TO_CREDITS } from '../../src/domain/pricing.js';
import { verifyWaveSpeedWebhook } from '../../src/net/webhook-signing.js';
import { startLocalServer } from '../helpers/local-http-server.js';
import { compactToken } from '../../src/domain/api-key.js';
import type { TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/server.js';
import { expectGolden } from './golden.js';
import { authWs, balance, liveServer } from './servers.js';

let s: TestServer;
beforeAll(async () => {
  s = await liveServer();
});
afterAll(async () => s.close());

const sdk = (key: string) => new Client(key, { baseUrl: s.url, maxConnectionRetries: 0 });

describe('official wavespeed SDK pointed at opensoul', () => {
  it('upload() then run() Soul image-to-image end to end, billed at the medium price', async () => {
    const a = await s.account(10);
    const client = sdk(a.credential);
    const file = path.join(s.dataDir, 'portrait.png');
    fs.writeFileSync(
      file,
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#225588' } })
        .png()
        .toBuffer(),
    );

    const url = await client.upload(file);
    expect(url.startsWith(`${s.url}/media/${a.accountId}/upload/`)).toBe(true);
    const stored = await fetch(url);
    expect(stored.status).toBe(200);
    expect((await sharp(Buffer.from(await stored.arrayBuffer())).metadata()).width).toBe(320);

    const out = await client.run(
      'higgsfield/soul/image-to-image',
      { image: url, prompt: 'A cinematic portrait at golden hour', quality: 'medium', strength: 0.7, size: '1152*2048', seed: 0 },
      { pollInterval: 0.05 },
    );
    expect(out.outputs).toHaveLength(1);
    const img = await fetch(out.outputs[0] as string);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    // $0.09 at 16 credits per USD.
    expect(await balance(s, a.accountId)).toBe(10_000 - Math.round(0.09 * USD_TO_CREDITS * 1000));
  });

  it('run() with enableSyncMode gets the outputs from the one POST; high quality costs $0.19', async () => {
    const a = await s.account(10);
    const out = await sdk(a.credential).run(
      'higgsfield/soul/text-to-image',
      { prompt: 'a lighthouse in fog', quality: 'high', aspect_ratio: '16:9' },
      { enableSyncMode: true },
    );
    expect(out.outputs).toHaveLength(1);
    const meta = await sharp(Buffer.from(await (await fetch(out.outputs[0] as string)).arrayBuffer())).metadata();
    expect(meta.format).toBe('png');
    expect(await balance(s, a.accountId)).toBe(10_000 - Math.round(0.19 * USD_TO_CREDITS * 1000));
  });

  it('run() surfaces a failed prediction as the SDK error, and the price is refunded', async () => {
    const a = await s.account(10);
    await expect(
      sdk(a.credential).run('higgsfield/soul/text-to-image', { prompt: 'FAIL on purpose' }, { pollInterval: 0.05 }),
    ).rejects.toThrow(/Prediction failed .*the test engine was asked to fail/);
    await waitFor(async () => (await balance(s, a.accountId)) === 10_000);
  });

  it('a bad key is refused before anything is created; the compact token form works', async () => {
    const a = await s.account(10);
    await expect(sdk(`${a.keyId}:wrong`).run('higgsfield/soul/text-to-image', { prompt: 'x' })).rejects.toThrow(/HTTP 401/);
    const out = await sdk(compactToken(a.keyId, a.secret)).run(
      'higgsfield/soul/text-to-image',
      { prompt: 'compact token' },
      { pollInterval: 0.05 },
    );
    expect(out.outputs).toHaveLength(1);
  });

  it('webhooks: the unwrapped prediction, signed v3,<hex> with the secret from /api/v3/webhook/secret', async () => {
    const receiver = await startLocalServer((_req, res) => res.end('ok'));
    try {
      const a = await s.account(10);
      const secretRes = (await (await fetch(`${s.url}/api/v3/webhook/secret`, { headers: authWs(a.credential) })).json()) as any;
      const secret: string = secretRes.data.secret;
      expect(secret.startsWith('whsec_')).toBe(true);
      const r = (await (
        await fetch(`${s.url}/api/v3/higgsfield/soul/text-to-image?webhook=${encodeURIComponent(receiver.url('/hook'))}`, {
          method: 'POST',
          headers: authWs(a.credential),
          body: JSON.stringify({ prompt: 'hook me', seed: 42 }),
        })
      ).json()) as any;
      await waitFor(async () => receiver.received.length >= 1);
      const hit = receiver.received[0];
      const body = hit.body.toString('utf8');
      expect(hit.headers['webhook-signature']).toMatch(/^v3,[0-9a-f]{64}$/);
      expect(verifyWaveSpeedWebhook(hit.headers as Record<string, string>, body, secret)).toBe('ok');
      const payload = JSON.parse(body);
      expect(payload).toMatchObject({
        id: r.data.id,
        model: 'higgsfield/soul/text-to-image',
        status: 'completed',
        error: '',
        has_nsfw_contents: [false],
        input: { prompt: 'hook me', seed: 42, quality: 'medium' },
      });
      expect(payload.code).toBeUndefined();
      expectGolden('wavespeed/webhook-body', { status: 200, body: payload }, s.url);
      expect(payload.outputs[0]).toContain('/media/');
    } finally {
      await receiver.close();
    }
  });
});
