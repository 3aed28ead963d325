import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../src/domain/job.js';
import { faceCharacterEngine } from '../../src/engine/identity/character-engine.js';
import { makeIdentityFixtureModels } from '../helpers/identity-fixture.js';
import type { CharacterEngine } from '../../src/services/characters.js';
import { soulIdRunner } from '../../src/worker/runners/soul-id-runner.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';

// Deleting a Soul ID character removes every copy of the person's face: the character's media,
// the build job set (its output is the face crop, its input the photo URLs), and whatever a
// build still under way would have written. Real face analysis with the fixture identity models;
// builds are held at chosen points by promises the test releases, never by sleeps.
const astronaut = fs.readFileSync(new URL('../fixtures/faces/astronaut.png', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-soul-id-delete-'));
let s: TestServer;

interface Gate {
  entered: Promise<void>;
  enter(): void;
  release(): void;
  released: Promise<void>;
}
function gate(): Gate {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const released = new Promise<void>((r) => (release = r));
  return { entered, enter, released, release };
}

/** When set, the next engine build waits on it before analysing. */
let buildGate: Gate | null = null;

beforeAll(async () => {
  const models = await makeIdentityFixtureModels(path.join(tmp, 'identity'));
  const real = faceCharacterEngine({ modelsDir: path.join(tmp, 'no-models'), provider: 'cpu', locate: async () => models });
  const engine: CharacterEngine = {
    async build(photos, onProgress) {
      const g = buildGate;
      buildGate = null;
      if (g) {
        g.enter();
        await g.released;
      }
      return real.build(photos, onProgress);
    },
    identityStatus: () => real.identityStatus(),
    transfer: (image, character, strength) => real.transfer(image, character, strength),
  };
  s = await startServer({
    // Heartbeats far apart: a cancel reaches the in-process worker only through the wake event,
    // which asRemoteWorker() withholds to play a worker in another process.
    config: { workers: 1, heartbeatMs: 60_000, leaseMs: 120_000 },
    characterEngine: engine,
    runners: (ctx) => [soulIdRunner(ctx.characters, engine)],
  });
});
afterAll(async () => {
  await s?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Account = Awaited<ReturnType<TestServer['account']>>;

const api = (a: Account, p: string, init: RequestInit = {}) => fetch(`${s.url}${p}`, { ...init, headers: hfHeaders(a) });
const balance = async (a: Account) => Number((await s.ctx.accounts.get(a.accountId))!.balance_milli) / 1000;
const db = () => s.ctx.db.db;

async function upload(a: Account, bytes: Buffer): Promise<string> {
  const slot = (await (
    await api(a, '/files/generate-upload-url', { method: 'POST', body: JSON.stringify({ content_type: 'image/png' }) })
  ).json()) as any;
  expect(
    (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) })).status,
  ).toBe(200);
  return slot.public_url;
}

async function submitCharacter(a: Account): Promise<string> {
  const url = await upload(a, astronaut);
  const r = await api(a, '/v1/custom-references', {
    method: 'POST',
    body: JSON.stringify({ name: 'Eileen', input_images: [{ type: 'image_url', image_url: url }] }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as any).id;
}

/** The build job set, found through its charge (the API does not link a character to it). */
async function buildSet(a: Account) {
  const charges = await db()
    .selectFrom('ledger')
    .select('job_set_id')
    .where('account_id', '=', a.accountId)
    .where('reason', '=', 'charge')
    .execute();
  expect(charges).toHaveLength(1);
  const set = (await s.ctx.generation.repo().getSet(charges[0].job_set_id!))!;
  return { setId: set.id, jobId: set.jobs[0].id };
}

const jobEnded = (jobId: string) =>
  waitFor(async () => {
    const j = await s.ctx.generation.repo().getJob(jobId);
    return j && isTerminal(j.status) && j;
  }, 60_000);

/** Character rows, live media rows and blobs of the account's character and output media. */
async function faceDataLeft(a: Account, characterId: string) {
  const rows = await db().selectFrom('character_media').select('id').where('character_id', '=', characterId).execute();
  const media = await db()
    .selectFrom('media')
    .selectAll()
    .where('account_id', '=', a.accountId)
    .where('kind', 'in', ['character', 'output'])
    .execute();
  const blobs: string[] = [];
  for (const m of media) if (await s.ctx.store.get(m.key)) blobs.push(m.key);
  return { rows: rows.length, live: media.filter((m) => !m.deleted_at).map((m) => m.key), blobs, written: media.length };
}

async function refunds(a: Account) {
  return db()
    .selectFrom('ledger')
    .select(['job_id', 'delta_milli'])
    .where('account_id', '=', a.accountId)
    .where('reason', '=', 'refund')
    .execute();
}

/** Plays a worker in another process: it learns of cancels only from its (distant) heartbeat. */
async function asRemoteWorker<T>(fn: () => Promise<T>): Promise<T> {
  const wake = s.ctx.generation.wake;
  const listeners = wake.listeners('cancel') as ((ids: string[]) => void)[];
  for (const l of listeners) wake.off('cancel', l);
  try {
    return await fn();
  } finally {
    for (const l of listeners) wake.on('cancel', l);
  }
}

async function deleteCharacter(a: Account, id: string) {
  const del = await api(a, `/v1/custom-references/${id}`, { method: 'DELETE' });
  expect(del.status).toBe(200);
  expect(await del.json()).toEqual({ id, deleted: true });
}

/** Submits a character whose build stops at the gate, deletes it there, lets the build go on and waits for its job. */
async function deleteWhileHeld(a: Account, g: Gate) {
  const id = await submitCharacter(a);
  await g.entered;
  const { setId, jobId } = await buildSet(a);
  await deleteCharacter(a, id);
  g.release();
  return { id, setId, jobId, job: await jobEnded(jobId) };
}

async function expectGone(a: Account, characterId: string, setId: string) {
  expect((await api(a, `/v1/custom-references/${characterId}`)).status).toBe(404);
  expect((await api(a, `/v1/job-sets/${setId}`)).status).toBe(404);
  expect(((await (await api(a, '/v1/custom-references/list')).json()) as any).total).toBe(0);
}

describe('deleting a Soul ID character', () => {
  it('of a completed build also removes the build job set: 404, its crop URLs dead, inputs scrubbed, no media left', async () => {
    const a = await s.account(100);
    const id = await submitCharacter(a);
    const character = await waitFor(async () => {
      const g = (await (await api(a, `/v1/custom-references/${id}`)).json()) as any;
      return g.status === 'completed' && g;
    }, 60_000);
    const { setId, jobId } = await buildSet(a);
    // The character reads completed a moment before its job ends.
    expect((await jobEnded(jobId)).status).toBe('completed');
    const set = (await (await api(a, `/v1/job-sets/${setId}`)).json()) as any;
    expect(set.jobs[0].status).toBe('completed');
    const urls = [
      character.thumbnail_url,
      character.reference_media[0].media_url,
      character.reference_media[0].face_crop_url,
      set.jobs[0].results.raw.url,
      set.jobs[0].results.min.url,
    ];
    for (const u of urls) expect((await fetch(u)).status).toBe(200);
    expect((await faceDataLeft(a, id)).written).toBe(5); // photo, crop, thumbnail; the job's raw and min

    await deleteCharacter(a, id);

    await expectGone(a, id, setId);
    for (const u of urls) expect([404, 410]).toContain((await fetch(u)).status);
    expect(await faceDataLeft(a, id)).toMatchObject({ rows: 0, live: [], blobs: [] });
    // The photo URLs are gone from what the set and its job were asked.
    const job = await db().selectFrom('jobs').select('input').where('id', '=', jobId).executeTakeFirstOrThrow();
    const stored = await db().selectFrom('job_sets').select('input_params').where('id', '=', setId).executeTakeFirstOrThrow();
    expect(JSON.parse(job.input)).toEqual({ characterId: id, imageUrls: [] });
    expect(stored.input_params).not.toContain('/media/');
    expect(await balance(a)).toBe(60); // the build had completed: no refund
  });

  it('while the build runs: the job is canceled with exactly one refund and nothing is written', async () => {
    const a = await s.account(100);
    buildGate = gate();
    const g = buildGate;
    const id = await submitCharacter(a);
    await g.entered;
    const { setId, jobId } = await buildSet(a);
    expect((await s.ctx.generation.repo().getJob(jobId))!.status).toBe('in_progress');
    expect(await balance(a)).toBe(60);

    await deleteCharacter(a, id);
    g.release();

    expect((await jobEnded(jobId)).status).toBe('canceled');
    await expectGone(a, id, setId);
    expect(await faceDataLeft(a, id)).toMatchObject({ rows: 0, live: [], blobs: [] });
    expect(await refunds(a)).toEqual([{ job_id: jobId, delta_milli: 40_000 }]);
    expect(await balance(a)).toBe(100);
  });

  it('while its worker (elsewhere) is storing the build: storeBuild records nothing, deletes what it wrote, one refund', async () => {
    const a = await s.account(100);
    // Hold the build inside storeBuild, after its first blob is written.
    const g = gate();
    const media = s.ctx.media;
    const put = media.put;
    media.put = async function (this: typeof media, ...args: Parameters<typeof put>) {
      const ref = await put.apply(this, args);
      if (args[1] === 'character') {
        delete (media as Partial<typeof media>).put;
        g.enter();
        await g.released;
      }
      return ref;
    };
    try {
      await asRemoteWorker(async () => {
        const { id, setId, jobId, job } = await deleteWhileHeld(a, g);
        expect(job.status).toBe('failed');
        expect(job.error).toContain('deleted');
        await expectGone(a, id, setId);
        const left = await faceDataLeft(a, id);
        expect(left.written).toBeGreaterThan(0);
        expect(left).toMatchObject({ rows: 0, live: [], blobs: [] });
        expect(await refunds(a)).toEqual([{ job_id: jobId, delta_milli: 40_000 }]);
        expect(await balance(a)).toBe(100);
      });
    } finally {
      delete (media as Partial<typeof media>).put;
    }
  });

  it('after the build was stored but before its worker (elsewhere) ends the job: the job output is deleted when it lands', async () => {
    const a = await s.account(100);
    const g = gate();
    const characters = s.ctx.characters;
    const storeBuild = characters.storeBuild;
    characters.storeBuild = async function (this: typeof characters, ...args: Parameters<typeof storeBuild>) {
      delete (characters as Partial<typeof characters>).storeBuild;
      const r = await storeBuild.apply(this, args);
      g.enter();
      await g.released;
      return r;
    };
    try {
      await asRemoteWorker(async () => {
        // The worker never heard of the cancel and finished the build it had already stored.
        const { id, setId, job } = await deleteWhileHeld(a, g);
        expect(job.status).toBe('completed');
        await expectGone(a, id, setId);
        const left = await waitFor(async () => {
          const l = await faceDataLeft(a, id);
          return l.live.length === 0 && l.blobs.length === 0 && l;
        });
        expect(left).toMatchObject({ rows: 0, written: 5 });
      });
    } finally {
      delete (characters as Partial<typeof characters>).storeBuild;
    }
  });
});
