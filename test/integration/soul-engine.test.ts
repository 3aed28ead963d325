import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiffusionEngine, makeFixtureModel } from '../../src/engine/diffusion/index.js';
import { soulRunner } from '../../src/worker/runners/soul-runner.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// A Soul request over HTTP runs on the real ONNX pipeline, with a tiny generated model.
let s: TestServer;
let slow: TestServer;
let missing: TestServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-soul-engine-'));

beforeAll(async () => {
  await makeFixtureModel(path.join(tmp, 'sd'), 'sd', { seed: 3 });
  await makeFixtureModel(path.join(tmp, 'wide'), 'sd', { seed: 3, sampleSize: 64, unetChannels: 64, vaeChannels: 16 });
  const engine = createDiffusionEngine({
    modelPath: path.join(tmp, 'sd'),
    modelsDir: tmp,
    defaultModel: 'fixture/sd',
    provider: 'cpu',
    threads: 1,
  });
  s = await startServer({ runners: [soulRunner({ engine })], config: { workers: 1 } });
  const wide = createDiffusionEngine({
    modelPath: path.join(tmp, 'wide'),
    modelsDir: tmp,
    defaultModel: 'fixture/wide',
    provider: 'cpu',
    threads: 1,
  });
  slow = await startServer({ runners: [soulRunner({ engine: wide, steps: 60 })], config: { workers: 1, heartbeatMs: 100 } });
  const none = createDiffusionEngine({ modelsDir: path.join(tmp, 'empty'), defaultModel: 'owner/not-installed', provider: 'cpu' });
  missing = await startServer({ runners: [soulRunner({ engine: none })], config: { workers: 1 } });
});
afterAll(async () => {
  await Promise.all([s?.close(), slow?.close(), missing?.close()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function run(t: TestServer, a: { keyId: string; secret: string }, params: Record<string, unknown>) {
  const r = await fetch(`${t.url}/v1/text2image/soul`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify({ params }) });
  expect(r.status).toBe(200);
  const set = (await r.json()) as any;
  return waitFor(async () => {
    const g = (await (await fetch(`${t.url}/v1/job-sets/${set.id}`, { headers: hfHeaders(a) })).json()) as any;
    return g.jobs.every((j: any) => !['queued', 'in_progress'].includes(j.status)) && g;
  }, 60_000);
}
const bytes = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

describe('Soul on the ONNX engine over HTTP', () => {
  it('txt2img at the exact Soul size; same seed gives identical bytes, another seed does not', async () => {
    const a = await s.account(100);
    const params = {
      prompt: 'a castle on a hill',
      width_and_height: '1536x1152',
      quality: '720p',
      seed: 1234,
      style_id: '1fc861ed-5923-41a6-9963-b9f04681dddd',
    };
    const one = await run(s, a, params);
    const two = await run(s, a, params);
    const other = await run(s, a, { ...params, seed: 1235 });
    expect(one.jobs[0].status).toBe('completed');
    const [b1, b2, b3] = await Promise.all([
      bytes(one.jobs[0].results.raw.url),
      bytes(two.jobs[0].results.raw.url),
      bytes(other.jobs[0].results.raw.url),
    ]);
    expect(b1.equals(b2)).toBe(true);
    expect(b1.equals(b3)).toBe(false);
    const meta = await sharp(b1).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 768]);
    expect(one.jobs[0].progress.step).toBe(one.jobs[0].progress.total);
  });

  it('batch 4 and img2img from an uploaded image', async () => {
    const a = await s.account(100);
    const slot = (await (
      await fetch(`${s.url}/files/generate-upload-url`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ content_type: 'image/png' }),
      })
    ).json()) as any;
    const src = await sharp({ create: { width: 320, height: 320, channels: 3, background: '#c03030' } })
      .png()
      .toBuffer();
    expect(
      (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(src) })).status,
    ).toBe(200);
    const set = await run(s, a, {
      prompt: 'variations',
      width_and_height: '1536x1536',
      quality: '720p',
      batch_size: 4,
      seed: 77,
      image_reference: { type: 'image_url', image_url: slot.public_url },
    });
    expect(set.jobs.map((j: any) => j.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    const outs = await Promise.all(set.jobs.map((j: any) => bytes(j.results.raw.url)));
    expect(new Set(outs.map((b) => b.toString('base64'))).size).toBe(4);
    const txt = await run(s, a, { prompt: 'variations', width_and_height: '1536x1536', quality: '720p', seed: 77 });
    // The reference image changes the result.
    expect((await bytes(txt.jobs[0].results.raw.url)).equals(outs[0])).toBe(false);
  });

  it('cancel mid-run stops between steps and refunds', async () => {
    const a = await slow.account(10);
    const r = (await (
      await fetch(`${slow.url}/v1/text2image/soul`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ params: { prompt: 'slow', width_and_height: '1536x1536', quality: '720p' } }),
      })
    ).json()) as any;
    await waitFor(async () => ((await slow.ctx.generation.get(r.id, a.accountId))!.jobs[0].progress?.step ?? 0) >= 1, 60_000);
    await fetch(`${slow.url}/v1/job-sets/${r.id}/cancel`, { method: 'POST', headers: hfHeaders(a) });
    const done = await waitFor(async () => {
      const g = await slow.ctx.generation.get(r.id, a.accountId);
      return g!.jobs[0].status === 'canceled' && g;
    }, 60_000);
    expect(done.jobs[0].progress!.step).toBeLessThan(60);
    expect(Number((await slow.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000);
  });

  it('a missing model fails the job with the pull command and refunds it', async () => {
    const a = await missing.account(10);
    const set = await run(missing, a, { prompt: 'anything', quality: '1080p' });
    expect(set.jobs[0].status).toBe('failed');
    expect(set.jobs[0].error).toContain('opensoul models pull owner/not-installed');
    expect(Number((await missing.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(10_000);
  });
});
