import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CharacterEngine } from '../../src/services/characters.js';
import { soulIdRunner } from '../../src/worker/runners/soul-id-runner.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// A character build that crashes (an engine error, not a refused photo) must not leave the
// character `in_progress` forever: the job fails with its refund and the character ends `failed`.
const astronaut = fs.readFileSync(new URL('../fixtures/faces/astronaut.png', import.meta.url));
let s: TestServer;

const crashing: CharacterEngine = {
  async build() {
    throw new Error('the face models could not be loaded');
  },
  async identityStatus() {
    return { engine: 'mesh-warp', message: 'test' };
  },
  async transfer() {
    throw new Error('not used');
  },
};

beforeAll(async () => {
  s = await startServer({
    config: { workers: 1, maxAttempts: 1 },
    characterEngine: crashing,
    runners: (ctx) => [soulIdRunner(ctx.characters, crashing)],
  });
});
afterAll(async () => {
  await s?.close();
});

describe('Soul ID build failures', () => {
  it('a build that crashes ends the character failed and refunds it', async () => {
    const a = await s.account(100);
    const slot = (await (
      await fetch(`${s.url}/files/generate-upload-url`, {
        method: 'POST',
        headers: hfHeaders(a),
        body: JSON.stringify({ content_type: 'image/png' }),
      })
    ).json()) as any;
    await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(astronaut) });
    const r = await fetch(`${s.url}/v1/custom-references`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ name: 'x', input_images: [{ type: 'image_url', image_url: slot.public_url }] }),
    });
    expect(r.status).toBe(200);
    const { id } = (await r.json()) as any;
    const c = await waitFor(async () => {
      const g = (await (await fetch(`${s.url}/v1/custom-references/${id}`, { headers: hfHeaders(a) })).json()) as any;
      return g.status === 'failed' && g;
    }, 30_000);
    expect(c.status).toBe('failed');
    expect(await waitFor(async () => Number((await s.ctx.accounts.get(a.accountId))!.balance_milli) === 100_000 && true)).toBe(true);
  });
});
