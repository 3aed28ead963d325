import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { MOTIONS } from '../../src/domain/motions.js';
import { renderMotionPreview } from '../../src/engine/video/index.js';
import { dopRunner } from '../../src/worker/runners/dop-runner.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

let s: TestServer;
let a: { keyId: string; secret: string; accountId: string; credential: string };
let imageUrl: string;
let textServer: http.Server;
let textUrl: string;

async function upload(t: TestServer, acct: typeof a, bytes: Buffer) {
  const slot = (await (
    await fetch(`${t.url}/files/generate-upload-url`, {
      method: 'POST',
      headers: hfHeaders(acct),
      body: JSON.stringify({ content_type: 'image/jpeg' }),
    })
  ).json()) as any;
  expect(
    (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(bytes) })).status,
  ).toBe(200);
  return slot.public_url as string;
}

beforeAll(async () => {
  s = await startServer({ runners: [dopRunner()], surfaces: [dopRoutes(renderMotionPreview)], config: { workers: 1 } });
  a = await s.account(100);
  const still = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a6f97' } })
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
  imageUrl = await upload(s, a, still);
  textServer = http.createServer((_req, res) => res.end('<html>not an image</html>'));
  await new Promise<void>((r) => textServer.listen(0, '127.0.0.1', r));
  textUrl = `http://127.0.0.1:${(textServer.address() as { port: number }).port}/page.html`;
});
afterAll(async () => {
  textServer?.close();
  await s?.close();
});

const submitV1 = (params: Record<string, unknown>) =>
  fetch(`${s.url}/v1/image2video/dop`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify({ params }) });
const waitSet = (id: string) =>
  waitFor(async () => {
    const g = (await (await fetch(`${s.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;
    return g.jobs.every((j: any) => !['queued', 'in_progress'].includes(j.status)) && g;
  }, 120_000);

describe('DoP over HTTP', () => {
  it('lists at least 30 motions with preview URLs that serve a clip', async () => {
    const list = (await (await fetch(`${s.url}/v1/motions`, { headers: hfHeaders(a) })).json()) as any[];
    expect(list.length).toBeGreaterThanOrEqual(30);
    expect(list[0]).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      description: expect.any(String),
      preview_url: expect.stringContaining('/preview'),
      start_end_frame: expect.any(Boolean),
    });
    expect(list.some((m) => m.start_end_frame)).toBe(true);
    const clip = await fetch(list[0].preview_url);
    expect(clip.headers.get('content-type')).toBe('video/mp4');
    expect(
      Buffer.from(await clip.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
  });

  it('v1 dop-lite renders a 5 s H.264 MP4 with a preview clip and a poster, charged 2 credits', async () => {
    const zoomIn = MOTIONS.find((m) => m.name.toLowerCase() === 'zoom in')!;
    const r = await submitV1({
      model: 'dop-lite',
      prompt: 'a calm scene',
      input_images: [{ type: 'image_url', image_url: imageUrl }],
      motions: [{ id: zoomIn.id, strength: 0.8 }],
      seed: 7,
    });
    expect(r.status).toBe(200);
    const set = (await r.json()) as any;
    expect(set.type).toBe('image2video');
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(98_000);
    const done = await waitSet(set.id);
    const job = done.jobs[0];
    expect(job.status).toBe('completed');
    expect(job.results.raw.type).toBe('video');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dop-')), 'out.mp4');
    fs.writeFileSync(file, Buffer.from(await (await fetch(job.results.raw.url)).arrayBuffer()));
    const probe = JSON.parse(
      execFileSync(
        'ffprobe',
        [
          '-v',
          'error',
          '-select_streams',
          'v:0',
          '-show_entries',
          'stream=codec_name,pix_fmt,width,height,r_frame_rate:format=duration',
          '-of',
          'json',
          file,
        ],
        { encoding: 'utf8' },
      ),
    );
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', r_frame_rate: '24/1' });
    expect(Math.min(probe.streams[0].width, probe.streams[0].height)).toBe(480);
    expect(Number(probe.format.duration)).toBeCloseTo(5, 1);
    expect((await fetch(job.results.min.url)).headers.get('content-type')).toBe('video/mp4');
    expect((await fetch(job.poster_url)).headers.get('content-type')).toBe('image/jpeg');
  });

  it('v2 first-last-frame answers with video.url', async () => {
    const end = await upload(
      s,
      a,
      await sharp({ create: { width: 640, height: 480, channels: 3, background: '#e76f51' } })
        .jpeg()
        .toBuffer(),
    );
    const r = (await (
      await fetch(`${s.url}/higgsfield-ai/dop/lite/first-last-frame`, {
        method: 'POST',
        headers: { authorization: `Key ${a.credential}`, 'content-type': 'application/json' },
        body: JSON.stringify({ image_url: imageUrl, end_image_url: end, prompt: 'morph' }),
      })
    ).json()) as any;
    expect(r.status).toBe('queued');
    const st = await waitFor(async () => {
      const b = (await (await fetch(r.status_url, { headers: { authorization: `Key ${a.credential}` } })).json()) as any;
      return ['completed', 'failed'].includes(b.status) && b;
    }, 120_000);
    expect(st.status).toBe('completed');
    expect(st.video.url).toContain('/media/');
  });

  it('refuses bad inputs before charging, and refunds a non-image URL', async () => {
    const before = Number((await s.ctx.accounts.get(a.accountId))!.balance_milli);
    const unknown = await submitV1({
      model: 'dop-lite',
      prompt: 'x',
      input_images: [{ type: 'image_url', image_url: imageUrl }],
      motions: [{ id: '00000000-0000-4000-8000-000000000000', strength: 1 }],
    });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as any).detail[0].msg).toContain('unknown motion id');
    const noImage = await submitV1({ model: 'dop-lite', prompt: 'x' });
    expect(noImage.status).toBe(422);
    // At most two motions, as the official OpenAPI states.
    const cams = MOTIONS.filter((m) => !m.startEndFrame)
      .slice(0, 3)
      .map((m) => ({ id: m.id, strength: 0.5 }));
    const three = await submitV1({
      model: 'dop-lite',
      prompt: 'x',
      input_images: [{ type: 'image_url', image_url: imageUrl }],
      motions: cams,
    });
    expect(three.status).toBe(422);
    expect(((await three.json()) as any).detail[0]).toMatchObject({ type: 'too_long', loc: ['body', 'params', 'motions'] });
    const camera = MOTIONS.find((m) => !m.startEndFrame)!;
    const endWithoutTransition = await submitV1({
      model: 'dop-lite',
      prompt: 'x',
      input_images: [{ type: 'image_url', image_url: imageUrl }],
      input_images_end: [{ type: 'image_url', image_url: imageUrl }],
      motions: [{ id: camera.id, strength: 1 }],
    });
    expect(endWithoutTransition.status).toBe(422);
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(before);
    const notImage = (await (
      await submitV1({ model: 'dop-turbo', prompt: 'x', input_images: [{ type: 'image_url', image_url: textUrl }] })
    ).json()) as any;
    const failed = await waitSet(notImage.id);
    expect(failed.jobs[0].status).toBe('failed');
    expect(failed.jobs[0].error).toMatch(/image/i);
    expect(Number((await s.ctx.accounts.get(a.accountId))!.balance_milli)).toBe(before);
  });

  it('turbo and standard jump the queue ahead of lite', async () => {
    const idle = await startServer({ runners: [dopRunner()], surfaces: [dopRoutes(renderMotionPreview)], workers: false });
    try {
      const b = await idle.account(100);
      const img = await upload(
        idle,
        b,
        await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
          .jpeg()
          .toBuffer(),
      );
      const ids: Record<string, string> = {};
      for (const model of ['dop-lite', 'dop-turbo', 'dop-standard']) {
        const r = (await (
          await fetch(`${idle.url}/v1/image2video/dop`, {
            method: 'POST',
            headers: hfHeaders(b),
            body: JSON.stringify({ params: { model, prompt: 'x', input_images: [{ type: 'image_url', image_url: img }] } }),
          })
        ).json()) as any;
        ids[r.jobs[0].id] = model;
      }
      const order: string[] = [];
      for (let i = 0; i < 3; i++) order.push(ids[(await idle.ctx.generation.repo().claim('test', 1000, undefined, 'in_progress'))!.id]);
      expect(order).toEqual(['dop-turbo', 'dop-standard', 'dop-lite']);
    } finally {
      await idle.close();
    }
  });
});
