import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { MOTIONS } from '../../src/domain/motions.js';
import { renderMotionPreview } from '../../src/engine/video/index.js';
import { dopRunner } from '../../src/worker/runners/dop-runner.js';
import { call, expectGolden } from '../dialects/golden.js';
import { startLocalServer, type LocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// Kling 2.1 pro's request shape, rendered by opensoul's own video engine (the DoP runner).
let s: TestServer;
let idle: TestServer;
let hooks: LocalServer;
const ROUTE = '/kling-video/v2.1/pro/image-to-video';
// $0.49 per 5 s at 16 credits per USD.
const FIVE_S_MILLI = 7840;

beforeAll(async () => {
  [s, idle, hooks] = await Promise.all([
    startServer({ runners: [dopRunner()], surfaces: [dopRoutes(renderMotionPreview)], config: { workers: 1 } }),
    startServer({ surfaces: [dopRoutes(renderMotionPreview)], workers: false }),
    startLocalServer((_req, res) => res.end('ok')),
  ]);
});
afterAll(async () => Promise.all([s?.close(), idle?.close(), hooks?.close()]));

type Account = Awaited<ReturnType<TestServer['account']>>;
const post = (t: TestServer, a: Account, body: unknown, query = '') =>
  call(`${t.url}${ROUTE}${query}`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify(body) });
const status = (t: TestServer, a: Account, id: string) => call(`${t.url}/requests/${id}/status`, { headers: hfHeaders(a) });
const balance = async (t: TestServer, a: Account) => Number((await t.ctx.accounts.get(a.accountId))!.balance_milli);
const name = (id: string) => MOTIONS.find((m) => m.id === id)!.name;

async function still(t: TestServer, a: Account): Promise<string> {
  const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a6f97' } })
    .composite([
      {
        input: await sharp({ create: { width: 200, height: 200, channels: 3, background: '#f4a261' } })
          .png()
          .toBuffer(),
        left: 220,
        top: 140,
      },
    ])
    .jpeg()
    .toBuffer();
  return t.ctx.media.url((await t.ctx.media.upload(a.accountId, jpeg)).key);
}

async function probe(url: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kling-')), 'out.mp4');
  fs.writeFileSync(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
  return JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=codec_name,width,height,r_frame_rate:format=duration',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8' },
    ),
  );
}

const ended = (t: TestServer, a: Account, id: string) =>
  waitFor(async () => {
    const r = await status(t, a, id);
    return !['queued', 'in_progress'].includes(r.body.status) && r;
  }, 240_000);

describe('Kling 2.1 pro image-to-video on the opensoul video engine', () => {
  it('a 10 s clip: camera words become motions, H.264 at 1080p, extras name the engine, webhooked, charged per 5 s', async () => {
    const a = await s.account(20);
    const body = {
      prompt: 'slow push in on the lighthouse, light rain',
      image_url: await still(s, a),
      duration: 10,
      cfg_scale: 0.5,
      negative_prompt: 'blurry, shaky cam',
    };
    const sub = await post(s, a, body, `?hf_webhook=${encodeURIComponent(hooks.url('/kling'))}`);
    expectGolden('kling/submit', sub, s.url);
    expect(await balance(s, a)).toBe(20_000 - 2 * FIVE_S_MILLI);
    const done = await ended(s, a, sub.body.request_id);
    expectGolden('kling/status-completed-10s', done, s.url);
    expect(done.body.render.engine).toBe('opensoul-dop');
    expect(JSON.stringify(done.body.render)).not.toMatch(/"engine":"kling/i);
    expect(done.body.render.motions.map((m: any) => [m.name, m.strength])).toEqual([
      ['Dolly In', 0.5],
      ['Rain', 0.5],
    ]);
    const p = await probe(done.body.video.url);
    expect(p.streams[0]).toMatchObject({ codec_name: 'h264', height: 1080, r_frame_rate: '24/1' });
    expect(Number(p.format.duration)).toBeCloseTo(10, 1);
    const hook = await waitFor(async () => hooks.received.find((h) => h.url === '/kling'));
    expect(JSON.parse(hook.body.toString())).toMatchObject({ status: 'completed', video: { url: expect.any(String) } });
  }, 300_000);

  it('5 s (the default) and no camera words: a gentle parallax', async () => {
    const a = await s.account(20);
    const sub = await post(s, a, { prompt: 'a lighthouse at dusk', image_url: await still(s, a) });
    expect(await balance(s, a)).toBe(20_000 - FIVE_S_MILLI);
    const done = await ended(s, a, sub.body.request_id);
    expect(done.body.status).toBe('completed');
    expect(done.body.render).toMatchObject({ engine: 'opensoul-dop', motions_origin: 'fallback', duration_s: 5 });
    expect(done.body.render.motions.map((m: any) => [name(m.id), m.strength])).toEqual([['Parallax Float', 0.4]]);
    expect(Number((await probe(done.body.video.url)).format.duration)).toBeCloseTo(5, 1);
  }, 300_000);

  it('422s in pydantic shape, nothing charged', async () => {
    const a = await s.account(20);
    expectGolden('kling/error-validation', await post(s, a, { image_url: 'nope', duration: 7, cfg_scale: 2, motions: [] }), s.url);
    expect(await balance(s, a)).toBe(20_000);
  });

  it('an unreachable image fails the job and refunds it; cancel while queued refunds; another account sees 404', async () => {
    const a = await s.account(20);
    const bad = await post(s, a, { prompt: 'zoom in', image_url: 'http://127.0.0.1:9/none.png' });
    expect((await ended(s, a, bad.body.request_id)).body.status).toBe('failed');
    expect(await balance(s, a)).toBe(20_000);

    const b = await idle.account(20);
    const c = await idle.account(20);
    const q = await post(idle, b, { prompt: 'zoom in', image_url: 'https://example.com/a.png', duration: 10 });
    expect((await status(idle, c, q.body.request_id)).status).toBe(404);
    expect((await call(`${idle.url}/requests/${q.body.request_id}/cancel`, { method: 'POST', headers: hfHeaders(b) })).status).toBe(202);
    expect((await status(idle, b, q.body.request_id)).body.status).toBe('canceled');
    expect(await balance(idle, b)).toBe(20_000);
  });
});
