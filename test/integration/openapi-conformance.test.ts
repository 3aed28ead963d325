import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { stylePreviewRoutes } from '../../src/api/surfaces/style-previews.js';
import { SOUL_SIZES } from '../../src/domain/sizes.js';
import { SOUL_STYLES } from '../../src/domain/styles.js';
import { MOTIONS } from '../../src/domain/motions.js';
import { renderMotionPreview } from '../../src/engine/video/index.js';
import { resellerSurfaces, authPixazo, authSegmind, authWs } from '../dialects/servers.js';
import { OpenApiChecker, toDocPath } from '../helpers/openapi-check.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';

// Real requests of every route on a real app, each response checked against the document's
// schema for its operation and status code.
let s: TestServer;
let doc: any;
let api: OpenApiChecker;
let a: Awaited<ReturnType<TestServer['account']>>;
let png: Buffer;
/** Every route the app registered, seen by an onRoute hook of its own. */
const registered: { method: string; url: string; hidden: boolean }[] = [];

beforeAll(async () => {
  png = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#884422' } })
    .png()
    .toBuffer();
  s = await startServer({
    // Soul jobs run (their finished bodies are checked); video, Popcorn and carousel sets are
    // submitted and canceled while queued: no runner here claims them.
    runners: [testSoulRunner()],
    config: { workers: 1 },
    onRoute: (r) => {
      for (const m of [r.method].flat())
        if (m !== 'HEAD') registered.push({ method: m, url: r.url, hidden: !!(r.schema as { hide?: boolean } | undefined)?.hide });
    },
    surfaces: [...resellerSurfaces({ syncWaitMs: 20_000 }), dopRoutes(renderMotionPreview), stylePreviewRoutes(async () => png)],
  });
  a = await s.account(1000);
  doc = await (await fetch(`${s.url}/openapi.json`)).json();
  api = new OpenApiChecker(doc);
}, 60_000);
afterAll(async () => {
  await s?.close();
});

const json = (body: unknown) => JSON.stringify(body);
/** One real request, checked against the document; returns the parsed body. */
async function call(method: string, route: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}) {
  const res = await fetch(`${s.url}${path}`, { method, headers: init.headers, body: init.body, redirect: 'manual' });
  return { status: res.status, body: await api.check(method, toDocPath(route), res) };
}
const hf = () => hfHeaders(a);
const hfKey = () => ({ authorization: `Key ${a.credential}`, 'content-type': 'application/json' });

async function uploadUrl(): Promise<string> {
  const slot = await call('POST', '/files/generate-upload-url', '/files/generate-upload-url', {
    headers: hf(),
    body: json({ content_type: 'image/png' }),
  });
  expect(slot.status).toBe(200);
  const put = await call('PUT', '/uploads/:token', new URL(slot.body.upload_url).pathname + new URL(slot.body.upload_url).search, {
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array(png),
  });
  expect(put.status).toBe(200);
  return slot.body.public_url;
}
const ended = (id: string) => waitFor(async () => (await s.ctx.generation.get(id, a.accountId))?.finishedAt, 30_000);

describe('OpenAPI conformance', () => {
  it('every registered route has an operation, and every operation says what it answers', () => {
    expect(registered.length).toBeGreaterThan(50);
    // Only static files may stay out of the document (the reference page's assets, the studio's files).
    const api = /^\/(v1|v2|api|requests|higgsfield-ai|ai-model-api|ai-model-api-polling|files|uploads|media|kling-video|soul)\b/;
    expect(registered.filter((r) => r.hidden && (r.method !== 'GET' || api.test(r.url))).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    const missing = registered
      .filter((r) => !r.hidden && !doc.paths[toDocPath(r.url)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        const own = Object.keys(op.responses).filter((c) => c !== 'default' && !/^4|^5/.test(c));
        // Catch-all routes answer only the dialect's 404.
        if (!path.endsWith('{path}') || path === '/media/{path}')
          expect(own.length, `${method} ${path} documents no success response`).toBeGreaterThan(0);
        expect(op.responses.default?.content, `${method} ${path} has no error shape`).toBeTruthy();
      }
    }
  });

  it('request schemas carry the enums, ranges and defaults the readers enforce', () => {
    const v1 = doc.paths['/v1/text2image/soul'].post.requestBody.content['application/json'].schema.properties.params;
    expect(v1.properties.width_and_height.enum).toEqual([...SOUL_SIZES]);
    expect(v1.properties.width_and_height.default).toBe('1536x2048');
    expect(v1.properties.seed).toMatchObject({ type: 'integer', minimum: 1, maximum: 1_000_000 });
    expect(v1.properties.style_id.enum).toEqual(SOUL_STYLES.map((x) => x.id));
    expect(v1.required).toEqual(['prompt']);
    const dop = doc.paths['/v1/image2video/dop'].post.requestBody.content['application/json'].schema.properties.params;
    expect(dop.properties.model.enum).toEqual(['dop-lite', 'dop-turbo', 'dop-standard']);
    expect(dop.properties.motions.items.properties.id.enum).toEqual(MOTIONS.map((m) => m.id));
    const px = doc.paths['/ai-model-api/v1/generateSoul'].post.requestBody.content['application/json'].schema;
    expect(px.required).toEqual(expect.arrayContaining(['prompt', 'width_and_height']));
    const ws = doc.paths['/api/v3/higgsfield/soul/image-to-image'].post.requestBody.content['application/json'].schema;
    expect(ws.properties.quality).toMatchObject({ enum: ['medium', 'high'], default: 'medium' });
    expect(ws.properties.size.enum).toContain('1536*2048');
    expect(ws.required).toEqual(expect.arrayContaining(['prompt', 'image']));
    expect(doc.paths['/v2/requests/{id}/status'].get.security).toEqual([{ segmind: [] }]);
    expect(doc.paths['/v1/job-sets/{id}'].get.security).toEqual([{ 'hf-api-key': [], 'hf-secret': [] }, { 'hf-key': [] }]);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(['hf-api-key', 'hf-secret', 'hf-key', 'wavespeed', 'segmind', 'pixazo']),
    );
  });

  it('Higgsfield v1, v2, DoP, Soul ID, files, ops and quotes answer as documented', async () => {
    const image = await uploadUrl();
    const media = await call('GET', '/media/*', new URL(image).pathname + new URL(image).search);
    expect(media.status).toBe(200);

    const v1 = await call('POST', '/v1/text2image/soul', '/v1/text2image/soul', {
      headers: hf(),
      body: json({ params: { prompt: 'a red fox', width_and_height: '1152x1536', quality: '720p', batch_size: 1 } }),
    });
    expect(v1.status).toBe(200);
    await ended(v1.body.id);
    expect((await call('GET', '/v1/job-sets/:id', `/v1/job-sets/${v1.body.id}`, { headers: hf() })).body.jobs[0].status).toBe('completed');
    const events = await fetch(`${s.url}/v1/job-sets/${v1.body.id}/events`, { headers: hf() });
    expect(events.status).toBe(200);
    expect(await api.check('GET', '/v1/job-sets/{id}/events', events)).toContain('event: done');
    expect((await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${v1.body.id}/cancel`, { headers: hf() })).status).toBe(200);
    expect((await call('GET', '/v1/job-sets', '/v1/job-sets?limit=5', { headers: hf() })).body.items.length).toBeGreaterThan(0);

    for (const route of [
      '/higgsfield-ai/soul/standard',
      '/higgsfield-ai/soul/v2/standard',
      '/higgsfield-ai/soul/cinema',
      '/higgsfield-ai/soul/reference',
    ]) {
      const r = await call('POST', route, route, {
        headers: hfKey(),
        body: json({
          prompt: 'a lighthouse',
          aspect_ratio: '3:4',
          resolution: '720p',
          image_reference: { type: 'image_url', image_url: image },
        }),
      });
      expect(r.status, route).toBe(200);
      await ended(r.body.request_id);
      expect((await call('GET', '/requests/:id/status', `/requests/${r.body.request_id}/status`, { headers: hfKey() })).body.status).toBe(
        'completed',
      );
    }
    const v2 = await call('POST', '/higgsfield-ai/soul/standard', '/higgsfield-ai/soul/standard', {
      headers: hfKey(),
      body: json({ prompt: 'a lighthouse' }),
    });
    const cancel = await call('POST', '/requests/:id/cancel', `/requests/${v2.body.request_id}/cancel`, { headers: hfKey() });
    expect([202, 400]).toContain(cancel.status);
    await ended(v2.body.request_id);
    const stream = await fetch(`${s.url}/requests/${v2.body.request_id}/status/stream`, { headers: hfKey() });
    expect(await api.check('GET', '/requests/{id}/status/stream', stream)).toContain('event: done');

    // DoP: every submit path, each set canceled while queued.
    const dopV1 = await call('POST', '/v1/image2video/dop', '/v1/image2video/dop', {
      headers: hf(),
      body: json({ params: { model: 'dop-lite', prompt: 'push in', input_images: [{ type: 'image_url', image_url: image }] } }),
    });
    expect(dopV1.status).toBe(200);
    await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${dopV1.body.id}/cancel`, { headers: hf() });
    for (const tier of ['lite', 'turbo', 'standard']) {
      for (const fl of [false, true]) {
        const route = `/higgsfield-ai/dop/${tier}${fl ? '/first-last-frame' : ''}`;
        const r = await call('POST', route, route, {
          headers: hfKey(),
          body: json({ prompt: 'push in', image_url: image, ...(fl ? { end_image_url: image } : {}) }),
        });
        expect(r.status, route).toBe(200);
        await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${r.body.request_id}/cancel`, { headers: hf() });
      }
    }
    const kling = await call('POST', '/kling-video/v2.1/pro/image-to-video', '/kling-video/v2.1/pro/image-to-video', {
      headers: hfKey(),
      body: json({ prompt: 'slow dolly in', image_url: image }),
    });
    expect(kling.status).toBe(200);
    await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${kling.body.request_id}/cancel`, { headers: hf() });
    // Popcorn and carousel sets: submitted, read and canceled (their engines are not part of this server).
    const popcorn = await call('POST', '/higgsfield-ai/popcorn/auto', '/higgsfield-ai/popcorn/auto', {
      headers: hfKey(),
      body: json({ prompt: 'a fox in four seasons', num_images: 2, image_urls: [image] }),
    });
    expect(popcorn.status).toBe(200);
    await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${popcorn.body.request_id}/cancel`, { headers: hf() });
    const keyframes = await call('POST', '/v1/text2image/keyframes', '/v1/text2image/keyframes', {
      headers: hf(),
      body: json({ params: { prompt: 'a fox in four seasons', count: 2, image_references: [{ type: 'image_url', image_url: image }] } }),
    });
    expect(keyframes.status).toBe(200);
    await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${keyframes.body.id}/cancel`, { headers: hf() });
    const carousel = await call('POST', '/social/carousel/instagram', '/social/carousel/instagram', {
      headers: hfKey(),
      body: json({ topic: 'calm mornings', slide_count: 3 }),
    });
    expect(carousel.status).toBe(200);
    await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${carousel.body.request_id}/cancel`, { headers: hf() });
    // The five video series: submitted, their status (plan and waiting join) read, canceled.
    for (const template of ['tutorial', 'product-showcase', 'cinematic', 'pov', 'faceless-story']) {
      const route = `/social/video-series/${template}`;
      const series = await call('POST', route, route, { headers: hfKey(), body: json({ topic: 'how to repot a houseplant', seed: 3 }) });
      expect(series.status).toBe(200);
      expect(
        (await call('GET', '/requests/:id/status', `/requests/${series.body.request_id}/status`, { headers: hfKey() })).body.series.scenes,
      ).toHaveLength(20);
      await call('POST', '/v1/job-sets/:id/cancel', `/v1/job-sets/${series.body.request_id}/cancel`, { headers: hf() });
    }
    const alias = await call('POST', '/soul', '/soul', { headers: hf(), body: json({ params: { prompt: 'a red fox', quality: '720p' } }) });
    expect(alias.status).toBe(200);
    expect((await call('GET', '/.well-known/opensoul/c2pa-chain.pem', '/.well-known/opensoul/c2pa-chain.pem')).status).toBe(404);

    const motions = await call('GET', '/v1/motions', '/v1/motions', { headers: hf() });
    expect(motions.body.length).toBe(MOTIONS.length);
    expect((await call('GET', '/v1/motions/:id/preview', `/v1/motions/${MOTIONS[0].id}/preview`)).status).toBe(200);
    const styles = await call('GET', '/v1/text2image/soul-styles', '/v1/text2image/soul-styles', { headers: hf() });
    await call('GET', '/v1/text2image/soul-styles/v2', '/v1/text2image/soul-styles/v2', { headers: hf() });
    expect(
      (await call('GET', '/v1/text2image/soul-styles/:id/preview', `/v1/text2image/soul-styles/${styles.body[0].id}/preview`)).status,
    ).toBe(200);

    const character = await call('POST', '/v1/custom-references', '/v1/custom-references', {
      headers: hf(),
      body: json({ name: 'Ada', input_images: [{ type: 'image_url', image_url: image }] }),
    });
    expect(character.status).toBe(200);
    const aliasCharacter = await call('POST', '/soul-id', '/soul-id', {
      headers: hf(),
      body: json({ name: 'Bo', model_version: 'v2', input_images: [{ type: 'image_url', image_url: image }] }),
    });
    expect(aliasCharacter.status).toBe(200);
    expect(
      (await call('GET', '/v1/custom-references/list', '/v1/custom-references/list?page_size=5', { headers: hf() })).body.total,
    ).toBeGreaterThan(0);
    await call('GET', '/v1/custom-references/:id', `/v1/custom-references/${character.body.id}`, { headers: hf() });
    // The character is not trained (no Soul ID runner here): the submit answers its documented error.
    const withCharacter = await call('POST', '/higgsfield-ai/soul/character', '/higgsfield-ai/soul/character', {
      headers: hfKey(),
      body: json({ prompt: 'Ada at the beach', custom_reference_id: character.body.id }),
    });
    expect(withCharacter.status).toBeGreaterThanOrEqual(200);
    expect(
      (await call('DELETE', '/v1/custom-references/:id', `/v1/custom-references/${character.body.id}`, { headers: hf() })).body.deleted,
    ).toBe(true);

    expect(
      (
        await call('POST', '/v1/quote', '/v1/quote', {
          headers: hf(),
          body: json({ path: '/v1/text2image/soul', body: { params: { prompt: 'x', batch_size: 4 } } }),
        })
      ).body.jobs,
    ).toBe(4);
    await call('GET', '/v1/account', '/v1/account', { headers: hf() });
    expect((await call('GET', '/v1/account/ledger', '/v1/account/ledger?limit=3', { headers: hf() })).body.items.length).toBe(3);
    await call('GET', '/healthz', '/healthz');
    expect([200, 503]).toContain((await call('GET', '/readyz', '/readyz')).status);
    expect(await (await call('GET', '/metrics', '/metrics')).body).toContain('opensoul_');
    await call('GET', '/openapi.json', '/openapi.json');
  }, 120_000);

  it('the reseller dialects answer as documented', async () => {
    const image = await uploadUrl();
    const ws = authWs(a.credential);
    for (const [route, body] of [
      ['/api/v3/higgsfield/soul/text-to-image', { prompt: 'a fox', size: '1152*1536', enable_sync_mode: true }],
      ['/api/v3/higgsfield/soul/image-to-image', { prompt: 'a fox', image, strength: 0.7 }],
      ['/api/v3/higgsfield/higgsfield-soul-image-to-image', { prompt: 'a fox', image }],
    ] as const) {
      const r = await call('POST', route, route, { headers: ws, body: json(body) });
      expect(r.status, route).toBe(200);
      await ended(r.body.data.id);
      expect(
        (await call('GET', '/api/v3/predictions/:id/result', `/api/v3/predictions/${r.body.data.id}/result`, { headers: ws })).body.data
          .status,
      ).toBe('completed');
      await call('GET', '/api/v3/predictions/:id', `/api/v3/predictions/${r.body.data.id}`, { headers: ws });
    }
    const ticket = await call('POST', '/api/v3/media/uploads', '/api/v3/media/uploads', {
      headers: ws,
      body: json({ filename: 'a.png', size: png.length }),
    });
    expect(ticket.body.data.upload.method).toBe('PUT');
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
    expect(
      (
        await call('POST', '/api/v3/media/upload/binary', '/api/v3/media/upload/binary', {
          headers: { authorization: `Bearer ${a.credential}` },
          body: form,
        })
      ).status,
    ).toBe(200);
    await call('GET', '/api/v3/balance', '/api/v3/balance', { headers: ws });
    await call('GET', '/api/v3/webhook/secret', '/api/v3/webhook/secret', { headers: ws });
    expect((await call('POST', '/api/v3/*', '/api/v3/no/such-model', { headers: ws, body: json({ prompt: 'x' }) })).status).toBe(404);

    const sg = authSegmind(a.credential);
    const sub = await call('POST', '/v2/higgsfield-text2image-soul', '/v2/higgsfield-text2image-soul', {
      headers: sg,
      body: json({ prompt: 'a fox', width_and_height: '1152x1536', quality: '720p', image_url: image }),
    });
    expect(sub.status).toBe(200);
    expect((await call('GET', '/v2/requests/:id/status', `/v2/requests/${sub.body.request_id}/status`, { headers: sg })).status).toBe(200);
    await ended(sub.body.request_id);
    expect((await call('GET', '/v2/requests/:id', `/v2/requests/${sub.body.request_id}`, { headers: sg })).body.status).toBe('COMPLETED');
    await call('GET', '/v1/requests/:id', `/v1/requests/${sub.body.request_id}`, { headers: sg });
    await call('GET', '/v2/requests/:id/status', `/v2/requests/${sub.body.request_id}/status`, { headers: sg });
    const sync = await call('POST', '/v1/higgsfield-text2image-soul', '/v1/higgsfield-text2image-soul', {
      headers: sg,
      body: json({ prompt: 'a fox', width_and_height: '1152x1536', quality: '720p' }),
    });
    expect(sync.status).toBe(200);
    expect((await call('POST', '/v2/*', '/v2/no-such-model', { headers: sg, body: json({}) })).status).toBe(404);

    const px = authPixazo(a.credential);
    const gen = await call('POST', '/ai-model-api/v1/generateSoul', '/ai-model-api/v1/generateSoul', {
      headers: px,
      body: json({
        prompt: 'a fox',
        width_and_height: '1152x1536',
        quality: '720p',
        batch_size: 1,
        image_reference_type: 'image_url',
        image_reference_image_url: image,
      }),
    });
    expect(gen.status).toBe(200);
    await ended(gen.body.job_set_id);
    const res = await call('POST', '/ai-model-api-polling/getGenerationResults', '/ai-model-api-polling/getGenerationResults', {
      headers: px,
      body: json({ job_set_id: gen.body.job_set_id }),
    });
    expect(res.body.jobs[0].status).toBe('completed');
    for (const method of ['GET', 'POST']) {
      const styles = await call(method, '/ai-model-api/v1/getTextToImageGetSoulStyles', '/ai-model-api/v1/getTextToImageGetSoulStyles', {
        headers: px,
      });
      expect(styles.body.styles.length).toBe(SOUL_STYLES.length);
    }
    expect((await call('POST', '/ai-model-api/*', '/ai-model-api/v1/nothing', { headers: px, body: json({}) })).status).toBe(404);
    expect((await call('POST', '/ai-model-api-polling/*', '/ai-model-api-polling/nothing', { headers: px, body: json({}) })).status).toBe(
      404,
    );
  }, 120_000);

  it('401, 404 and bad input answer in each dialect’s documented error shape', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const cases: [string, string, string, Record<string, string>, unknown, number][] = [
      ['GET', '/v1/job-sets/:id', `/v1/job-sets/${unknown}`, { 'content-type': 'application/json' }, undefined, 401],
      ['GET', '/v1/job-sets/:id', `/v1/job-sets/${unknown}`, hf(), undefined, 404],
      ['POST', '/v1/text2image/soul', '/v1/text2image/soul', hf(), { params: { prompt: '', width_and_height: '1x1', seed: 0 } }, 422],
      ['POST', '/higgsfield-ai/soul/standard', '/higgsfield-ai/soul/standard', hfKey(), { prompt: 'x', quality: '4k' }, 422],
      [
        'POST',
        '/v1/image2video/dop',
        '/v1/image2video/dop',
        hf(),
        { params: { prompt: 'x', input_images: [], motions: [{ id: 'nope' }] } },
        422,
      ],
      ['GET', '/requests/:id/status', `/requests/${unknown}/status`, hfKey(), undefined, 404],
      ['POST', '/v1/custom-references', '/v1/custom-references', hf(), { name: '' }, 422],
      [
        'POST',
        '/api/v3/higgsfield/soul/text-to-image',
        '/api/v3/higgsfield/soul/text-to-image',
        { 'content-type': 'application/json' },
        { prompt: 'x' },
        401,
      ],
      [
        'POST',
        '/api/v3/higgsfield/soul/text-to-image',
        '/api/v3/higgsfield/soul/text-to-image',
        authWs(a.credential),
        { prompt: 'x', quality: 'ultra' },
        400,
      ],
      ['GET', '/api/v3/predictions/:id/result', `/api/v3/predictions/${unknown}/result`, authWs(a.credential), undefined, 404],
      [
        'POST',
        '/v2/higgsfield-text2image-soul',
        '/v2/higgsfield-text2image-soul',
        { 'x-api-key': 'wrong:key', 'content-type': 'application/json' },
        { prompt: 'x' },
        401,
      ],
      [
        'POST',
        '/v2/higgsfield-text2image-soul',
        '/v2/higgsfield-text2image-soul',
        authSegmind(a.credential),
        { prompt: 'x', width_and_height: '3x3' },
        400,
      ],
      ['GET', '/v2/requests/:id', `/v2/requests/${unknown}`, authSegmind(a.credential), undefined, 404],
      [
        'POST',
        '/ai-model-api/v1/generateSoul',
        '/ai-model-api/v1/generateSoul',
        { 'content-type': 'application/json' },
        { prompt: 'x' },
        401,
      ],
      ['POST', '/ai-model-api/v1/generateSoul', '/ai-model-api/v1/generateSoul', authPixazo(a.credential), { prompt: 'x' }, 400],
      [
        'POST',
        '/ai-model-api-polling/getGenerationResults',
        '/ai-model-api-polling/getGenerationResults',
        authPixazo(a.credential),
        { job_set_id: unknown },
        404,
      ],
    ];
    for (const [method, route, path, headers, body, status] of cases) {
      const r = await call(method, route, path, { headers, body: body === undefined ? undefined : json(body) });
      expect(r.status, `${method} ${path}`).toBe(status);
    }
  }, 60_000);

  it('/docs is Swagger UI from node_modules under a CSP without inline scripts', async () => {
    const page = await fetch(`${s.url}/docs`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    const html = await api.check('GET', '/docs', page);
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m: RegExpMatchArray) => m[1]);
    expect(scripts.every((u: string) => !/^(https?:)?\/\//.test(u))).toBe(true);
    for (const u of scripts) {
      const asset = await fetch(new URL(u, `${s.url}/docs`));
      expect(asset.status, u).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, u).toBeGreaterThan(0);
    }
    expect(await api.check('GET', '/docs/init.js', await fetch(`${s.url}/docs/init.js`))).toContain('openapi.json');
    const other = await fetch(`${s.url}/docs/assets/index.html`);
    await other.arrayBuffer();
    expect(other.status).toBe(404);
  });

  it('every documented operation was driven by a real request above', () => {
    const driven = new Set([...api.seen].map((k) => k.split(' ').slice(0, 2).join(' ')));
    const ops = Object.entries<any>(doc.paths).flatMap(([p, o]) => Object.keys(o).map((m) => `${m.toUpperCase()} ${p}`));
    expect(
      ops.filter((o) => !driven.has(o)),
      'operations no request drove',
    ).toEqual([]);
  });
});
