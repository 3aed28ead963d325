// Input moderation with the real classifier: uploads on every upload route, images a job reads
// and Soul ID photos, under block (refused in the dialect's shape, nothing stored) and flag
// (stored, scores recorded). A Drawing threshold that a real line drawing crosses and the
// astronaut photo does not stands in for an NSFW class.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waveSpeedDialect } from '../../src/api/surfaces/wavespeed.js';
import { DEFAULT_THRESHOLDS, type ModerationMode } from '../../src/domain/moderation.js';
import { faceCharacterEngine } from '../../src/engine/identity/character-engine.js';
import { nsfwClassifier } from '../../src/engine/moderation/index.js';
import { ModerationService } from '../../src/services/moderation.js';
import { soulIdRunner } from '../../src/worker/runners/soul-id-runner.js';
import { astronautPng, lineDrawing } from '../helpers/drawings.js';
import { type LocalServer, startLocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';

const classifier = nsfwClassifier();
const thresholds = { ...DEFAULT_THRESHOLDS, Drawing: 0.6 };
// Outputs are not what is under test here: output moderation off, input moderation on.
const inputsOnly = (mode: ModerationMode) => new ModerationService(classifier, { mode: 'off', thresholds }, mode);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-input-moderation-'));
let block: TestServer;
let flag: TestServer;
let images: LocalServer;
let drawing: Buffer;
const photo = astronautPng();

beforeAll(async () => {
  drawing = await lineDrawing(photo);
  const engine = faceCharacterEngine({ modelsDir: path.join(tmp, 'no-models'), provider: 'cpu', locate: async () => null });
  const start = (mode: ModerationMode) =>
    startServer({
      config: { workers: 1 },
      surfaces: [waveSpeedDialect()],
      moderation: inputsOnly(mode),
      characterEngine: engine,
      runners: (ctx) => [testSoulRunner(), soulIdRunner(ctx.characters, engine)],
    });
  [block, flag] = [await start('block'), await start('flag')];
  // Remote images: what image_reference URLs and Soul ID photos may point at.
  images = await startLocalServer((req, res) =>
    res.setHeader('content-type', 'image/png').end(req.url === '/drawing.png' ? drawing : photo),
  );
}, 60_000);
afterAll(async () => {
  await block?.close();
  await flag?.close();
  await images?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Account = Awaited<ReturnType<TestServer['account']>>;
const stored = async (s: TestServer, a: Account) =>
  s.ctx.db.db.selectFrom('media').selectAll().where('account_id', '=', a.accountId).execute();
const filesUnder = (s: TestServer, a: Account) => {
  const dir = path.join(s.dataDir, 'media', a.accountId);
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, String(f))).isFile()) : [];
};

async function putToUploadUrl(s: TestServer, a: Account, bytes: Buffer) {
  const slot = (await (
    await fetch(`${s.url}/files/generate-upload-url`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ content_type: 'image/png' }),
    })
  ).json()) as any;
  const r = await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) });
  return { r, slot };
}
async function waveSpeedBinary(s: TestServer, a: Account, bytes: Buffer) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'x.png');
  return fetch(`${s.url}/api/v3/media/upload/binary`, { method: 'POST', headers: { authorization: `Bearer ${a.credential}` }, body: form });
}
async function waveSpeedTicket(s: TestServer, a: Account, bytes: Buffer) {
  const t = (await (
    await fetch(`${s.url}/api/v3/media/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'x.png', size: bytes.length }),
    })
  ).json()) as any;
  expect(t.code).toBe(200);
  return fetch(t.data.upload.url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) });
}
async function character(s: TestServer, a: Account, urls: string[]) {
  const r = await fetch(`${s.url}/v1/custom-references`, {
    method: 'POST',
    headers: hfHeaders(a),
    body: JSON.stringify({ name: 'someone', input_images: urls.map((u) => ({ type: 'image_url', image_url: u })) }),
  });
  expect(r.status).toBe(200);
  const { id } = (await r.json()) as any;
  return waitFor(async () => {
    const g = (await (await fetch(`${s.url}/v1/custom-references/${id}`, { headers: hfHeaders(a) })).json()) as any;
    return ['completed', 'failed'].includes(g.status) && g;
  }, 60_000);
}
const REFUSED = /^The image was refused by content moderation \(Drawing 0\.\d\d\) and was not stored$/;

describe('input moderation under block', () => {
  it('the signed upload URL refuses a drawing (400, Higgsfield shape), stores nothing and stays usable', async () => {
    const a = await block.account(10);
    const { r, slot } = await putToUploadUrl(block, a, drawing);
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).detail).toMatch(REFUSED);
    expect(await stored(block, a)).toEqual([]);
    expect(filesUnder(block, a)).toEqual([]);
    // The same URL then takes a photo, which passes and is stored with its verdict.
    expect(
      (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(photo) })).status,
    ).toBe(200);
    const rows = await stored(block, a);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0].moderation!)).toMatchObject({ verdict: 'pass', classes: [], samples: 1, model: 'MobileNetV2Mid' });
    expect((await fetch(slot.public_url)).status).toBe(200);
  });

  it('WaveSpeed binary upload and upload ticket refuse a drawing in their own shapes', async () => {
    const a = await block.account(10);
    const bin = await waveSpeedBinary(block, a, drawing);
    expect(bin.status).toBe(400);
    expect(await bin.json()).toEqual({ code: 400, message: expect.stringMatching(REFUSED), error_code: 'bad_input', data: null });
    const ticket = await waveSpeedTicket(block, a, drawing);
    expect(ticket.status).toBe(400);
    expect(await stored(block, a)).toEqual([]);
    expect(filesUnder(block, a)).toEqual([]);
    const ok = await waveSpeedBinary(block, a, photo);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).data.download_url).toMatch(/\/media\//);
  });

  it('an image reference URL that is a drawing ends the job nsfw before generating, refunded', async () => {
    const a = await block.account(10);
    const r = await fetch(`${block.url}/v1/text2image/soul`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ params: { prompt: 'x', image_reference: { type: 'image_url', image_url: images.url('/drawing.png') } } }),
    });
    expect(r.status).toBe(200);
    const { id } = (await r.json()) as any;
    const set = await waitFor(async () => {
      const g = (await (await fetch(`${block.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;
      return g.jobs[0].status !== 'queued' && g.jobs[0].status !== 'in_progress' && g;
    }, 30_000);
    expect(set.jobs[0]).toMatchObject({ status: 'nsfw', results: null });
    expect(await waitFor(async () => Number((await block.ctx.accounts.get(a.accountId))!.balance_milli) === 10_000)).toBe(true);
  });

  it('a Soul ID photo that is a drawing is refused with its reason; the other photo builds the character', async () => {
    const a = await block.account(100);
    const c = await character(block, a, [images.url('/drawing.png'), images.url('/photo.png')]);
    expect(c.status).toBe('completed');
    expect(c.quality_report).toEqual([
      { index: 0, code: 'nsfw', message: expect.stringMatching(/^The photo was refused by content moderation \(Drawing 0\.\d\d\)$/) },
    ]);
    const only = await character(block, a, [images.url('/drawing.png')]);
    expect(only.status).toBe('failed');
    expect(only.quality_report).toEqual([{ index: 0, code: 'nsfw', message: expect.stringContaining('refused by content moderation') }]);
  }, 90_000);
});

describe('input moderation under flag', () => {
  it('stores the drawing and records its scores and verdict with it', async () => {
    const a = await flag.account(10);
    const { r } = await putToUploadUrl(flag, a, drawing);
    expect(r.status).toBe(200);
    expect((await waveSpeedBinary(flag, a, drawing)).status).toBe(200);
    const rows = await stored(flag, a);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const m = JSON.parse(row.moderation!);
      expect(m).toMatchObject({ verdict: 'flagged', classes: ['Drawing'], samples: 1 });
      expect(m.scores.Drawing).toBeGreaterThan(0.6);
    }
  });

  it('keeps a drawn Soul ID photo and records the verdict in the build job', async () => {
    const a = await flag.account(100);
    const c = await character(flag, a, [images.url('/drawing.png'), images.url('/photo.png')]);
    expect(c.quality_report.find((q: any) => q.code === 'nsfw')).toBeUndefined();
    // The character reads completed a moment before its build job ends.
    const job = await waitFor(async () => {
      const row = await flag.ctx.db.db
        .selectFrom('jobs')
        .select(['extras', 'status'])
        .where('account_id', '=', a.accountId)
        .where('kind', '=', 'soul_id')
        .executeTakeFirstOrThrow();
      return row.status === 'completed' && row;
    });
    const reviews = JSON.parse(job.extras).input_moderation as { verdict: string }[];
    expect(reviews.map((r) => r.verdict).sort()).toEqual(['flagged', 'pass']);
  }, 90_000);
});

describe('opensoul serve --no-workers (an API-only process)', () => {
  it('classifies uploads itself with the bundled classifier: a drawing is refused, a photo stored', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'src/main.ts'),
        '--data-dir',
        fs.mkdtempSync(path.join(tmp, 'serve-')),
        'serve',
        '--port',
        '0',
        '--no-workers',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          OPENSOUL_MODERATION: 'off',
          OPENSOUL_INPUT_MODERATION: 'block',
          OPENSOUL_MODERATION_THRESHOLDS: '{"Drawing":0.6}',
        },
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await waitFor(async () => /API key: \S+/.test(out), 60_000, 100);
      const url = /listening on (\S+)/.exec(out)![1];
      const headers = { authorization: `Key ${/API key: (\S+)/.exec(out)![1]}` };
      const put = async (bytes: Buffer) => {
        const slot = (await (
          await fetch(`${url}/files/generate-upload-url`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ content_type: 'image/png' }),
          })
        ).json()) as any;
        return fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) });
      };
      const refused = await put(drawing);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as any).detail).toMatch(REFUSED);
      expect((await put(photo)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 90_000);
});
