import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioRoutes } from '../../src/api/surfaces/studio.js';
import { waveSpeedDialect } from '../../src/api/surfaces/wavespeed.js';
import { studioBanner } from '../../src/cli/serve.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { ensureStudioBuilt } from '../helpers/studio-build.js';

let s: TestServer;
let off: TestServer;
let unbuilt: TestServer;

beforeAll(async () => {
  ensureStudioBuilt();
  s = await startServer({ surfaces: [waveSpeedDialect()], workers: false });
  off = await startServer({ config: { studio: false }, workers: false });
  unbuilt = await startServer({
    config: { studio: false },
    workers: false,
    surfaces: [(app, ctx) => studioRoutes(app, ctx, '/nonexistent/dist/')],
  });
});
afterAll(async () => {
  await Promise.all([s?.close(), off?.close(), unbuilt?.close()]);
});

describe('the studio is served at /', () => {
  it('index.html: no-cache, a CSP without inline scripts; hashed assets cached forever', async () => {
    const r = await fetch(`${s.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain('img-src');
    const html = await r.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const a = await fetch(`${s.url}${js}`);
    expect(a.status).toBe(200);
    expect(a.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(a.headers.get('content-type')).toContain('javascript');
  });

  it("does not shadow API routes or the dialects' 404s", async () => {
    const v1 = await fetch(`${s.url}/v1/no-such-thing`);
    expect(v1.status).toBe(404);
    expect(await v1.json()).toEqual({ detail: 'Not Found' });
    const ws = await fetch(`${s.url}/api/v3/nope/at/all`, {
      method: 'POST',
      headers: { authorization: 'Bearer x:y', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ws.status).toBeGreaterThanOrEqual(400);
    expect(((await ws.json()) as { code?: number }).code).toBe(ws.status);
    const asset = await fetch(`${s.url}/assets/not-built.js`);
    expect(asset.status).toBe(404);
    expect(await asset.json()).toEqual({ detail: 'Not Found' });
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const openapi = (await (await fetch(`${s.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths).some((p) => p.startsWith('/assets'))).toBe(false);
  });

  it('OPENSOUL_STUDIO=false leaves / to the API (404)', async () => {
    const r = await fetch(`${off.url}/`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ detail: 'Not Found' });
  });

  it('without a build, / says how to build it', async () => {
    const r = await fetch(`${unbuilt.url}/`);
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('npm run build:studio');
  });

  it('the start banner links the studio; the key only in the fragment and only on loopback', () => {
    expect(studioBanner('http://127.0.0.1:8787', '127.0.0.1', 'id:sec')).toEqual([
      'Studio: http://127.0.0.1:8787/',
      'Studio, signed in (this machine only): http://127.0.0.1:8787/#key=id%3Asec',
    ]);
    expect(studioBanner('http://10.0.0.5:8787', '0.0.0.0', 'id:sec')).toEqual(['Studio: http://10.0.0.5:8787/']);
    expect(fs.existsSync(new URL('../../web/dist/index.html', import.meta.url))).toBe(true);
  });
});
