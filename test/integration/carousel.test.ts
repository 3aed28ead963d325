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

// The Instagram carousel workflow over HTTP: planned slides rendered on the real ONNX pipeline
// (tiny generated model), overlay copy drawn on a second version of each slide.
let s: TestServer;
let idle: TestServer;
let llmServer: TestServer;
let brokenLlmServer: TestServer;
let llm: LocalServer;
let brokenLlm: LocalServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-carousel-'));

/** An OpenAI-compatible chat endpoint that plans `n` slides from the user message. */
function chatAnswer(user: string) {
  const n = Number(/exactly (\d+) slides/.exec(user)![1]);
  const slides = Array.from({ length: n }, (_, i) => ({
    image_prompt: `LLM scene ${i + 1}: espresso being poured`,
    overlay_text: `LLM tip ${i + 1}`,
  }));
  return {
    choices: [
      {
        message: {
          role: 'assistant',
          content: `Here you go:\n${JSON.stringify({ slides, caption: 'LLM caption', hashtags: ['coffee', '#barista'] })}`,
        },
      },
    ],
  };
}

beforeAll(async () => {
  await makeFixtureModel(path.join(tmp, 'sd'), 'sd', { seed: 3 });
  const engine = createDiffusionEngine({
    modelPath: path.join(tmp, 'sd'),
    modelsDir: tmp,
    defaultModel: 'fixture/sd',
    provider: 'cpu',
    threads: 1,
  });
  llm = await startLocalServer((_req, res, body) => {
    const user = (JSON.parse(body.toString()) as any).messages.find((m: any) => m.role === 'user').content;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(chatAnswer(user)));
  });
  brokenLlm = await startLocalServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ choices: [{ message: { content: 'I cannot do JSON today' } }] }));
  });
  [s, idle, llmServer, brokenLlmServer] = await Promise.all([
    startServer({ runners: [soulRunner({ engine })], config: { workers: 1 } }),
    startServer({ workers: false }),
    startServer({ workers: false, config: { promptEnhancerUrl: llm.url('/v1'), promptEnhancerModel: 'stub' } }),
    startServer({ workers: false, config: { promptEnhancerUrl: brokenLlm.url('/v1') } }),
  ]);
});
afterAll(async () => {
  await Promise.all([s?.close(), idle?.close(), llmServer?.close(), brokenLlmServer?.close(), llm?.close(), brokenLlm?.close()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Account = Awaited<ReturnType<TestServer['account']>>;
const ROUTE = '/social/carousel/instagram';
const post = (t: TestServer, a: Account, body: unknown) =>
  call(`${t.url}${ROUTE}`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify(body) });
const status = (t: TestServer, a: Account, id: string) => call(`${t.url}/requests/${id}/status`, { headers: hfHeaders(a) });
const balance = async (t: TestServer, a: Account) => Number((await t.ctx.accounts.get(a.accountId))!.balance_milli);
const planOf = async (t: TestServer, a: Account, id: string) => (await status(t, a, id)).body.carousel;
const png = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

describe('POST /social/carousel/instagram', () => {
  it('3 slides: 4:5 images, overlay versions, caption and hashtags; priced as 3 Soul 1080p images', async () => {
    const a = await s.account(20);
    const sub = await post(s, a, { topic: 'how to brew better coffee at home', slide_count: 3, seed: 11 });
    expectGolden('social/carousel-submit', sub, s.url);
    expect(await balance(s, a)).toBe(20_000 - 3 * 3000);
    const done = await waitFor(async () => {
      const r = await status(s, a, sub.body.request_id);
      return !['queued', 'in_progress'].includes(r.body.status) && r;
    }, 180_000);
    expectGolden('social/carousel-completed', done, s.url);
    const c = done.body.carousel;
    expect(c).toMatchObject({ planner: 'template', language: 'en', caption: expect.any(String) });
    expect(c.hashtags.length).toBeGreaterThan(1);
    expect(c.slides).toHaveLength(3);
    for (const slide of c.slides) {
      const [clean, overlaid] = await Promise.all([png(slide.image_url), png(slide.overlay_image_url)]);
      const [m1, m2] = await Promise.all([sharp(clean).metadata(), sharp(overlaid).metadata()]);
      expect([m1.width, m1.height, m2.width, m2.height]).toEqual([1080, 1350, 1080, 1350]);
      // The copy is drawn at the bottom: the top of both versions is the same image, the bottom is not.
      const band = async (b: Buffer, top: number) =>
        sharp(b).extract({ left: 0, top, width: 1080, height: 200 }).removeAlpha().raw().toBuffer();
      expect((await band(clean, 0)).equals(await band(overlaid, 0))).toBe(true);
      expect((await band(clean, 1150)).equals(await band(overlaid, 1150))).toBe(false);
    }
    expect(done.body.images.map((i: any) => i.url)).toEqual(c.slides.map((x: any) => x.image_url));
  }, 240_000);

  it('the template plan is deterministic for a seed; the default is 7 slides', async () => {
    const a = await idle.account(100);
    const body = { topic: 'five minute morning stretches', seed: 321 };
    const one = await post(idle, a, body);
    const two = await post(idle, a, body);
    const other = await post(idle, a, { ...body, seed: 322 });
    const [p1, p2, p3] = await Promise.all([
      planOf(idle, a, one.body.request_id),
      planOf(idle, a, two.body.request_id),
      planOf(idle, a, other.body.request_id),
    ]);
    expect(p1.slides).toHaveLength(7);
    expect(p1).toEqual(p2);
    expect(p3.slides.map((x: any) => x.overlay_text)).not.toEqual(p1.slides.map((x: any) => x.overlay_text));
  });

  it('an OpenAI-compatible LLM endpoint writes the plan; an unusable answer falls back to the template and says why', async () => {
    const a = await llmServer.account(100);
    const sub = await post(llmServer, a, { topic: 'latte art for beginners', slide_count: 4, seed: 5, language: 'pt-BR' });
    const plan = await planOf(llmServer, a, sub.body.request_id);
    expect(plan).toMatchObject({ planner: 'llm', language: 'pt-BR', caption: 'LLM caption', hashtags: ['#coffee', '#barista'] });
    expect(plan.slides.map((x: any) => x.overlay_text)).toEqual(['LLM tip 1', 'LLM tip 2', 'LLM tip 3', 'LLM tip 4']);
    expect(JSON.parse(llm.received.at(-1)!.body.toString()).messages[1].content).toContain('latte art for beginners');
    const set = (await llmServer.ctx.generation.get(sub.body.request_id, a.accountId))!;
    expect(set.jobs.map((j) => (j.input as any).prompt)).toEqual(plan.slides.map((x: any) => x.image_prompt));

    const b = await brokenLlmServer.account(100);
    const fb = await post(brokenLlmServer, b, { topic: 'latte art for beginners', slide_count: 4, seed: 5 });
    const fbPlan = await planOf(brokenLlmServer, b, fb.body.request_id);
    expect(fbPlan).toMatchObject({ planner: 'template', fallback_reason: expect.stringContaining('no JSON object') });
  });

  it('422s in pydantic shape; nothing charged', async () => {
    const a = await idle.account(10);
    expectGolden(
      'social/carousel-error-validation',
      await post(idle, a, { slide_count: 11, aspect_ratio: '1:1', language: 'not a tag', image_urls: ['nope'], style: 'x' }),
      idle.url,
    );
    expect(await balance(idle, a)).toBe(10_000);
  });

  it('cancel refunds every slide; another account sees 404', async () => {
    const a = await idle.account(10);
    const b = await idle.account(10);
    const sub = await post(idle, a, { topic: 'desk setup ideas', slide_count: 2 });
    expect(await balance(idle, a)).toBe(4000);
    expect((await status(idle, b, sub.body.request_id)).status).toBe(404);
    expect((await call(`${idle.url}/requests/${sub.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(a) })).status).toBe(202);
    expect((await status(idle, a, sub.body.request_id)).body.status).toBe('canceled');
    expect(await balance(idle, a)).toBe(10_000);
  });
});
