import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../src/domain/moderation.js';
import { SERIES_TEMPLATES } from '../../src/domain/video-series.js';
import { createDiffusionEngine, makeFixtureModel } from '../../src/engine/diffusion/index.js';
import { nsfwClassifier } from '../../src/engine/moderation/index.js';
import { ModerationService } from '../../src/services/moderation.js';
import { seriesClipRunner, seriesConcatRunner } from '../../src/worker/runners/series-runner.js';
import { soulRunner } from '../../src/worker/runners/soul-runner.js';
import { call, expectGolden } from '../dialects/golden.js';
import { startLocalServer, type LocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// The five video-series workflows over HTTP. The tutorial runs end to end at its fastest settings:
// Soul keyframes on the real ONNX pipeline (tiny generated model, 2 steps), the DoP engine at
// 480p (lite, 480x854), and the ffmpeg join with cross-fades and burned-in captions.
let s: TestServer;
let idle: TestServer;
let llmServer: TestServer;
let brokenLlmServer: TestServer;
let llm: LocalServer;
let brokenLlm: LocalServer;
let hooks: LocalServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-series-'));
// Soul 720p (1.5) + DoP turbo (6.5) per clip at 720p, DoP lite (2) at 480p; the join is free.
const CLIP_MILLI = 8000;
const DRAFT_CLIP_MILLI = 3500;

/** An OpenAI-compatible chat endpoint that plans `n` scenes from the user message. */
function chatAnswer(user: string) {
  const n = Number(/exactly (\d+) scenes/.exec(user)![1]);
  const scenes = Array.from({ length: n }, (_, i) => ({
    beat: `llm beat ${i + 1}`,
    image_prompt: `LLM scene ${i + 1}: a terracotta pot`,
    camera: i % 2 ? 'fast orbit left' : 'slow crane up',
    caption: `LLM caption ${i + 1}`,
  }));
  return {
    choices: [{ message: { role: 'assistant', content: `\`\`\`json\n${JSON.stringify({ title: 'LLM title', scenes })}\n\`\`\`` } }],
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
  const soul = soulRunner({ engine, steps: 2 });
  llm = await startLocalServer((_req, res, body) => {
    const user = (JSON.parse(body.toString()) as any).messages.find((m: any) => m.role === 'user').content;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(chatAnswer(user)));
  });
  brokenLlm = await startLocalServer((_req, res) => {
    res.statusCode = 503;
    res.end('overloaded');
  });
  hooks = await startLocalServer((_req, res) => res.end('ok'));
  [s, idle, llmServer, brokenLlmServer] = await Promise.all([
    startServer({
      runners: [soul, seriesClipRunner({ soul }), seriesConcatRunner()],
      config: { workers: 2 },
      // The real classifier under flag: every clip and the joined video are reviewed, none withheld.
      moderation: new ModerationService(nsfwClassifier(), { mode: 'flag', thresholds: DEFAULT_THRESHOLDS }),
    }),
    startServer({ workers: false }),
    startServer({ workers: false, config: { promptEnhancerUrl: llm.url('/v1'), promptEnhancerModel: 'stub' } }),
    startServer({ workers: false, config: { promptEnhancerUrl: brokenLlm.url('/v1') } }),
  ]);
});
afterAll(async () => {
  await Promise.all([
    s?.close(),
    idle?.close(),
    llmServer?.close(),
    brokenLlmServer?.close(),
    llm?.close(),
    brokenLlm?.close(),
    hooks?.close(),
  ]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Account = Awaited<ReturnType<TestServer['account']>>;
const route = (template: string) => `/social/video-series/${template}`;
const post = (t: TestServer, a: Account, body: unknown, template = 'tutorial', query = '') =>
  call(`${t.url}${route(template)}${query}`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify(body) });
const status = (t: TestServer, a: Account, id: string) => call(`${t.url}/requests/${id}/status`, { headers: hfHeaders(a) });
const balance = async (t: TestServer, a: Account) => Number((await t.ctx.accounts.get(a.accountId))!.balance_milli);
const planOf = async (t: TestServer, a: Account, id: string) => (await status(t, a, id)).body.series;

function probe(url: string) {
  return (async () => {
    const file = path.join(fs.mkdtempSync(path.join(tmp, 'p-')), 'v.mp4');
    fs.writeFileSync(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
    const out = JSON.parse(
      execFileSync(
        'ffprobe',
        [
          '-v',
          'error',
          '-select_streams',
          'v:0',
          '-show_entries',
          'stream=codec_name,width,height,display_aspect_ratio:format=duration',
          '-of',
          'json',
          file,
        ],
        { encoding: 'utf8' },
      ),
    );
    return { ...out.streams[0], duration: Number(out.format.duration) };
  })();
}

describe('POST /social/video-series/tutorial on the fixture model', () => {
  it('90 s tutorial: 20 clips of 5 s at 9:16 H.264, one joined video of >= 90 s with captions; priced per clip; webhooked', async () => {
    const a = await s.account(200);
    const started = Date.now();
    const sub = await post(
      s,
      a,
      { topic: 'how to repot a houseplant', seed: 7, resolution: '480p' },
      'tutorial',
      `?hf_webhook=${encodeURIComponent(hooks.url('/series'))}`,
    );
    expectGolden('social/video-series-submit', sub, s.url);
    expect(await balance(s, a)).toBe(200_000 - 20 * DRAFT_CLIP_MILLI);
    // While clips run the join waits, and every wire shows it as queued.
    const early = await call(`${s.url}/v1/job-sets/${sub.body.request_id}`, { headers: hfHeaders(a) });
    expect(early.body.jobs.at(-1).status).toBe('queued');
    expect((await s.ctx.generation.get(sub.body.request_id, a.accountId))!.jobs.at(-1)!.status).toBe('waiting');
    const done = await waitFor(
      async () => {
        const r = await status(s, a, sub.body.request_id);
        return !['queued', 'in_progress'].includes(r.body.status) && r;
      },
      900_000,
      1000,
    );
    console.log(`tutorial series wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expectGolden(
      'social/video-series-completed',
      {
        status: done.status,
        body: {
          ...done.body,
          videos: done.body.videos.slice(-2),
          series: { ...done.body.series, scenes: done.body.series.scenes.slice(0, 2) },
        },
      },
      s.url,
    );
    const videos = done.body.videos as any[];
    expect(videos.filter((v) => v.kind === 'clip').map((v) => v.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(videos.at(-1).kind).toBe('concatenated');
    const series = done.body.series;
    expect(series).toMatchObject({
      template: 'tutorial',
      planner: 'template',
      clip_duration: 5,
      target_duration: 90,
      planned_duration: 90.5,
    });
    expect(series.concatenated).toMatchObject({ status: 'completed', captions: 'overlay_png', transitions: { kind: 'xfade' } });
    for (const v of [videos[0], videos[10], videos[19]]) {
      const p = await probe(v.url);
      expect(p).toMatchObject({ codec_name: 'h264', width: 480, height: 854 });
      expect(p.width / p.height).toBeCloseTo(9 / 16, 2);
      expect(p.duration).toBeCloseTo(5, 1);
    }
    const joined = await probe(videos.at(-1).url);
    expect(joined).toMatchObject({ codec_name: 'h264', width: 480, height: 854 });
    expect(joined.duration).toBeGreaterThanOrEqual(90);
    const hook = await waitFor(async () => hooks.received.find((h) => h.url === '/series'));
    expect(JSON.parse(hook.body.toString())).toMatchObject({
      status: 'completed',
      videos: expect.arrayContaining([expect.objectContaining({ kind: 'concatenated' })]),
    });
    expect(await balance(s, a)).toBe(200_000 - 20 * DRAFT_CLIP_MILLI);
    // Moderation reviewed every clip and the joined video: 3 frames each plus its poster.
    const jobs = (await s.ctx.generation.get(sub.body.request_id, a.accountId))!.jobs;
    const reviews = jobs.map((j) => ({ kind: j.kind, samples: (j.extras.moderation as { samples?: number } | undefined)?.samples }));
    expect(reviews.filter((r) => r.kind === 'series_clip').every((r) => r.samples === 4)).toBe(true);
    expect(reviews.at(-1)).toEqual({ kind: 'series_concat', samples: 4 });
  }, 900_000);
});

describe('video series without workers', () => {
  it('every template plans its structure; the template plan is deterministic for a seed', async () => {
    const a = await idle.account(2000);
    for (const template of SERIES_TEMPLATES) {
      const body = { topic: 'a rainy night in Lisbon', seed: 321 };
      const one = await post(idle, a, body, template);
      expect(one.status).toBe(200);
      const two = await post(idle, a, body, template);
      const other = await post(idle, a, { ...body, seed: 322 }, template);
      const [p1, p2, p3] = await Promise.all([
        planOf(idle, a, one.body.request_id),
        planOf(idle, a, two.body.request_id),
        planOf(idle, a, other.body.request_id),
      ]);
      const strip = (p: any) => ({ ...p, scenes: p.scenes.map(({ status: _s, video_url: _v, keyframe_url: _k, ...x }: any) => x) });
      expect(strip(p1)).toEqual(strip(p2));
      expect(p1.scenes).toHaveLength(20);
      expect(p1.planned_duration).toBeGreaterThanOrEqual(90);
      expect(p3.scenes.map((x: any) => x.caption + x.camera)).not.toEqual(p1.scenes.map((x: any) => x.caption + x.camera));
      for (const scene of p1.scenes) expect(scene.motions.length).toBeGreaterThanOrEqual(1);
      await call(`${idle.url}/requests/${one.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(a) });
      await call(`${idle.url}/requests/${two.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(a) });
      await call(`${idle.url}/requests/${other.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(a) });
    }
    const long = (await post(idle, a, { topic: 'sourdough', seed: 1, clip_duration: 10, target_duration: 120 })).body.request_id;
    const tutorial = await planOf(idle, a, long);
    await call(`${idle.url}/requests/${long}/cancel`, { method: 'POST', headers: hfHeaders(a) });
    expect(tutorial.scenes.map((x: any) => x.beat)).toEqual([
      'hook',
      'tools',
      ...Array.from({ length: 9 }, (_, i) => `step ${i + 1}`),
      'result',
      'call to action',
    ]);
    expect(tutorial).toMatchObject({ clip_duration: 10, target_duration: 120, planned_duration: 124 });
  });

  it('an OpenAI-compatible LLM endpoint writes the plan (camera words become motions); a failing one falls back and says why', async () => {
    const a = await llmServer.account(500);
    const sub = await post(llmServer, a, { topic: 'repotting a monstera', seed: 5, language: 'pt-BR' }, 'cinematic');
    const plan = await planOf(llmServer, a, sub.body.request_id);
    expect(plan).toMatchObject({ planner: 'llm', language: 'pt-BR', title: 'LLM title', template: 'cinematic' });
    expect(plan.scenes).toHaveLength(20);
    expect(plan.scenes[0]).toMatchObject({
      caption: 'LLM caption 1',
      image_prompt: 'LLM scene 1: a terracotta pot',
      motions: [{ name: 'Crane Up', strength: 0.5 }],
    });
    expect(plan.scenes[1].motions).toMatchObject([{ name: 'Orbit Left', strength: 1 }]);
    const user = JSON.parse(llm.received.at(-1)!.body.toString()).messages[1].content;
    expect(user).toContain('repotting a monstera');
    expect(user).toContain('climax');
    const set = (await llmServer.ctx.generation.get(sub.body.request_id, a.accountId))!;
    expect(set.jobs.slice(0, 20).map((j) => (j.input as any).keyframe.prompt)).toEqual(plan.scenes.map((x: any) => x.image_prompt));
    expect(set.jobs.at(-1)!.input).toMatchObject({ captions: plan.scenes.map((x: any) => x.caption) });

    const b = await brokenLlmServer.account(500);
    const fb = await planOf(
      brokenLlmServer,
      b,
      (await post(brokenLlmServer, b, { topic: 'repotting a monstera', seed: 5 }, 'pov')).body.request_id,
    );
    expect(fb).toMatchObject({ planner: 'template', fallback_reason: 'LLM plan not used: the chat endpoint answered 503' });
  });

  it('422s in pydantic shape; nothing charged', async () => {
    const a = await idle.account(10);
    expectGolden(
      'social/video-series-error-validation',
      await post(
        idle,
        a,
        { target_duration: 60, clip_duration: 7, resolution: '4k', language: 'not a tag', image_urls: ['nope'], slide_count: 3 },
        'pov',
      ),
      idle.url,
    );
    expect(await balance(idle, a)).toBe(10_000);
    expect((await post(idle, a, { topic: 'x' }, 'unknown-template')).status).toBe(404);
  });

  it('cancel refunds every clip and ends the waiting join; another account sees 404', async () => {
    const a = await idle.account(200);
    const b = await idle.account(10);
    const sub = await post(idle, a, { topic: 'desk setup ideas', seed: 12 }, 'product-showcase');
    expect(await balance(idle, a)).toBe(200_000 - 20 * CLIP_MILLI);
    expect((await status(idle, b, sub.body.request_id)).status).toBe(404);
    const queued = await status(idle, a, sub.body.request_id);
    expectGolden(
      'social/video-series-status-queued',
      { status: queued.status, body: { ...queued.body, series: { ...queued.body.series, scenes: queued.body.series.scenes.slice(0, 2) } } },
      idle.url,
    );
    expect((await call(`${idle.url}/requests/${sub.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(a) })).status).toBe(202);
    const after = await status(idle, a, sub.body.request_id);
    expect(after.body.status).toBe('canceled');
    expect(after.body.series.concatenated.status).toBe('canceled');
    expect(await balance(idle, a)).toBe(200_000);
  });

  it('the join is queued only when every clip completed; a failed clip ends it failed and refunds only that clip', async () => {
    const gen = idle.ctx.generation;
    const a = await idle.account(400);
    const run = async (fail: boolean) => {
      const sub = await post(idle, a, { topic: 'latte art', seed: 9 }, 'faceless-story');
      const id = sub.body.request_id;
      for (let i = 0; i < 20; i++) {
        const job = (await gen.claimNext('w-test', ['series_clip']))!;
        expect(job.jobSetId).toBe(id);
        const bad = fail && i === 3;
        await gen.finishJob(
          job,
          { status: 'in_progress', workerId: 'w-test' },
          bad ? { status: 'failed', error: 'engine broke' } : { status: 'completed', results: null, extras: {} },
        );
        if (i < 19) expect((await gen.get(id, a.accountId))!.jobs.at(-1)!.status).toBe('waiting');
      }
      return (await gen.get(id, a.accountId))!;
    };
    const ok = await run(false);
    expect(ok.jobs.at(-1)!.status).toBe('queued');
    const concat = (await gen.claimNext('w-test', ['series_concat']))!;
    expect(concat.id).toBe(ok.jobs.at(-1)!.id);
    await gen.finishJob(concat, { status: 'in_progress', workerId: 'w-test' }, { status: 'failed', error: 'test ends it' });

    const before = await balance(idle, a);
    const failed = await run(true);
    expect(failed.jobs.at(-1)).toMatchObject({ status: 'failed', error: 'Not run: part 4 of this request ended failed' });
    expect(await balance(idle, a)).toBe(before - 20 * CLIP_MILLI + CLIP_MILLI);
    expect(failed.finishedAt).not.toBeNull();
  });
});
