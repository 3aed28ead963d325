import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiffusionEngine, makeFixtureModel } from '../../src/engine/diffusion/index.js';
import { soulRunner } from '../../src/worker/runners/soul-runner.js';
import { call, expectGolden } from '../dialects/golden.js';
import { startLocalServer, type LocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// Popcorn auto over HTTP on the real ONNX pipeline (tiny generated model): a set of images kept
// consistent by shared start noise, the first reference as every image's start and every
// reference's palette.
let s: TestServer;
let idle: TestServer;
let hooks: LocalServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-popcorn-'));

beforeAll(async () => {
  await makeFixtureModel(path.join(tmp, 'sd'), 'sd', { seed: 3 });
  const engine = createDiffusionEngine({
    modelPath: path.join(tmp, 'sd'),
    modelsDir: tmp,
    defaultModel: 'fixture/sd',
    provider: 'cpu',
    threads: 1,
  });
  [s, idle, hooks] = await Promise.all([
    startServer({ runners: [soulRunner({ engine })], config: { workers: 1 } }),
    startServer({ workers: false }),
    startLocalServer((_req, res) => res.end('ok')),
  ]);
});
afterAll(async () => {
  await Promise.all([s?.close(), idle?.close(), hooks?.close()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Account = Awaited<ReturnType<TestServer['account']>>;
const post = (t: TestServer, a: Account, p: string, body: unknown) =>
  call(`${t.url}${p}`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify(body) });
const status = (t: TestServer, a: Account, id: string) => call(`${t.url}/requests/${id}/status`, { headers: hfHeaders(a) });
const ended = (t: TestServer, a: Account, id: string) =>
  waitFor(async () => {
    const r = await status(t, a, id);
    return !['queued', 'in_progress'].includes(r.body.status) && r;
  }, 120_000);
const balance = async (t: TestServer, a: Account) => Number((await t.ctx.accounts.get(a.accountId))!.balance_milli);
const pixels = async (url: string) =>
  sharp(Buffer.from(await (await fetch(url)).arrayBuffer()))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });

/** Mean absolute difference per byte between every pair of images. */
function meanPairDistance(images: Buffer[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) {
      let d = 0;
      for (let k = 0; k < images[i].length; k++) d += Math.abs(images[i][k] - images[j][k]);
      sum += d / images[i].length;
      pairs++;
    }
  }
  return sum / pairs;
}

async function ownImage(t: TestServer, a: Account, colour: string): Promise<string> {
  const png = await sharp({ create: { width: 128, height: 96, channels: 3, background: colour } })
    .png()
    .toBuffer();
  return t.ctx.media.url((await t.ctx.media.upload(a.accountId, png)).key);
}

// 1.472 credits an image ($0.092 at 16 credits per USD).
const IMAGE_MILLI = 1472;

describe('Popcorn auto (v2)', () => {
  it("the issue's body: a consistent set of num_images PNGs at the asked ratio, charged per image, webhooked", async () => {
    const a = await s.account(20);
    const refs = [await ownImage(s, a, '#c0392b'), await ownImage(s, a, '#e67e22')];
    const body = {
      prompt: 'a red fox in a snowy forest, storybook frames',
      image_urls: refs,
      num_images: 3,
      resolution: '720p',
      aspect_ratio: '4:3',
      seed: 4242,
    };
    const sub = await call(`${s.url}/higgsfield-ai/popcorn/auto?hf_webhook=${encodeURIComponent(hooks.url('/popcorn'))}`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify(body),
    });
    expectGolden('popcorn/v2-submit', sub, s.url);
    expect(await balance(s, a)).toBe(20_000 - 3 * IMAGE_MILLI);
    const done = await ended(s, a, sub.body.request_id);
    expectGolden('popcorn/v2-status-completed', done, s.url);
    expect(done.body.images).toHaveLength(3);
    const imgs = await Promise.all(done.body.images.map((i: any) => pixels(i.url)));
    for (const img of imgs) expect([img.info.width, img.info.height]).toEqual([1366, 1024]);
    // Every image carries the set's conditioning, with its own seed derived from the one seed.
    const set = (await s.ctx.generation.get(sub.body.request_id, a.accountId))!;
    expect(set.jobs.map((j) => j.extras.seed)).toEqual([4242, 4243, 4244]);
    for (const j of set.jobs) expect(j.extras).toMatchObject({ set_seed: 4242, shared_noise: 0.6, palette_references: 2 });
    const hook = await waitFor(async () => hooks.received.find((h) => h.url === '/popcorn'));
    expect(JSON.parse(hook.body.toString())).toMatchObject({ status: 'completed', request_id: sub.body.request_id });
  });

  it("the set is more alike than independent Soul images with the same seeds, and takes the references' palette", async () => {
    const a = await s.account(40);
    const prompt = 'a lighthouse on a cliff';
    const pop = await post(s, a, '/higgsfield-ai/popcorn/auto', {
      prompt,
      num_images: 4,
      resolution: '720p',
      aspect_ratio: '4:3',
      seed: 777,
    });
    const soul = await post(s, a, '/v1/text2image/soul', {
      params: { prompt, batch_size: 4, width_and_height: '2048x1536', quality: '720p', seed: 777 },
    });
    const popDone = await ended(s, a, pop.body.request_id);
    const soulDone = await ended(s, a, soul.body.id);
    const popImgs = await Promise.all(popDone.body.images.map(async (i: any) => (await pixels(i.url)).data));
    const soulImgs = await Promise.all(soulDone.body.images.map(async (i: any) => (await pixels(i.url)).data));
    expect(popImgs[0].length).toBe(soulImgs[0].length);
    expect(meanPairDistance(popImgs)).toBeLessThan(meanPairDistance(soulImgs) * 0.9);

    // References pull every image's colours towards theirs.
    const blue = await ownImage(s, a, '#1f4e9c');
    const withRef = await post(s, a, '/higgsfield-ai/popcorn/auto', {
      prompt,
      image_urls: [blue],
      num_images: 2,
      aspect_ratio: '4:3',
      seed: 777,
    });
    const refDone = await ended(s, a, withRef.body.request_id);
    for (const i of refDone.body.images) {
      const st = await sharp(Buffer.from(await (await fetch(i.url)).arrayBuffer())).stats();
      expect(st.channels[2].mean).toBeGreaterThan(st.channels[0].mean);
    }
  });

  it('422s in pydantic shape; nothing charged', async () => {
    const a = await s.account(10);
    const r = await post(s, a, '/higgsfield-ai/popcorn/auto', {
      image_urls: ['nope', ...Array(8).fill('https://example.com/a.png')],
      num_images: 9,
      resolution: '1080p',
      aspect_ratio: '5:4',
      seed: 0,
      style_id: 'x',
    });
    expectGolden('popcorn/v2-error-validation', r, s.url);
    const many = await post(s, a, '/higgsfield-ai/popcorn/auto', { prompt: 'x', image_urls: ['nope'] });
    expect(many.body.detail.map((i: any) => [i.type, i.loc.join('.')])).toEqual([['url_parsing', 'body.image_urls.0']]);
    expect(await balance(s, a)).toBe(10_000);
  });

  it('cancel while queued refunds every image; another account sees 404', async () => {
    const a = await idle.account(10);
    const b = await idle.account(10);
    const sub = await post(idle, a, '/higgsfield-ai/popcorn/auto', { prompt: 'wait', num_images: 2 });
    expect(await balance(idle, a)).toBe(10_000 - 2 * IMAGE_MILLI);
    expect((await status(idle, b, sub.body.request_id)).status).toBe(404);
    expect((await call(`${idle.url}/requests/${sub.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(b) })).status).toBe(404);
    expect((await call(`${idle.url}/requests/${sub.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(a) })).status).toBe(202);
    expect((await status(idle, a, sub.body.request_id)).body.status).toBe('canceled');
    expect(await balance(idle, a)).toBe(10_000);
  });
});

describe('Popcorn keyframes (legacy v1)', () => {
  it('params{prompt, aspect_ratio, count, image_references, quality, seed} -> a v1 job set of images', async () => {
    const a = await s.account(20);
    const ref = await ownImage(s, a, '#2e8b57');
    const params = {
      prompt: 'a green dragon, three keyframes',
      aspect_ratio: '16:9',
      count: 2,
      image_references: [{ type: 'image_url', image_url: ref }],
      quality: '720p',
      seed: 99,
    };
    const sub = await post(s, a, '/v1/text2image/keyframes', { params });
    expectGolden('popcorn/v1-submit', sub, s.url);
    const done = await waitFor(async () => {
      const g = await call(`${s.url}/v1/job-sets/${sub.body.id}`, { headers: hfHeaders(a) });
      return g.body.jobs.every((j: any) => j.status === 'completed') && g;
    }, 120_000);
    expect(done.body.type).toBe('text2image_popcorn');
    for (const j of done.body.jobs) {
      expect(j.results.raw.type).toBe('image');
      const img = await pixels(j.results.raw.url);
      expect(img.info.width / img.info.height).toBeCloseTo(16 / 9, 1);
    }
    const bad = await post(s, a, '/v1/text2image/keyframes', {
      params: { prompt: 'x', count: 0, image_references: [{ type: 'file', image_url: 'x' }] },
    });
    expectGolden('popcorn/v1-error-validation', bad, s.url);
  });
});
