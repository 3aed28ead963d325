import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { RAI_BLOCKED, segmindDialect } from '../../src/api/surfaces/segmind.js';
import { waveSpeedDialect } from '../../src/api/surfaces/wavespeed.js';
import { DEFAULT_THRESHOLDS, type ModerationMode } from '../../src/domain/moderation.js';
import { MOTIONS } from '../../src/domain/motions.js';
import { nsfwClassifier } from '../../src/engine/moderation/index.js';
import { renderMotionPreview } from '../../src/engine/video/index.js';
import { ModerationService } from '../../src/services/moderation.js';
import { dopRunner } from '../../src/worker/runners/dop-runner.js';
import { astronautPng, lineDrawing } from '../helpers/drawings.js';
import { startLocalServer } from '../helpers/local-http-server.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';
import { pictureSoulRunner } from '../helpers/test-runner.js';

// One classifier (one model load) for both servers; each server has its own policy.
const classifier = nsfwClassifier();
// The real classifier, with a Drawing threshold a real line drawing crosses and a photo does not.
const policy = (mode: ModerationMode) => ({ mode, thresholds: { ...DEFAULT_THRESHOLDS, Drawing: 0.6 } });
const picture = async (prompt: string) => (prompt.includes('drawing') ? lineDrawing(astronautPng()) : astronautPng());

let block: TestServer;
let flag: TestServer;
beforeAll(async () => {
  const surfaces = () => [waveSpeedDialect(), segmindDialect(), dopRoutes(renderMotionPreview)];
  block = await startServer({
    runners: [pictureSoulRunner(picture), dopRunner()],
    surfaces: surfaces(),
    moderation: new ModerationService(classifier, policy('block')),
  });
  flag = await startServer({
    runners: [pictureSoulRunner(picture), dopRunner()],
    surfaces: surfaces(),
    moderation: new ModerationService(classifier, policy('flag')),
  });
});
afterAll(async () => {
  await block?.close();
  await flag?.close();
});

const ws = (credential: string) => ({ authorization: `Bearer ${credential}`, 'content-type': 'application/json' });
async function waveSpeed(s: TestServer, credential: string, prompt: string) {
  const r = await fetch(`${s.url}/api/v3/higgsfield/soul/text-to-image`, {
    method: 'POST',
    headers: ws(credential),
    body: JSON.stringify({ prompt, seed: 1 }),
  });
  expect(r.status).toBe(200);
  const id = ((await r.json()) as any).data.id as string;
  return waitFor(async () => {
    const body = (await (await fetch(`${s.url}/api/v3/predictions/${id}/result`, { headers: ws(credential) })).json()) as any;
    return ['completed', 'failed'].includes(body.data.status) && body.data;
  }, 60_000);
}
const v1Set = async (s: TestServer, a: { keyId: string; secret: string }, id: string) =>
  (await (await fetch(`${s.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;
const balance = async (s: TestServer, accountId: string) => Number((await s.ctx.accounts.get(accountId))!.balance_milli);
const outputsStored = async (s: TestServer, accountId: string) =>
  (await s.ctx.db.db.selectFrom('media').select('key').where('account_id', '=', accountId).where('kind', '=', 'output').execute()).length;

describe('moderation under block', () => {
  it('/readyz reports the moderation model', async () => {
    const ready = (await (await fetch(`${block.url}/readyz`)).json()) as any;
    expect(ready.checks.moderation_model).toEqual({ ok: true, detail: 'nsfwjs MobileNetV2Mid' });
  });

  it('delivers a neutral photo with its scores in the job extras', async () => {
    const a = await block.account(10);
    const data = await waveSpeed(block, a.credential, 'a portrait photo');
    expect(data.status).toBe('completed');
    expect(data.has_nsfw_contents).toEqual([false]);
    expect((await fetch(data.outputs[0])).status).toBe(200);
    const job = (await v1Set(block, a, data.id)).jobs[0];
    expect(job.moderation).toMatchObject({ verdict: 'pass', classes: [], samples: 1, model: 'MobileNetV2Mid' });
    expect(job.moderation.scores.Neutral).toBeGreaterThan(0.9);
  });

  it('withholds a drawing that crosses the Drawing threshold: nsfw, refunded, nothing stored', async () => {
    const a = await block.account(10);
    const data = await waveSpeed(block, a.credential, 'a line drawing');
    expect(data).toMatchObject({ status: 'failed', outputs: [], has_nsfw_contents: [], error: 'The output was flagged as NSFW' });
    const job = (await v1Set(block, a, data.id)).jobs[0];
    expect(job.status).toBe('nsfw');
    expect(job.results).toBeNull();
    expect(job.moderation).toMatchObject({ verdict: 'blocked', classes: ['Drawing'] });
    expect(job.moderation.scores.Drawing).toBeGreaterThan(0.6);
    expect(await balance(block, a.accountId)).toBe(10_000);
    expect(await outputsStored(block, a.accountId)).toBe(0);
  });

  it('answers Segmind FAILED (422) with its RAI message', async () => {
    const a = await block.account(10);
    const sub = (await (
      await fetch(`${block.url}/v2/higgsfield-text2image-soul`, {
        method: 'POST',
        headers: { 'x-api-key': a.credential, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a line drawing', seed: 2 }),
      })
    ).json()) as any;
    const res = await waitFor(async () => {
      const r = await fetch(`${block.url}/v2/requests/${sub.request_id}`, { headers: { 'x-api-key': a.credential } });
      return r.status === 422 && r;
    }, 60_000);
    expect(await res.json()).toMatchObject({ status: 'FAILED', error: RAI_BLOCKED });
    expect(await balance(block, a.accountId)).toBe(10_000);
  });

  it('refuses a drawn input image before generating: nsfw, refunded, nothing stored', async () => {
    const a = await block.account(10);
    // A remote image: an upload of it would already be refused at upload (test/integration/input-moderation.test.ts).
    const drawing = await lineDrawing(astronautPng());
    const remote = await startLocalServer((_req, res) => res.setHeader('content-type', 'image/png').end(drawing));
    const r = await fetch(`${block.url}/api/v3/higgsfield/soul/image-to-image`, {
      method: 'POST',
      headers: ws(a.credential),
      body: JSON.stringify({ prompt: 'a portrait photo', image: remote.url('/drawing.png'), seed: 4 }),
    });
    const id = ((await r.json()) as any).data.id;
    const data = await waitFor(async () => {
      const b = (await (await fetch(`${block.url}/api/v3/predictions/${id}/result`, { headers: ws(a.credential) })).json()) as any;
      return b.data.status === 'failed' && b.data;
    }, 60_000);
    expect(data.error).toBe('An input image was flagged as NSFW');
    const job = (await block.ctx.generation.get(id, a.accountId))!.jobs[0];
    expect(job.status).toBe('nsfw');
    expect(job.extras.input_moderation).toEqual([expect.objectContaining({ verdict: 'blocked', classes: ['Drawing'] })]);
    expect(job.extras.moderation).toBeUndefined();
    expect(await balance(block, a.accountId)).toBe(10_000);
    expect(await outputsStored(block, a.accountId)).toBe(0);
    await remote.close();
  });
});

describe('moderation under flag', () => {
  it('classifies first, middle and last frames of a DoP clip plus its poster, and keeps it', async () => {
    const a = await flag.account(10);
    const ref = await flag.ctx.media.upload(a.accountId, await lineDrawing(astronautPng()));
    const zoomIn = MOTIONS.find((m) => m.name.toLowerCase() === 'zoom in')!;
    const r = await fetch(`${flag.url}/v1/image2video/dop`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({
        params: {
          model: 'dop-lite',
          prompt: 'slow push in',
          input_images: [{ type: 'image_url', image_url: flag.ctx.media.url(ref.key) }],
          motions: [{ id: zoomIn.id, strength: 0.5 }],
          seed: 3,
        },
      }),
    });
    expect(r.status).toBe(200);
    const id = ((await r.json()) as any).id;
    const set = await waitFor(async () => {
      const g = await v1Set(flag, a, id);
      return g.jobs.every((j: any) => !['queued', 'in_progress'].includes(j.status)) && g;
    }, 180_000);
    const job = set.jobs[0];
    expect(job.status).toBe('completed');
    expect(job.moderation).toMatchObject({ verdict: 'flagged', classes: ['Drawing'], samples: 4 });
    expect((await fetch(job.results.raw.url)).status).toBe(200);
    const stored = (await flag.ctx.generation.get(id, a.accountId))!.jobs[0];
    expect(stored.extras.input_moderation).toEqual([expect.objectContaining({ verdict: 'flagged', classes: ['Drawing'] })]);
  }, 200_000);
  it('keeps the drawing, marks it in has_nsfw_contents and records the scores', async () => {
    const a = await flag.account(10);
    const data = await waveSpeed(flag, a.credential, 'a line drawing');
    expect(data.status).toBe('completed');
    expect(data.has_nsfw_contents).toEqual([true]);
    expect((await fetch(data.outputs[0])).status).toBe(200);
    const job = (await v1Set(flag, a, data.id)).jobs[0];
    expect(job.moderation).toMatchObject({ verdict: 'flagged', classes: ['Drawing'] });
  });
});
