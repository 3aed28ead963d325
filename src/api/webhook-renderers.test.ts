import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { type AppContext, createContext } from '../context.js';
import { readSoulParams } from '../domain/soul.js';
import { resellerDialects } from './dialects.js';
import { installWebhookRenderers } from './webhook-renderers.js';

// An `opensoul worker` process builds no HTTP app, yet it finishes sets and must write their
// webhooks in the submitting dialect's shape.
let ctx: AppContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-renderers-'));
  ctx = await createContext(
    loadConfig({}, { dataDir, workers: 0, maxInFlightPerAccount: 100, publicBaseUrl: 'https://api.example.test' }),
    { runners: [] },
  );
  installWebhookRenderers(ctx, resellerDialects());
});
afterAll(async () => {
  await ctx.db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('webhook renderers without an HTTP app', () => {
  it.each([
    ['higgsfield-v1', (b: any) => expect(b).toMatchObject({ jobs: [{ status: 'failed' }] })],
    [
      'higgsfield-v2',
      (b: any) =>
        expect(b).toMatchObject({ status: 'failed', status_url: expect.stringMatching(/^https:\/\/api\.example\.test\/requests\//) }),
    ],
    ['wavespeed', (b: any) => expect(b).toMatchObject({ status: 'failed', input: { prompt: 'hook' } })],
    ['pixazo', (b: any) => expect(b).toMatchObject({ jobs: [{ status: 'failed' }] })],
  ] as const)('%s: a set finished in this process writes its outbox row', async (dialect, check) => {
    const { accountId } = await ctx.accounts.createAccountWithKey(dialect, 100);
    const set = await ctx.soul.submit(accountId, readSoulParams({ prompt: 'hook', quality: '720p' }, ['body']), {
      model: 'soul',
      dialect: 'higgsfield',
      webhook: { url: 'https://hooks.example.test/x', secret: null, dialect },
    });
    expect(await ctx.generation.finishJob(set.jobs[0], { status: 'queued' }, { status: 'failed', error: 'boom' })).toBe(true);
    const rows = await ctx.db.db.selectFrom('outbox').selectAll().where('job_set_id', '=', set.id).execute();
    expect(rows).toHaveLength(1);
    check(JSON.parse(rows[0].body));
  });
});
