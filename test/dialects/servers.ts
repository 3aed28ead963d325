import sharp from 'sharp';
import type { Config } from '../../src/config.js';
import { resellerDialects } from '../../src/api/dialects.js';
import { startServer, type TestServer, waitFor } from '../helpers/server.js';

export function resellerSurfaces(opts: { syncWaitMs?: number } = {}) {
  return resellerDialects(opts);
}

/** A live server (workers on) with the three reseller dialects. */
export function liveServer(config: Partial<Config> = {}, opts: { syncWaitMs?: number } = {}): Promise<TestServer> {
  return startServer({ surfaces: resellerSurfaces(opts), config });
}

/** No workers: submitted sets stay queued until the test moves them. */
export function idleServer(config: Partial<Config> = {}, opts: { syncWaitMs?: number } = {}): Promise<TestServer> {
  return startServer({ surfaces: resellerSurfaces(opts), workers: false, config });
}

/** Marks every job of a set as running, as a worker's claim would (no worker needed). */
export async function markRunning(s: TestServer, setId: string) {
  await s.ctx.db.db
    .updateTable('jobs')
    .set({ status: 'in_progress', started_at: new Date().toISOString(), attempts: 1 })
    .where('job_set_id', '=', setId)
    .execute();
}

/** Waits until every job of a set has ended. */
export async function waitEnded(s: TestServer, setId: string, accountId: string) {
  return waitFor(async () => {
    const set = await s.ctx.generation.get(setId, accountId);
    return set && set.finishedAt ? set : null;
  });
}

export const authWs = (credential: string) => ({ authorization: `Bearer ${credential}`, 'content-type': 'application/json' });
export const authSegmind = (credential: string) => ({ 'x-api-key': credential, 'content-type': 'application/json' });
export const authPixazo = (credential: string) => ({
  'ocp-apim-subscription-key': credential,
  'content-type': 'application/json',
  'cache-control': 'no-cache',
});

/** A small real image stored as the account's upload; returns its signed URL on this server. */
export async function ownImageUrl(s: TestServer, accountId: string): Promise<string> {
  const png = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#884422' } })
    .png()
    .toBuffer();
  const ref = await s.ctx.media.upload(accountId, png);
  return s.ctx.media.url(ref.key);
}

export const balance = async (s: TestServer, accountId: string) => Number((await s.ctx.accounts.get(accountId))!.balance_milli);
