import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { JPEG, PNG } from '@trustnxt/c2pa-ts/asset';
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf';
import { ManifestStore } from '@trustnxt/c2pa-ts/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { MOTIONS } from '../../src/domain/motions.js';
import { verifyAsset } from '../../src/engine/c2pa/index.js';
import { createLogger } from '../../src/log/logger.js';
import { renderMotionPreview } from '../../src/engine/video/index.js';
import { dopRunner } from '../../src/worker/runners/dop-runner.js';
import { astronautPng } from '../helpers/drawings.js';
import { startLocalTsa } from '../helpers/local-tsa.js';
import { hfHeaders, startServer, type TestServer, waitFor } from '../helpers/server.js';
import { pictureSoulRunner } from '../helpers/test-runner.js';

const root = path.resolve(import.meta.dirname, '../..');
let s: TestServer;
let a: Awaited<ReturnType<TestServer['account']>>;
let chainPem: string;
beforeAll(async () => {
  s = await startServer({
    runners: [pictureSoulRunner(async () => astronautPng()), dopRunner()],
    surfaces: [dopRoutes(renderMotionPreview)],
    config: { c2pa: { enabled: true, chainPath: null, keyPath: null } },
  });
  a = await s.account(100);
  const r = await fetch(`${s.url}/.well-known/opensoul/c2pa-chain.pem`);
  expect(r.status).toBe(200);
  chainPem = await r.text();
});
afterAll(async () => {
  await s?.close();
});

const bytesOf = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
/** Anchors as a verifier builds them from the published chain: the issuers of the signer. */
const anchors = () =>
  chainPem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .slice(1)
    .join('');
const waitSet = (id: string) =>
  waitFor(async () => {
    const g = (await (await fetch(`${s.url}/v1/job-sets/${id}`, { headers: hfHeaders(a) })).json()) as any;
    return g.jobs.every((j: any) => !['queued', 'in_progress'].includes(j.status)) && g;
  }, 180_000);

/** A second, independent reader: the pure-TypeScript c2pa-ts (TrustNXT) reads and validates the same file. */
async function readWithC2paTs(bytes: Uint8Array) {
  const asset = JPEG.canRead(bytes) ? new JPEG(bytes) : PNG.canRead(bytes) ? new PNG(bytes) : null;
  if (!asset) throw new Error('not a PNG or JPEG');
  const jumbf = asset.getManifestJUMBF();
  if (!jumbf) throw new Error('no manifest found by c2pa-ts');
  const store = ManifestStore.read(SuperBox.fromBuffer(new Uint8Array(jumbf)));
  return { store, result: await store.validate(asset) };
}

describe('content credentials on outputs over HTTP', () => {
  let pngFile: string;
  let soulUrls: string[] = [];

  it('a Soul PNG and its JPEG preview carry a valid manifest signed by the published chain', async () => {
    expect(chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    // Made on first start, kept like the other secrets.
    expect(fs.statSync(path.join(s.dataDir, 'c2pa')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(s.dataDir, 'c2pa', 'signer.key.pem')).mode & 0o777).toBe(0o600);
    const r = await fetch(`${s.url}/v1/text2image/soul`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ params: { prompt: 'an astronaut portrait', width_and_height: '1536x1536', seed: 42 } }),
    });
    const set = await waitSet(((await r.json()) as any).id);
    const job = set.jobs[0];
    expect(job.status).toBe('completed');
    for (const url of [job.results.raw.url, job.results.min.url]) {
      const v = await verifyAsset(await bytesOf(url), anchors());
      expect(v).toMatchObject({ valid: true, trusted: true, failures: [] });
      const assertions = v.manifest!.assertions as { label: string; data: any }[];
      expect(assertions.find((x) => x.label === 'c2pa.actions.v2')!.data.actions[0]).toMatchObject({
        action: 'c2pa.created',
        digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
        softwareAgent: { name: 'opensoul' },
      });
      expect(assertions.find((x) => x.label === 'org.opensoul.generation')!.data).toMatchObject({
        job_id: job.id,
        kind: 'soul',
        prompt: 'an astronaut portrait',
        seed: 42,
      });
    }
    soulUrls = [job.results.raw.url, job.results.min.url];
    pngFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'c2pa-out-')), 'out.png');
    fs.writeFileSync(pngFile, await bytesOf(job.results.raw.url));
  }, 120_000);

  it('the PNG and the JPEG also read and validate with c2pa-ts; a changed PNG does not', async () => {
    expect(soulUrls).toHaveLength(2);
    for (const url of soulUrls) {
      const { store, result } = await readWithC2paTs(await bytesOf(url));
      expect(result.isValid, JSON.stringify(result.statusEntries)).toBe(true);
      expect(result.statusEntries.map((e) => e.code)).toEqual(
        expect.arrayContaining(['claimSignature.validated', 'assertion.dataHash.match', 'assertion.hashedURI.match']),
      );
      const manifest = store.getActiveManifest()!;
      expect(manifest.claim!.claimGeneratorName).toBe('opensoul');
      const actions = manifest.assertions!.assertions.find((x) => x.label === 'c2pa.actions.v2') as unknown as {
        actions: { action: string; digitalSourceType: string }[];
      };
      expect(actions.actions[0]).toMatchObject({
        action: 'c2pa.created',
        digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
      });
      expect(manifest.assertions!.assertions.map((x) => x.label)).toContain('org.opensoul.generation');
    }
    const changed = Buffer.from(await bytesOf(soulUrls[0]));
    changed[changed.indexOf('IDAT') + 20] ^= 0x01;
    const { result } = await readWithC2paTs(new Uint8Array(changed));
    expect(result.isValid).toBe(false);
    expect(result.statusEntries.map((e) => e.code)).toContain('assertion.dataHash.mismatch');
  });

  it('`opensoul verify` says valid and signed by this server; a changed file fails', () => {
    const verify = (file: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), '--data-dir', s.dataDir, 'verify', file], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = verify(pngFile);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('valid: yes (Trusted)');
    expect(ok.stdout).toContain('signed by this server: yes');
    expect(ok.stdout).toContain('"prompt":"an astronaut portrait"');
    const changed = Buffer.from(fs.readFileSync(pngFile));
    changed[changed.indexOf('IDAT') + 20] ^= 0x01;
    const bad = pngFile.replace('out.png', 'changed.png');
    fs.writeFileSync(bad, changed);
    const fail = verify(bad);
    expect(fail.status).toBe(1);
    expect(fail.stdout).toContain('valid: no');
    expect(fail.stdout).toContain('failure: assertion.dataHash.mismatch');
  }, 120_000);

  it('a DoP MP4, its preview clip and its JPEG poster carry the manifest with the motions and the input still', async () => {
    const ref = await s.ctx.media.upload(a.accountId, astronautPng());
    const zoomIn = MOTIONS.find((m) => m.name.toLowerCase() === 'zoom in')!;
    const r = await fetch(`${s.url}/v1/image2video/dop`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({
        params: {
          model: 'dop-lite',
          prompt: 'slow push in',
          input_images: [{ type: 'image_url', image_url: s.ctx.media.url(ref.key) }],
          motions: [{ id: zoomIn.id, strength: 0.5 }],
          seed: 5,
        },
      }),
    });
    const job = (await waitSet(((await r.json()) as any).id)).jobs[0];
    expect(job.status).toBe('completed');
    for (const url of [job.results.raw.url, job.results.min.url, job.poster_url]) {
      const v = await verifyAsset(await bytesOf(url), anchors());
      expect(v, url).toMatchObject({ valid: true, trusted: true });
      const gen = (v.manifest!.assertions as { label: string; data: any }[]).find((x) => x.label === 'org.opensoul.generation')!.data;
      expect(gen).toMatchObject({ job_id: job.id, kind: 'dop', tier: 'lite', motions: [{ id: zoomIn.id, strength: 0.5 }] });
      expect(JSON.stringify(gen)).not.toContain('sig=');
      // The still it was made from is its ingredient.
      expect(v.manifest!.ingredients).toEqual([
        expect.objectContaining({ title: 'input image 1', relationship: 'inputTo', format: 'image/png' }),
      ]);
    }
  }, 200_000);
});

describe('RFC 3161 time stamps (OPENSOUL_C2PA_TSA_URL)', () => {
  it('outputs carry a time stamp from the configured authority; an authority that is down costs only the stamp', async () => {
    const tsa = await startLocalTsa();
    const logged: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => logged.push(d.toString()));
    const servers: TestServer[] = [];
    try {
      for (const tsaUrl of [tsa.url, 'http://127.0.0.1:1/down']) {
        const t = await startServer({
          runners: [pictureSoulRunner(async () => astronautPng())],
          logger: createLogger({ level: 'info', stream }),
          config: { c2pa: { enabled: true, chainPath: null, keyPath: null, tsaUrl } },
        });
        servers.push(t);
        const b = await t.account(10);
        const r = await fetch(`${t.url}/v1/text2image/soul`, {
          method: 'POST',
          headers: hfHeaders(b),
          body: JSON.stringify({ params: { prompt: 'stamped', seed: 1 } }),
        });
        const id = ((await r.json()) as any).id;
        const set = await waitFor(async () => {
          const g = (await (await fetch(`${t.url}/v1/job-sets/${id}`, { headers: hfHeaders(b) })).json()) as any;
          return g.jobs.every((j: any) => !['queued', 'in_progress'].includes(j.status)) && g;
        }, 60_000);
        expect(set.jobs[0].status).toBe('completed');
        const chain = await (await fetch(`${t.url}/.well-known/opensoul/c2pa-chain.pem`)).text();
        const v = await verifyAsset(
          await bytesOf(set.jobs[0].results.raw.url),
          chain
            .split(/(?=-----BEGIN CERTIFICATE-----)/)
            .slice(1)
            .join('') + tsa.caPem,
        );
        expect(v).toMatchObject({ valid: true, trusted: true, failures: [] });
        const time = (v.manifest!.signature_info as { time?: string }).time;
        if (tsaUrl === tsa.url) expect(Math.abs(Date.parse(time!) - Date.now())).toBeLessThan(120_000);
        else expect(time).toBeUndefined();
      }
      expect(tsa.requests).toBeGreaterThanOrEqual(2); // the PNG and its JPEG preview
      expect(logged.join('')).toContain('C2PA time stamp unavailable; signed without one');
    } finally {
      for (const t of servers) await t.close();
      await tsa.close();
    }
  }, 120_000);
});
