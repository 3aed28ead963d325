import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureModel } from '../../../src/engine/diffusion/fixture/index.js';
import {
  createDiffusionEngine,
  ModelMissingError,
  type DiffusionEngine,
  type SoulRenderRequest,
} from '../../../src/engine/diffusion/index.js';
import { readPngText } from '../../../src/engine/diffusion/png-text.js';

const root = mkdtempSync(join(tmpdir(), 'opensoul-engine-'));
const engines: DiffusionEngine[] = [];

function engine(dir: string, extra: { vae?: 'auto' | 'full' | 'tiny' } = {}): DiffusionEngine {
  const e = createDiffusionEngine({
    modelPath: join(root, dir),
    modelsDir: join(root, 'cache'),
    defaultModel: 'SimianLuo/LCM_Dreamshaper_v7',
    provider: 'cpu',
    threads: 1,
    ...extra,
  });
  engines.push(e);
  return e;
}

beforeAll(async () => {
  await Promise.all([
    makeFixtureModel(join(root, 'sd'), 'sd', { seed: 11 }),
    makeFixtureModel(join(root, 'sd-taesd'), 'sd', { seed: 11, taesd: true }),
    makeFixtureModel(join(root, 'sdxl'), 'sdxl', { seed: 12 }),
    makeFixtureModel(join(root, 'lcm'), 'lcm', { seed: 13, timestep: 'int64', vaeEncoderOutput: 'latent_sample' }),
    makeFixtureModel(join(root, 'sd-fp16'), 'sd', { seed: 14, fp16: true, timestep: 'float16' }),
    makeFixtureModel(join(root, 'sd-static'), 'sd', { seed: 11, unetStaticBatch: 1, timestep: 'int64' }),
  ]);
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  rmSync(root, { recursive: true, force: true });
});

const base: SoulRenderRequest = {
  prompt: 'a portrait of a woman in a red coat, film grain',
  width: 256,
  height: 256,
  seed: 1234,
  steps: 3,
};
const raw = (img: Buffer) => sharp(img).removeAlpha().raw().toBuffer();
const maxDiff = (a: Buffer, b: Buffer) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('warm()', () => {
  it('loads the sessions before any job: the first render pays no load, and renders the same bytes as a cold engine', async () => {
    const warm = engine('sd');
    await expect(warm.warm()).resolves.toEqual({ model: 'opensoul/fixture-sd', provider: 'cpu' });
    expect(await warm.readiness()).toMatchObject({ ready: true, model: 'opensoul/fixture-sd', provider: 'cpu' });
    const first = await warm.render(base);
    expect(first.timings.loadMs).toBe(0);
    const cold = await engine('sd').render(base);
    expect(cold.timings.loadMs).toBeGreaterThan(0);
    expect(Buffer.compare(first.images[0], cold.images[0])).toBe(0);
  });

  it('a missing model rejects with the pull command', async () => {
    const e = createDiffusionEngine({
      modelsDir: join(root, 'empty-cache'),
      defaultModel: 'SimianLuo/LCM_Dreamshaper_v7',
      provider: 'cpu',
    });
    engines.push(e);
    await expect(e.warm()).rejects.toThrow(ModelMissingError);
    expect(await e.readiness()).toMatchObject({
      ready: false,
      fix: expect.stringMatching(/^npx opensoul models pull SimianLuo\/LCM_Dreamshaper_v7 --only /),
    });
  });
});

describe('txt2img on the sd fixture', () => {
  const sd = () => engine('sd');
  let e: DiffusionEngine;
  beforeAll(() => {
    e = sd();
  });

  it('renders a PNG of the exact size with parameters, progress and timings', async () => {
    const steps: Array<[number, number]> = [];
    const r = await e.render({ ...base, onStep: (s, t) => steps.push([s, t]) });
    expect(r.images).toHaveLength(1);
    const meta = await sharp(r.images[0]).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 256, 256]);
    const params = readPngText(r.images[0]).parameters;
    expect(params).toContain('a portrait of a woman in a red coat');
    expect(params).toContain('Seed: 1234');
    expect(params).toContain('Steps: 3');
    expect(steps).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(r).toMatchObject({ width: 256, height: 256, seed: 1234, model: 'opensoul/fixture-sd' });
    expect(r.timings.steps).toBe(3);
    expect(r.timings.stepMs).toHaveLength(3);
    expect(r.timings.onnxMs).toBeGreaterThan(0);
    expect(r.timings.onnxMs).toBeLessThanOrEqual(r.timings.totalMs);
    // The picture is not flat: the fixture's networks really ran on the noise.
    const stats = await sharp(r.images[0]).stats();
    expect(stats.channels[0].stdev).toBeGreaterThan(1);
  });

  it('same inputs and seed give identical bytes; another seed or prompt does not; sessions are reused', async () => {
    const a = await e.render(base);
    const b = await e.render(base);
    expect(b.timings.loadMs).toBe(0);
    expect(Buffer.compare(a.images[0], b.images[0])).toBe(0);
    const c = await e.render({ ...base, seed: 1235 });
    expect(Buffer.compare(a.images[0], c.images[0])).not.toBe(0);
    const d = await e.render({ ...base, prompt: 'a lighthouse at dusk' });
    expect(Buffer.compare(a.images[0], d.images[0])).not.toBe(0);
  });

  it('classifier-free guidance changes the result when guidance > 1', async () => {
    const off = await e.render({ ...base, guidanceScale: 0 });
    const one = await e.render({ ...base, guidanceScale: 1 });
    const on = await e.render({ ...base, guidanceScale: 5, negativePrompt: 'blurry' });
    // g <= 1 runs no CFG batch at all: same pixels (the PNG text differs by its CFG field).
    expect(Buffer.compare(await raw(off.images[0]), await raw(one.images[0]))).toBe(0);
    expect(Buffer.compare(off.images[0], on.images[0])).not.toBe(0);
    expect(readPngText(on.images[0]).parameters).toContain('Negative prompt: blurry');
  });

  it('batch 4: four different images, the first one equal to the batch-1 render', async () => {
    const one = await e.render(base);
    const four = await e.render({ ...base, batchSize: 4 });
    expect(four.images).toHaveLength(4);
    expect(new Set(four.images.map((b) => b.toString('base64'))).size).toBe(4);
    expect(maxDiff(await raw(one.images[0]), await raw(four.images[0]))).toBeLessThanOrEqual(1);
  });

  it('resizes to exact Soul sizes and encodes JPEG and WebP', async () => {
    const jpeg = await e.render({ ...base, width: 1152, height: 2048, format: 'jpeg' });
    expect(jpeg.timings).toMatchObject({ generationWidth: 192, generationHeight: 320 });
    const jm = await sharp(jpeg.images[0]).metadata();
    expect([jm.format, jm.width, jm.height]).toEqual(['jpeg', 1152, 2048]);
    const webp = await e.render({ ...base, width: 768, height: 1366, format: 'webp' });
    const wm = await sharp(webp.images[0]).metadata();
    expect([wm.format, wm.width, wm.height]).toEqual(['webp', 768, 1366]);
  });

  it('img2img: strength picks the steps; the init image and seed shape the result', async () => {
    const init = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#d04020' } })
      .png()
      .toBuffer();
    const other = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#2040d0' } })
      .jpeg()
      .toBuffer();
    const totals: number[] = [];
    const a = await e.render({ ...base, steps: 4, initImage: init, strength: 0.5, onStep: (_s, t) => totals.push(t) });
    expect(a.timings.steps).toBe(2);
    expect(totals).toEqual([2, 2]);
    expect(readPngText(a.images[0]).parameters).toContain('Denoising strength: 0.5');
    const again = await e.render({ ...base, steps: 4, initImage: init, strength: 0.5 });
    expect(Buffer.compare(a.images[0], again.images[0])).toBe(0);
    const b = await e.render({ ...base, steps: 4, initImage: other, strength: 0.5 });
    expect(Buffer.compare(a.images[0], b.images[0])).not.toBe(0);
    const txt = await e.render({ ...base, steps: 4 });
    expect(Buffer.compare(a.images[0], txt.images[0])).not.toBe(0);
    // Too few steps for the strength: raised so that at least one step runs.
    const low = await e.render({ ...base, steps: 2, initImage: init, strength: 0.3 });
    expect(low.timings.steps).toBe(1);
    await expect(e.render({ ...base, initImage: Buffer.from('not an image') })).rejects.toThrow(/could not be decoded/);
  });

  it('cancels between steps with an AbortError and keeps working afterwards', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const p = e.render({
      ...base,
      steps: 4,
      signal: ac.signal,
      onStep: (s) => {
        seen.push(s);
        if (s === 1) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1]);
    const pre = new AbortController();
    pre.abort();
    await expect(e.render({ ...base, signal: pre.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const ok = await e.render(base);
    expect(ok.images).toHaveLength(1);
  });

  it('validates requests', async () => {
    await expect(e.render({ ...base, batchSize: 3 as 4 })).rejects.toThrow(RangeError);
    await expect(e.render({ ...base, width: 10000 })).rejects.toThrow(RangeError);
    await expect(e.render({ ...base, strength: 0, initImage: Buffer.alloc(1) })).rejects.toThrow(RangeError);
    await expect(e.render({ ...base, seed: -1 })).rejects.toThrow(RangeError);
  });
});

describe('other families and export variants', () => {
  it('sdxl: two encoders, text_embeds/time_ids, zero negative for an empty prompt under CFG', async () => {
    const e = engine('sdxl');
    const r = await e.render(base);
    expect(r.model).toBe('opensoul/fixture-sdxl');
    const again = await e.render(base);
    expect(Buffer.compare(r.images[0], again.images[0])).toBe(0);
    const zeros = await e.render({ ...base, guidanceScale: 4 });
    const blank = await e.render({ ...base, guidanceScale: 4, negativePrompt: '   ' });
    const neg = await e.render({ ...base, guidanceScale: 4, negativePrompt: 'blurry' });
    expect(Buffer.compare(await raw(zeros.images[0]), await raw(blank.images[0]))).toBe(0);
    expect(Buffer.compare(zeros.images[0], neg.images[0])).not.toBe(0);
    const batch = await e.render({ ...base, batchSize: 4, guidanceScale: 4, initImage: r.images[0], strength: 0.7, steps: 3 });
    expect(batch.images).toHaveLength(4);
    expect(batch.timings.steps).toBe(2);
  });

  it('lcm: guidance through timestep_cond (no CFG batch), int64 timestep, latent_sample encoder', async () => {
    const e = engine('lcm');
    const a = await e.render({ ...base, steps: 4, guidanceScale: 8 });
    const b = await e.render({ ...base, steps: 4, guidanceScale: 2 });
    expect(a.timings.steps).toBe(4);
    expect(Buffer.compare(a.images[0], b.images[0])).not.toBe(0);
    expect(readPngText(a.images[0]).parameters).toContain('Sampler: LCMScheduler');
    const i2i = await e.render({ ...base, steps: 4, initImage: a.images[0], strength: 0.5, batchSize: 4 });
    expect(i2i.timings.steps).toBe(4); // LCM runs all steps on a strength-shortened schedule
    expect(new Set(i2i.images.map((x) => x.toString('base64'))).size).toBe(4);
  });

  it('fp16 model with a float16 scalar timestep is deterministic', async () => {
    const e = engine('sd-fp16');
    const a = await e.render({ ...base, guidanceScale: 3 });
    const b = await e.render({ ...base, guidanceScale: 3 });
    expect(Buffer.compare(a.images[0], b.images[0])).toBe(0);
    expect((await sharp(a.images[0]).stats()).channels[1].stdev).toBeGreaterThan(1);
  });

  it('int64 [B] timestep and a static batch of 1: batch 4 with CFG runs in chunks, same image as the dynamic export', async () => {
    const stat = await engine('sd-static').render({ ...base, batchSize: 4, guidanceScale: 3 });
    const dyn = await engine('sd').render({ ...base, batchSize: 4, guidanceScale: 3 });
    expect(stat.images).toHaveLength(4);
    // Same weights (same fixture seed); only the timestep dtype differs, and the trailing
    // schedule's timesteps are integers, so the results agree.
    for (let k = 0; k < 4; k++) expect(maxDiff(await raw(stat.images[k]), await raw(dyn.images[k]))).toBeLessThanOrEqual(1);
  });

  it('TAESD-style decoder is used on CPU when present, the full VAE on request', async () => {
    const tiny = await engine('sd-taesd').render(base);
    const full = await engine('sd-taesd', { vae: 'full' }).render(base);
    const plain = await engine('sd').render(base);
    expect(Buffer.compare(full.images[0], plain.images[0])).toBe(0);
    expect(Buffer.compare(tiny.images[0], full.images[0])).not.toBe(0);
    const i2i = await engine('sd-taesd').render({ ...base, steps: 4, initImage: full.images[0], strength: 0.5 });
    expect(i2i.images).toHaveLength(1);
  });
});

describe('missing model', () => {
  it('reports it in readiness and as ModelMissingError naming the pull command', async () => {
    const modelsDir = join(root, 'empty-cache');
    await mkdir(modelsDir, { recursive: true });
    const e = createDiffusionEngine({ modelsDir, defaultModel: 'SimianLuo/LCM_Dreamshaper_v7', provider: 'cpu' });
    engines.push(e);
    const ready = await e.readiness();
    expect(ready.ready).toBe(false);
    expect(ready.reason).toContain('opensoul models pull SimianLuo/LCM_Dreamshaper_v7');
    const err = await e.render(base).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelMissingError);
    expect((err as Error).message).toMatch(/not installed.*opensoul models pull SimianLuo\/LCM_Dreamshaper_v7 --only/);

    const broken = join(root, 'broken');
    await mkdir(join(broken, 'unet'), { recursive: true });
    const e2 = createDiffusionEngine({ modelPath: broken, modelsDir, defaultModel: 'x/y', provider: 'cpu' });
    engines.push(e2);
    await expect(e2.render(base)).rejects.toThrow(/lacks model_index\.json/);
    expect((await e2.readiness()).ready).toBe(false);
  });

  it('readiness is true for an installed model', async () => {
    expect(await engine('sd').readiness()).toMatchObject({ ready: true });
  });
});
