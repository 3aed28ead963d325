// Fallbacks a runner takes so a job still succeeds (prompt rules instead of the chat endpoint, a
// stand-in scheduler, the next matte provider) are recorded in the job's extras and logged.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import type { Job } from '../../src/domain/job.js';
import type { DopParams } from '../../src/domain/dop.js';
import { readSoulParams, type SoulJobInput } from '../../src/domain/soul.js';
import { createDiffusionEngine, type DiffusionEngine, makeFixtureModel } from '../../src/engine/diffusion/index.js';
import { saliencyMatteProvider, chainMatteProviders } from '../../src/engine/video/index.js';
import type { RunContext } from '../../src/worker/runner.js';
import { dopRunner } from '../../src/worker/runners/dop-runner.js';
import { soulRunner } from '../../src/worker/runners/soul-runner.js';
import { type LocalServer, startLocalServer } from '../helpers/local-http-server.js';
import { waitFor } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';

const root = mkdtempSync(join(tmpdir(), 'opensoul-runner-fallbacks-'));
let engine: DiffusionEngine;
let chat: LocalServer;

beforeAll(async () => {
  // A model folder configured with PNDM, which opensoul does not implement (Euler stands in).
  const dir = join(root, 'pndm');
  await makeFixtureModel(dir, 'sd', { seed: 5 });
  const configFile = join(dir, 'scheduler', 'scheduler_config.json');
  writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), _class_name: 'PNDMScheduler' }));
  engine = createDiffusionEngine({
    modelPath: dir,
    modelsDir: join(root, 'cache'),
    defaultModel: 'fixture/pndm',
    provider: 'cpu',
    threads: 1,
  });
  chat = await startLocalServer((_req, res) => res.writeHead(503).end('overloaded'));
});
afterAll(async () => {
  await engine?.close();
  await chat?.close();
  rmSync(root, { recursive: true, force: true });
});

function context(kind: Job['kind'], input: object): { ctx: RunContext; logs: { msg: string; extra?: Record<string, unknown> }[] } {
  const logs: { msg: string; extra?: Record<string, unknown> }[] = [];
  const job: Job = {
    id: 'job-1',
    jobSetId: 'set-1',
    accountId: 'acct-1',
    kind,
    index: 0,
    status: 'in_progress',
    priority: 0,
    input: input as Record<string, unknown>,
    results: null,
    error: null,
    cost: 0,
    progress: null,
    extras: {},
    attempts: 1,
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
  const ctx: RunContext = {
    job,
    signal: new AbortController().signal,
    progress: () => {},
    loadImage: async () => {
      throw new Error('no images in this test');
    },
    log: (msg, extra) => logs.push({ msg, extra }),
    readSet: async () => ({ jobs: [job], output: async () => Buffer.alloc(0) }),
  };
  return { ctx, logs };
}

const soulInput = (enhancePrompt: boolean): SoulJobInput => ({
  prompt: 'a lighthouse at dusk',
  negativePrompt: null,
  seed: 7,
  styleId: null,
  styleStrength: 1,
  enhancePrompt,
  imageReferenceUrl: null,
  imageStrength: 0.6,
  customReferenceId: null,
  customReferenceStrength: 1,
  width: 64,
  height: 64,
});

describe('Soul runner fallbacks', () => {
  it('records and logs the prompt enhancer falling back to rules and the substituted scheduler', async () => {
    const { ctx, logs } = context('soul', soulInput(true));
    const out = await soulRunner({ engine, steps: 2, enhancer: { endpoint: chat.url(''), model: 'm' } }).run(ctx);
    expect(out.extras).toMatchObject({
      prompt_enhancer: { source: 'rules', fallback_reason: 'chat endpoint answered HTTP 503' },
      scheduler: { used: 'EulerDiscreteScheduler', substituted_for: 'PNDMScheduler' },
    });
    expect(logs).toContainEqual({ msg: 'prompt enhancer fell back to rules', extra: { reason: 'chat endpoint answered HTTP 503' } });
    expect(logs).toContainEqual({
      msg: 'model scheduler not implemented; a compatible one ran instead',
      extra: { model: expect.any(String), configured: 'PNDMScheduler', used: 'EulerDiscreteScheduler' },
    });
  });

  it('says nothing about the enhancer when the request did not ask for it', async () => {
    const { ctx, logs } = context('soul', soulInput(false));
    const out = await soulRunner({ engine, steps: 2, enhancer: { endpoint: chat.url(''), model: 'm' } }).run(ctx);
    expect(out.extras).not.toHaveProperty('prompt_enhancer');
    expect(logs.map((l) => l.msg)).not.toContain('prompt enhancer fell back to rules');
  });
});

describe('DoP runner fallbacks', () => {
  it('records and logs a matte provider that failed, and names the one that made the matte', async () => {
    const broken = { name: 'broken-model', matte: async () => Promise.reject(new Error('model file missing')) };
    const still = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#2a6f97' } })
      .composite([
        {
          input: await sharp({ create: { width: 100, height: 100, channels: 3, background: '#f4a261' } })
            .png()
            .toBuffer(),
          left: 110,
          top: 70,
        },
      ])
      .jpeg()
      .toBuffer();
    const params: DopParams = {
      tier: 'lite',
      prompt: '',
      imageUrl: 'mem://still',
      endImageUrl: null,
      motions: [],
      motionsFromPrompt: false,
      seed: 3,
      enhancePrompt: false,
    };
    const { ctx, logs } = context('dop', params);
    ctx.loadImage = async () => still;
    // No motions: the default (Dolly In) has parallax, so the matte chain runs.
    const out = await dopRunner({ matteProvider: chainMatteProviders([broken, saliencyMatteProvider]) }).run(ctx);
    expect(out.extras).toMatchObject({ matte: 'saliency', matte_failures: [{ provider: 'broken-model', error: 'model file missing' }] });
    expect(logs).toContainEqual({
      msg: 'matte provider failed; the next one took over',
      extra: { provider: 'broken-model', err: 'model file missing' },
    });
  });
});

describe('the worker', () => {
  it("passes a runner's log lines to the process log, tagged with the job", async () => {
    const lines: { msg: string; extra?: Record<string, unknown> }[] = [];
    const inner = testSoulRunner();
    const runner = { kind: 'soul' as const, run: async (c: RunContext) => (c.log('fell back', { reason: 'test' }), inner.run(c)) };
    const ctx = await createContext(loadConfig({}, { dataDir: join(root, 'worker'), workers: 1 }), {
      runners: [runner],
      log: (msg, extra) => lines.push({ msg, extra }),
    });
    try {
      ctx.workers!.start(1);
      const { accountId } = await ctx.accounts.createAccountWithKey('log', 10);
      const set = await ctx.soul.submit(accountId, readSoulParams({ prompt: 'x', quality: '720p' }, ['body']), {
        model: 'soul',
        dialect: 'higgsfield',
        webhook: null,
      });
      await waitFor(async () => (await ctx.generation.get(set.id, accountId))!.jobs[0].status === 'completed');
      expect(lines).toContainEqual({ msg: 'fell back', extra: { job: set.jobs[0].id, kind: 'soul', reason: 'test' } });
    } finally {
      await ctx.close();
    }
  });
});
