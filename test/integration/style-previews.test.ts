/** Soul style previews: drawn by the real ONNX engine (tiny fixture model) once, then cached. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stylePreviewRoutes } from '../../src/api/surfaces/style-previews.js';
import { loadConfig } from '../../src/config.js';
import { SOUL_STYLES } from '../../src/domain/styles.js';
import { createDiffusionEngine, makeFixtureModel, type DiffusionEngine, type SoulRenderRequest } from '../../src/engine/diffusion/index.js';
import {
  createStylePreviews,
  modelFolderFingerprint,
  STYLE_PREVIEW_SIZE,
  stylePreviewCacheDir,
} from '../../src/engine/diffusion/style-preview.js';
import { productionSurfaces } from '../../src/production.js';
import { hfHeaders, startServer, type TestServer } from '../helpers/server.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-style-previews-'));
const modelDir = path.join(tmp, 'sd');
const dataDir = path.join(tmp, 'data');
const cacheDir = stylePreviewCacheDir(dataDir);
let engine: DiffusionEngine;
const servers: TestServer[] = [];

/** The real engine, counting renders and how many run at once. */
function counting(inner: DiffusionEngine) {
  const c = {
    renders: 0,
    /** Denoising steps each render ran. */
    steps: [] as number[],
    active: 0,
    maxActive: 0,
    engine: {
      async render(req: SoulRenderRequest) {
        c.renders++;
        c.maxActive = Math.max(c.maxActive, ++c.active);
        try {
          const out = await inner.render(req);
          c.steps.push(out.timings.steps);
          return out;
        } finally {
          c.active--;
        }
      },
    },
  };
  return c;
}

/** A server with the style preview route over `inner`, its cache under the shared data dir. */
async function previewServer(inner: DiffusionEngine, model = () => modelFolderFingerprint(modelDir)) {
  const c = counting(inner);
  const previews = createStylePreviews({ engine: c.engine, cacheDir, model });
  const s = await startServer({ surfaces: [stylePreviewRoutes((id) => previews.get(id))], config: { dataDir }, workers: false });
  servers.push(s);
  return { s, c };
}

const previewUrl = (s: TestServer, id: string) => `${s.url}/v1/text2image/soul-styles/${id}/preview`;
const get = async (url: string) => {
  const r = await fetch(url);
  return { r, body: Buffer.from(await r.arrayBuffer()) };
};
const cachedFiles = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : []);

beforeAll(async () => {
  await makeFixtureModel(modelDir, 'sd', { seed: 3 });
  engine = createDiffusionEngine({ modelPath: modelDir, modelsDir: tmp, defaultModel: 'fixture/sd', provider: 'cpu', threads: 1 });
});
afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  await engine?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('GET /v1/text2image/soul-styles/:id/preview', () => {
  let first: Awaited<ReturnType<typeof previewServer>>;
  const [a, b, ...rest] = SOUL_STYLES;
  let imageA: Buffer;

  beforeAll(async () => {
    first = await previewServer(engine);
  });

  it('every listed preview_url is served: a JPEG thumbnail rendered on first request, without credentials', async () => {
    const acct = await first.s.account();
    const listed = (await (await fetch(`${first.s.url}/v1/text2image/soul-styles`, { headers: hfHeaders(acct) })).json()) as any[];
    const listedV2 = (await (await fetch(`${first.s.url}/v1/text2image/soul-styles/v2`, { headers: hfHeaders(acct) })).json()) as any[];
    expect(listed.map((s) => s.preview_url)).toEqual(SOUL_STYLES.map((s) => previewUrl(first.s, s.id)));
    expect(listedV2).toEqual(listed);

    const [one, two] = await Promise.all(listed.slice(0, 2).map((s) => get(s.preview_url)));
    for (const { r } of [one, two]) {
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/jpeg');
      expect(r.headers.get('cache-control')).toBe('public, max-age=86400');
    }
    const meta = await sharp(one.body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', STYLE_PREVIEW_SIZE.width, STYLE_PREVIEW_SIZE.height]);
    // Same subject and seed: only the style's phrases change the picture.
    expect(one.body.equals(two.body)).toBe(false);
    expect(first.c.renders).toBe(2);
    // The fixture reads as SD-Turbo (trailing Euler): its 2-step default is under the preview cap.
    expect(first.c.steps).toEqual([2, 2]);
    imageA = one.body;

    // Only finished files, named <style id>-<version>.jpg (the temporary files were renamed).
    const files = cachedFiles();
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/^[0-9a-f-]{36}-[0-9a-f]{12}\.jpg$/);
    expect(
      fs
        .readFileSync(
          path.join(
            cacheDir,
            files.find((f) => f.startsWith(a.id))!,
          ),
        )
        .equals(imageA),
    ).toBe(true);
  });

  it('a second request is served from the cache without rendering', async () => {
    const again = await get(previewUrl(first.s, a.id));
    expect(again.r.status).toBe(200);
    expect(again.body.equals(imageA)).toBe(true);
    // Concurrent first requests for one style render it once.
    const same = await Promise.all([1, 2, 3].map(() => get(previewUrl(first.s, b.id))));
    expect(first.c.renders).toBe(2);
    expect(same.every((x) => x.body.equals(same[0].body))).toBe(true);
  });

  it('renders one preview at a time however many styles are asked for at once', async () => {
    const burst = rest.slice(0, 4);
    const before = first.c.renders;
    const got = await Promise.all(burst.map((s) => get(previewUrl(first.s, s.id))));
    expect(got.map((x) => x.r.status)).toEqual([200, 200, 200, 200]);
    expect(first.c.renders - before).toBe(4);
    expect(first.c.maxActive).toBe(1);
    expect(new Set(got.map((x) => x.body.toString('base64'))).size).toBe(4);
  });

  it('unknown style ids answer 404 in the Higgsfield shape', async () => {
    for (const id of ['nope', '00000000-0000-0000-0000-000000000000']) {
      const r = await fetch(previewUrl(first.s, id));
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ detail: 'Style not found' });
    }
  });

  it('a restart (new server, same data dir) serves previews from disk', async () => {
    const file = path.join(
      cacheDir,
      cachedFiles().find((f) => f.startsWith(a.id))!,
    );
    const written = fs.statSync(file).mtimeMs;
    await first.s.close();
    const second = await previewServer(engine);
    const r = await get(previewUrl(second.s, a.id));
    expect(r.r.status).toBe(200);
    expect(r.body.equals(imageA)).toBe(true);
    expect(second.c.renders).toBe(0);
    expect(fs.statSync(file).mtimeMs).toBe(written);
  });
});

describe('style previews without a model', () => {
  it('production wiring answers 503 with the pull command and caches nothing', async () => {
    const config = loadConfig(
      {},
      { dataDir: path.join(tmp, 'prod-data'), modelsDir: path.join(tmp, 'no-models'), defaultModel: 'owner/not-installed' },
    );
    const s = await startServer({ surfaces: productionSurfaces(config), config: { dataDir: config.dataDir }, workers: false });
    servers.push(s);
    const acct = await s.account();
    const listed = (await (await fetch(`${s.url}/v1/text2image/soul-styles`, { headers: hfHeaders(acct) })).json()) as any[];
    for (const url of [listed[0].preview_url, listed[0].preview_url, listed[1].preview_url]) {
      const r = await fetch(url);
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).detail).toContain('opensoul models pull owner/not-installed');
    }
    expect(fs.existsSync(stylePreviewCacheDir(config.dataDir))).toBe(false);
  });

  it('a failed render is not kept: once the model is installed the preview renders', async () => {
    const later = path.join(tmp, 'later');
    const pending = createDiffusionEngine({ modelPath: later, modelsDir: tmp, defaultModel: 'fixture/later', provider: 'cpu', threads: 1 });
    const before = cachedFiles();
    const { s, c } = await previewServer(pending, () => modelFolderFingerprint(later));
    const id = SOUL_STYLES[SOUL_STYLES.length - 1].id;
    const missing = await fetch(previewUrl(s, id));
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as any).detail).toContain('opensoul models pull');
    expect(cachedFiles()).toEqual(before);

    await makeFixtureModel(later, 'sd', { seed: 5 });
    const ok = await get(previewUrl(s, id));
    expect(ok.r.status).toBe(200);
    expect((await sharp(ok.body).metadata()).width).toBe(STYLE_PREVIEW_SIZE.width);
    expect(c.renders).toBe(2);
    expect(cachedFiles().filter((f) => f.startsWith(id))).toHaveLength(1);
    await pending.close();
  });
});

describe('engine maxSteps (the preview step cap)', () => {
  it('maxSteps caps the family default only when no steps are given', async () => {
    const req = { prompt: 'x', width: 64, height: 64, seed: 1 };
    expect((await engine.render({ ...req, maxSteps: 1 })).timings.steps).toBe(1);
    expect((await engine.render({ ...req, maxSteps: 8 })).timings.steps).toBe(2);
    expect((await engine.render({ ...req, steps: 3, maxSteps: 1 })).timings.steps).toBe(3);
    await expect(engine.render({ ...req, maxSteps: 0 })).rejects.toThrow('maxSteps');
  });
});
