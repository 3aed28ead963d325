import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DialectRegistry } from '../../src/api/dialect.js';
import { higgsfieldDialect } from '../../src/api/surfaces/higgsfield.js';
import { segmindDialect } from '../../src/api/surfaces/segmind.js';
import { waveSpeedDialect } from '../../src/api/surfaces/wavespeed.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Dialects are registered on the app that mounts them (src/api/dialect.ts), so apps built in one
// process with different dialect sets keep their own credential schemes, error shapes and paths.

/** A route authenticated by Segmind's scheme, mounted on both apps. */
const segmindProbe = (app: FastifyInstance) => {
  app.get('/probe/segmind', { config: { auth: 'segmind', dialect: 'segmind' } }, async () => ({ ok: true }));
};

let ws: TestServer;
let sg: TestServer;
let plain: TestServer;

beforeAll(async () => {
  // Built one after the other in this process: the later ones must not change the earlier one.
  ws = await startServer({ surfaces: [waveSpeedDialect(), segmindProbe], workers: false });
  sg = await startServer({ surfaces: [segmindDialect(), segmindProbe], workers: false });
  plain = await startServer({ workers: false });
});
afterAll(async () => {
  await Promise.all([ws?.close(), sg?.close(), plain?.close()]);
});

const get = (s: TestServer, path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers });

describe('dialects are registered per app', () => {
  it('an unknown path under a dialect prefix answers in that dialect only on the app that mounts it', async () => {
    const wsOwn = await get(ws, '/api/v3/nope');
    expect(wsOwn.status).toBe(404);
    expect(await wsOwn.json()).toEqual({ code: 404, message: 'Not Found', error_code: 'not_found', data: null });
    for (const other of [sg, plain]) {
      const r = await get(other, '/api/v3/nope');
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ detail: 'Not Found' });
    }

    const sgOwn = await get(sg, '/v2/nope');
    expect(sgOwn.status).toBe(404);
    expect(await sgOwn.json()).toEqual({ error: 'Not Found' });
    for (const other of [ws, plain]) expect(await (await get(other, '/v2/nope')).json()).toEqual({ detail: 'Not Found' });
  });

  it('a credential scheme reads keys only on the app that registered it', async () => {
    const a = await sg.account();
    const onSegmindApp = await get(sg, '/probe/segmind', { 'x-api-key': a.credential });
    expect(onSegmindApp.status).toBe(200);
    expect(await onSegmindApp.json()).toEqual({ ok: true });

    // The WaveSpeed app has the route but not the scheme: no credentials are read, and its errors
    // fall back to the Higgsfield shape because Segmind's renderer is not on this app either.
    const b = await ws.account();
    const onWaveSpeedApp = await get(ws, '/probe/segmind', { 'x-api-key': b.credential });
    expect(onWaveSpeedApp.status).toBe(401);
    expect(await onWaveSpeedApp.json()).toEqual({ detail: 'Not authenticated: API credentials are missing' });
  });

  it('each app still serves its own dialect after the others were built', async () => {
    const a = await ws.account(10);
    const balance = await get(ws, '/api/v3/balance', { authorization: `Bearer ${a.credential}` });
    expect(balance.status).toBe(200);
    expect(((await balance.json()) as { data: { balance: number } }).data.balance).toBeGreaterThan(0);
    expect((await get(sg, '/api/v3/balance', { authorization: `Bearer ${a.credential}` })).status).toBe(404);
  });

  it('one dialect registered twice on an app is refused', () => {
    const registry = new DialectRegistry(higgsfieldDialect);
    registry.add(segmindDialect());
    expect(() => registry.add(segmindDialect())).toThrow(/segmind is registered twice/);
  });
});
