import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USD_TO_CREDITS } from '../../src/domain/pricing.js';
import { verifyStandardWebhook } from '../../src/net/webhook-signing.js';
import { startLocalServer } from '../helpers/local-http-server.js';
import type { TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/server.js';
import { call, expectGolden } from './golden.js';
import { authPixazo, balance, idleServer, liveServer, ownImageUrl, waitEnded } from './servers.js';

let live: TestServer;
let idle: TestServer;
beforeAll(async () => {
  [live, idle] = await Promise.all([liveServer(), idleServer()]);
});
afterAll(async () => Promise.all([live.close(), idle.close()]));

const SUBMIT = '/ai-model-api/v1/generateSoul';
const RESULTS = '/ai-model-api-polling/getGenerationResults';
const post = (s: TestServer, path: string, key: string, body: unknown) =>
  call(`${s.url}${path}`, { method: 'POST', headers: authPixazo(key), body: JSON.stringify(body) });

const usdMilli = (usd: number) => Math.round(usd * USD_TO_CREDITS * 1000);

describe('Pixazo generateSoul and getGenerationResults', () => {
  it('submit answers the queued job set as job_set_id (seed 001 body), priced from the quality x batch table', async () => {
    const a = await idle.account(10);
    const r = await post(idle, SUBMIT, a.credential, {
      prompt: 'Woman on rooftop',
      soul_style_id: 'a5f63c3b-70eb-4979-af5e-98c7ee1e18e8',
      width_and_height: '1536x1152',
      seed: 500000,
    });
    expectGolden('pixazo/submit', r, idle.url);
    expect(await balance(idle, a.accountId)).toBe(10_000 - usdMilli(0.25));
    expectGolden('pixazo/results-queued', await post(idle, RESULTS, a.credential, { job_set_id: r.body.job_set_id }), idle.url);

    const b = await idle.account(10);
    const four = await post(idle, SUBMIT, b.credential, {
      prompt: 'four of them',
      width_and_height: '1152x2048',
      quality: '720p',
      batch_size: 4,
      seed: 9,
    });
    expect(four.body.jobs).toHaveLength(4);
    expect(await balance(idle, b.accountId)).toBe(10_000 - usdMilli(0.19));
  });

  it('completed and failed results in the job-set shape', async () => {
    const a = await live.account(10);
    const image = await ownImageUrl(live, a.accountId);
    const r = await post(live, SUBMIT, a.credential, {
      prompt: 'Woman on rooftop',
      style_id: '464ea177-8d40-4940-8d9d-b438bab269c7',
      style_strength: 0.8,
      width_and_height: '1536x1152',
      quality: '720p',
      enhance_prompt: false,
      seed: 832591,
      image_reference_type: 'image_url',
      image_reference_image_url: image,
    });
    await waitEnded(live, r.body.job_set_id, a.accountId);
    const done = await post(live, RESULTS, a.credential, { job_set_id: r.body.job_set_id });
    expectGolden('pixazo/results-completed', done, live.url);
    // Echoed as Pixazo's media input (seed 001), with an id that stays the same for the same image.
    expect(done.body.success).toBe(true);
    expect(done.body.input_params.image_reference).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'media_input',
      url: image,
    });
    const again = await post(live, RESULTS, a.credential, { job_set_id: r.body.job_set_id });
    expect(again.body.input_params.image_reference.id).toBe(done.body.input_params.image_reference.id);
    expect((await fetch(done.body.jobs[0].results.raw.url)).status).toBe(200);

    const f = await post(live, SUBMIT, a.credential, { prompt: 'FAIL here', width_and_height: '1536x1536', seed: 4 });
    await waitEnded(live, f.body.job_set_id, a.accountId);
    expectGolden('pixazo/results-failed', await post(live, RESULTS, a.credential, { job_set_id: f.body.job_set_id }), live.url);
    expect(await balance(live, a.accountId)).toBe(10_000 - usdMilli(0.15));
  });

  it('webhook_url + webhook_secret: the job set is posted with the secret header and a Standard Webhooks signature', async () => {
    const receiver = await startLocalServer((_req, res) => res.end('ok'));
    try {
      const a = await live.account(10);
      const r = await post(live, SUBMIT, a.credential, {
        prompt: 'call me back',
        width_and_height: '1536x1536',
        seed: 77,
        webhook_url: receiver.url('/cb'),
        webhook_secret: 'webhook_secret_abc123',
      });
      await waitFor(async () => receiver.received.length >= 1);
      const hit = receiver.received[0];
      expect(hit.headers['x-webhook-secret-key']).toBe('webhook_secret_abc123');
      const signingSecret = (await live.ctx.accounts.webhookSecret(a.accountId))!;
      expect(verifyStandardWebhook(hit.headers as Record<string, string>, hit.body, signingSecret)).toBe('ok');
      const body = JSON.parse(hit.body.toString('utf8'));
      expect(body.id).toBe(r.body.job_set_id);
      expectGolden('pixazo/webhook-body', { status: 200, body }, live.url);
    } finally {
      await receiver.close();
    }
  });
});

describe('Pixazo errors', () => {
  it('getTextToImageGetSoulStyles lists the Soul styles by GET and POST, with the same key header', async () => {
    const a = await idle.account(1);
    const got = await call(`${idle.url}/ai-model-api/v1/getTextToImageGetSoulStyles`, { headers: authPixazo(a.credential) });
    expectGolden('pixazo/styles', got, idle.url);
    expect(got.body.success).toBe(true);
    expect(got.body.styles.length).toBeGreaterThan(10);
    expect(got.body.styles).toContainEqual(expect.objectContaining({ id: 'a5f63c3b-70eb-4979-af5e-98c7ee1e18e8' }));
    // The same list as Higgsfield's own route.
    const hf = await call(`${idle.url}/v1/text2image/soul-styles`, { headers: { 'hf-api-key': a.keyId, 'hf-secret': a.secret } });
    expect(got.body.styles).toEqual(hf.body);
    const posted = await post(idle, '/ai-model-api/v1/getTextToImageGetSoulStyles', a.credential, {});
    expect(posted.body).toEqual(got.body);
    expectGolden('pixazo/styles-no-key', await call(`${idle.url}/ai-model-api/v1/getTextToImageGetSoulStyles`), idle.url);
  });

  it('validation issues in Pixazo field names, as {"error"}', async () => {
    const a = await live.account(10);
    expectGolden(
      'pixazo/error-validation',
      await post(live, SUBMIT, a.credential, {
        prompt: 'x',
        image_reference_type: 'image_url',
        webhook_url: 'https://example.com/cb',
        batch_size: 2,
        style_id: '464ea177-8d40-4940-8d9d-b438bab269c7',
        soul_style_id: 'a5f63c3b-70eb-4979-af5e-98c7ee1e18e8',
      }),
      live.url,
    );
    expectGolden(
      'pixazo/error-validation-style',
      await post(live, SUBMIT, a.credential, {
        prompt: 'x',
        width_and_height: '1536x1536',
        soul_style_id: '00000000-0000-4000-8000-000000000000',
        image_reference_image_url: 'https://example.com/a.png',
      }),
      live.url,
    );
    expectGolden('pixazo/error-results-validation', await post(live, RESULTS, a.credential, { id: 'x' }), live.url);
  });

  it('auth, credits, unknown job set, unknown endpoint', async () => {
    const a = await live.account(10);
    expectGolden(
      'pixazo/error-missing-key',
      await call(`${live.url}${SUBMIT}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      live.url,
    );
    expectGolden('pixazo/error-bad-key', await post(live, SUBMIT, `${a.keyId}:wrong`, {}), live.url);
    const poor = await live.account(1);
    expectGolden(
      'pixazo/error-insufficient-credits',
      await post(live, SUBMIT, poor.credential, { prompt: 'x', width_and_height: '1536x1536' }),
      live.url,
    );
    expectGolden(
      'pixazo/error-not-found',
      await post(live, RESULTS, a.credential, { job_set_id: '00000000-0000-4000-8000-000000000000' }),
      live.url,
    );
    expectGolden('pixazo/error-endpoint-not-found', await post(live, '/ai-model-api/v1/generateSomethingElse', a.credential, {}), live.url);
  });
});
