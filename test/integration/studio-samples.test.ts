import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { MOTIONS } from '../../src/domain/motions.js';
import { pixazoDialect } from '../../src/api/surfaces/pixazo.js';
import { segmindDialect } from '../../src/api/surfaces/segmind.js';
import { waveSpeedDialect } from '../../src/api/surfaces/wavespeed.js';
import { SOUL_STYLES } from '../../src/domain/styles.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The studio's "copy as" samples, rendered from the studio's own request builder, run as shown.
const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface StudioRequest {
  path: string;
  body: Record<string, unknown>;
}
interface Sample {
  id: string;
  code: string;
  note?: string;
}
let web: {
  samples: (req: StudioRequest, base: string) => Sample[];
  soulRequest: (f: unknown) => StudioRequest;
  dopRequest: (f: unknown) => StudioRequest;
  workflowRequest: (f: unknown) => StudioRequest;
  DEFAULT_WORKFLOW: Record<string, unknown>;
  DEFAULT_DOP: Record<string, unknown>;
  DEFAULT_SOUL: Record<string, unknown>;
  sseParser: (on: (e: { event: string; data: string; id: string | null }) => void) => (chunk: string) => void;
};
let s: TestServer;
let a: Awaited<ReturnType<TestServer['account']>>;

beforeAll(async () => {
  const load = (f: string) => import(pathToFileURL(path.join(root, 'web/src', f)).href);
  web = { ...(await load('samples.ts')), ...(await load('requests.ts')), ...(await load('api.ts')) };
  s = await startServer({ surfaces: [waveSpeedDialect(), segmindDialect(), pixazoDialect(), dopRoutes(async () => Buffer.alloc(0))] });
  a = await s.account(200);
});
afterAll(async () => s?.close());

const env = (k = a) => ({ ...process.env, OPENSOUL_KEY_ID: k.keyId, OPENSOUL_KEY_SECRET: k.secret });

describe('studio code samples', () => {
  it('every curl sample of a Soul request is accepted by its dialect', async () => {
    const req = web.soulRequest({ ...web.DEFAULT_SOUL, prompt: "it's a test", seed: 4242, styleId: SOUL_STYLES[1].id, styleStrength: 0.7 });
    const list = web.samples(req, s.url);
    expect(list.map((x) => x.id)).toEqual(['curl-v1', 'curl-v2', 'js', 'python', 'wavespeed', 'segmind', 'pixazo']);
    for (const sample of list.filter((x) => x.id.startsWith('curl') || ['wavespeed', 'segmind', 'pixazo'].includes(x.id))) {
      const { stdout } = await run('bash', ['-c', `${sample.code} -w '\\n%{http_code}'`], { env: env() });
      const lines = stdout.trim().split('\n');
      const status = Number(lines.pop());
      expect({ id: sample.id, status }).toEqual({ id: sample.id, status: 200 });
      const body = JSON.parse(lines.join('\n'));
      // Each dialect names the set its own way; every one of them carries an id.
      expect(JSON.stringify(body)).toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
    // What a dialect cannot express is said, not silently dropped.
    expect(list.find((x) => x.id === 'wavespeed')!.note).toContain('style_strength');
  });

  it('the DoP curl samples (v1 and v2) are accepted', async () => {
    // Its own account: nothing runs DoP here, so these sets stay queued (in-flight limit 4).
    const d = await s.account(200);
    const transition = MOTIONS.find((m) => m.startEndFrame)!;
    for (const form of [
      { imageUrl: 'https://example.com/start.png', motions: [{ id: MOTIONS[0].id, strength: 0.5 }], tier: 'turbo' },
      {
        imageUrl: 'https://example.com/start.png',
        endImageUrl: 'https://example.com/end.png',
        motions: [{ id: transition.id, strength: 1 }],
      },
    ]) {
      const list = web.samples(web.dopRequest({ ...web.DEFAULT_DOP, prompt: 'slow push', ...form }), s.url);
      expect(list.map((x) => x.id)).toEqual(['curl-v1', 'curl-v2', 'js', 'python']);
      for (const sample of list.filter((x) => x.id.startsWith('curl'))) {
        const { stdout } = await run('bash', ['-c', `${sample.code} -w '\\n%{http_code}'`], { env: env(d) });
        expect({ id: sample.id, status: Number(stdout.trim().split('\n').pop()) }).toEqual({ id: sample.id, status: 200 });
      }
    }
  });

  it('the Python and JavaScript samples run as shown and wait for the result', async () => {
    const req = web.soulRequest({ ...web.DEFAULT_SOUL, prompt: 'a python sample', seed: 7 });
    const list = web.samples(req, s.url);
    const py = await run('python3', ['-c', list.find((x) => x.id === 'python')!.code], { env: env() });
    expect(JSON.parse(py.stdout).jobs[0].status).toBe('completed');
    // The JS sample imports @higgsfield/client: run it from inside the project.
    const file = path.join(root, `.studio-sample-${process.pid}.mjs`);
    fs.writeFileSync(file, list.find((x) => x.id === 'js')!.code);
    try {
      const js = await run(process.execPath, [file], { env: env(), cwd: root });
      expect(js.stdout).toMatch(/^completed http:\/\/127\.0\.0\.1:\d+\/media\//);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('the creator workflow samples (curl, Python, the v2 JavaScript client) run as shown', async () => {
    const w = await s.account(400);
    // A series only queues here (no series runner): its curl is accepted.
    const series = web.samples(web.workflowRequest({ ...web.DEFAULT_WORKFLOW, kind: 'tutorial', topic: 'repotting', seed: 5 }), s.url);
    expect(series.map((x) => x.id)).toEqual(['curl-v2', 'js', 'python']);
    const { stdout } = await run('bash', ['-c', series[0].code], { env: env(w) });
    expect(JSON.parse(stdout)).toMatchObject({ status: 'queued', request_id: expect.any(String) });
    // A carousel's slides run on the test runner: the Python and JS samples wait for the result.
    const list = web.samples(
      web.workflowRequest({ ...web.DEFAULT_WORKFLOW, topic: "calm mornings, it's easy", slideCount: 2, seed: 9 }),
      s.url,
    );
    const py = JSON.parse((await run('python3', ['-c', list.find((x) => x.id === 'python')!.code], { env: env(w) })).stdout);
    expect(py.status).toBe('completed');
    expect(py.carousel.slides).toHaveLength(2);
    const file = path.join(root, `.studio-sample-${process.pid}-v2.mjs`);
    fs.writeFileSync(file, list.find((x) => x.id === 'js')!.code);
    try {
      const js = await run(process.execPath, [file], { env: env(w), cwd: root });
      expect(js.stdout.trim()).toBe(`completed ${py.carousel.caption}`);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('the stream parser splits events across chunk boundaries, skips comments, joins data lines', () => {
    const got: unknown[] = [];
    const feed = web.sseParser((e) => got.push(e));
    const text =
      ': keep-alive\n\nid: 3\nevent: status\ndata: {"a":\ndata: 1}\n\nid: 4\r\nevent: progress\r\ndata: {"step":2}\r\n\r\nevent: done\ndata: {}\n\n';
    for (let i = 0; i < text.length; i += 5) feed(text.slice(i, i + 5));
    expect(got).toEqual([
      { event: 'status', data: '{"a":\n1}', id: '3' },
      { event: 'progress', data: '{"step":2}', id: '4' },
      { event: 'done', data: '{}', id: '4' },
    ]);
  });
});
