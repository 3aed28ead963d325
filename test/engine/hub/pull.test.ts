import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createProgressReporter,
  findInstalledModel,
  HubError,
  HubIntegrityError,
  listModels,
  MANIFEST_FILE,
  parseRepoRef,
  pullModel,
  type PullProgressEvent,
} from '../../../src/engine/hub/index.js';
import { compileGlobs } from '../../../src/engine/hub/glob.js';
import { sha256, startFakeHub, tinyModelFiles, type FakeHub, sameBytes } from './fake-hub.js';

let cacheDir: string;
let hub: FakeHub;
const savedEnv = { token: process.env.HF_TOKEN, endpoint: process.env.HF_ENDPOINT };

beforeAll(() => {
  delete process.env.HF_TOKEN;
  delete process.env.HF_ENDPOINT;
});
afterAll(() => {
  if (savedEnv.token !== undefined) process.env.HF_TOKEN = savedEnv.token;
  if (savedEnv.endpoint !== undefined) process.env.HF_ENDPOINT = savedEnv.endpoint;
});
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'hub-cache-'));
  hub = await startFakeHub();
});
afterEach(async () => {
  delete process.env.HF_TOKEN;
  delete process.env.HF_ENDPOINT;
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const base = () => ({ repo: hub.repo, cacheDir, endpoint: hub.url, retryDelayMs: 1 });

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out.sort();
}

describe('pullModel', () => {
  it('downloads every file through resolve URLs, verifies them and writes the manifest', async () => {
    const events: PullProgressEvent[] = [];
    const result = await pullModel({ ...base(), onProgress: (e) => events.push(e) });

    expect(result.dir).toBe(join(cacheDir, 'acme--tiny-sd', 'main'));
    for (const f of hub.files) expect(sameBytes(await readFile(join(result.dir, f.path)), f.content)).toBe(true);
    expect(await allFiles(result.dir)).toEqual([...hub.files.map((f) => f.path), MANIFEST_FILE].sort());

    const manifest = JSON.parse(await readFile(join(result.dir, MANIFEST_FILE), 'utf8'));
    expect(manifest).toMatchObject({ format: 1, repo: hub.repo, revision: 'main', commit: hub.commit, endpoint: hub.url, only: null });
    const byPath = Object.fromEntries(manifest.files.map((f: { path: string }) => [f.path, f]));
    expect(byPath['unet/model.onnx']).toMatchObject({ size: 300_000, verified: 'sha256' });
    expect(byPath['model_index.json'].verified).toBe('git-sha1');
    expect(manifest.totalBytes).toBe(hub.files.reduce((s, f) => s + f.content.length, 0));

    // LFS files went through the CDN redirect; the tree listing was paginated.
    expect(hub.requests.filter((r) => r.server === 'cdn')).toHaveLength(3);
    expect(hub.requests.filter((r) => r.url.includes('/tree/')).length).toBeGreaterThan(1);
    expect(hub.requests.every((r) => r.authorization === undefined)).toBe(true);

    expect(events[0]).toEqual({ type: 'listing', repo: hub.repo, revision: 'main' });
    expect(events.find((e) => e.type === 'start')).toMatchObject({ files: 6, commit: hub.commit });
    expect(events.at(-1)).toMatchObject({ type: 'done', downloadedBytes: manifest.totalBytes });
    const last = events.filter((e) => e.type === 'progress').at(-1);
    expect(last).toMatchObject({ doneBytes: manifest.totalBytes, totalBytes: manifest.totalBytes });

    const models = await listModels(cacheDir);
    expect(models).toEqual([expect.objectContaining({ repo: hub.repo, revision: 'main', commit: hub.commit, files: 6, dir: result.dir })]);
    expect(await findInstalledModel(cacheDir, hub.repo)).toBe(result.dir);
  });

  it('skips files already in the cache on a second pull', async () => {
    await pullModel(base());
    const before = hub.requests.length;
    const again = await pullModel(base());
    expect(again.downloadedBytes).toBe(0);
    expect(again.skippedFiles).toBe(6);
    expect(hub.requests.slice(before).some((r) => r.url.includes('/resolve/') || r.server === 'cdn')).toBe(false);
  });

  it('re-downloads a cached file whose content no longer matches', async () => {
    const { dir } = await pullModel(base());
    const target = join(dir, 'vae_decoder/model.onnx');
    await writeFile(target, Buffer.alloc(90_000, 7));
    await rm(join(dir, MANIFEST_FILE));
    const again = await pullModel(base());
    expect(again.downloadedBytes).toBe(90_000);
    expect(sameBytes(await readFile(target), hub.files.find((f) => f.path === 'vae_decoder/model.onnx')!.content)).toBe(true);
  });

  it('pulls only the files matching --only patterns and merges later pulls', async () => {
    const first = await pullModel({ ...base(), only: ['unet/*', 'model_index.json'] });
    expect(await allFiles(first.dir)).toEqual(['model_index.json', 'unet/model.onnx', MANIFEST_FILE].sort());
    expect(first.manifest.only).toEqual(['unet/*', 'model_index.json']);
    expect(hub.requests.filter((r) => r.server === 'cdn')).toHaveLength(1);

    const second = await pullModel({ ...base(), only: ['scheduler/'] });
    expect(second.manifest.files.map((f) => f.path)).toEqual(['model_index.json', 'scheduler/scheduler_config.json', 'unet/model.onnx']);
    expect(second.manifest.only).toEqual(['unet/*', 'model_index.json', 'scheduler/']);

    await expect(pullModel({ ...base(), only: ['nothing/*'] })).rejects.toThrow(/no file matches/);
  });

  it('resumes an interrupted transfer with a Range request', async () => {
    hub.cutAfter.set('unet/model.onnx', { bytes: 120_000, times: 1 });
    const events: PullProgressEvent[] = [];
    const { dir } = await pullModel({ ...base(), onProgress: (e) => events.push(e) });
    expect(sameBytes(await readFile(join(dir, 'unet/model.onnx')), hub.files.find((f) => f.path === 'unet/model.onnx')!.content)).toBe(
      true,
    );
    const unet = hub.requests.filter((r) => r.server === 'cdn' && r.url.includes(hubSha('unet/model.onnx')));
    expect(unet).toHaveLength(2);
    expect(unet[0].range).toBeUndefined();
    expect(unet[1].range).toBe('bytes=120000-');
    expect(events.some((e) => e.type === 'retry' && e.path === 'unet/model.onnx')).toBe(true);
    expect(events.some((e) => e.type === 'file-start' && e.path === 'unet/model.onnx' && e.resumeFrom === 120_000)).toBe(true);
  });

  it('resumes a .part left by an aborted pull in a later run', async () => {
    const controller = new AbortController();
    hub.cutAfter.set('unet/model.onnx', { bytes: 150_000, times: 1 });
    await expect(
      pullModel({
        ...base(),
        attempts: 1,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'retry') controller.abort();
        },
      }),
    ).rejects.toThrow();
    const part = join(cacheDir, 'acme--tiny-sd', 'main', 'unet', 'model.onnx.part');
    expect((await stat(part)).size).toBe(150_000);
    expect(existsSync(join(cacheDir, 'acme--tiny-sd', 'main', MANIFEST_FILE))).toBe(false);
    expect(await listModels(cacheDir)).toEqual([]);

    const { dir } = await pullModel(base());
    expect(sameBytes(await readFile(join(dir, 'unet/model.onnx')), hub.files.find((f) => f.path === 'unet/model.onnx')!.content)).toBe(
      true,
    );
    expect(existsSync(part)).toBe(false);
    expect(hub.requests.filter((r) => r.server === 'cdn' && r.range === 'bytes=150000-')).toHaveLength(1);
  });

  it('refuses a file whose sha256 does not match the listing and installs nothing', async () => {
    await hub.close();
    const files = tinyModelFiles();
    files[5] = { ...files[5], servedContent: Buffer.alloc(files[5].content.length, 1) };
    hub = await startFakeHub(files);
    const err = await pullModel(base()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubIntegrityError);
    expect((err as Error).message).toMatch(/vae_decoder\/model\.onnx: sha256 mismatch/);
    const dir = join(cacheDir, 'acme--tiny-sd', 'main');
    expect(existsSync(join(dir, 'vae_decoder/model.onnx'))).toBe(false);
    expect(existsSync(join(dir, 'vae_decoder/model.onnx.part'))).toBe(false);
    expect(existsSync(join(dir, MANIFEST_FILE))).toBe(false);
    // Integrity failures are not retried: one fetch of the bad blob.
    expect(hub.requests.filter((r) => r.server === 'cdn' && r.url.includes(hubSha('vae_decoder/model.onnx')))).toHaveLength(1);
  });

  it('sends HF_TOKEN as a Bearer token to the hub and never to the CDN', async () => {
    hub.requireToken = 'hf_secret';
    process.env.HF_TOKEN = 'hf_secret';
    await pullModel(base());
    const hubReqs = hub.requests.filter((r) => r.server === 'hub');
    expect(hubReqs.length).toBeGreaterThan(0);
    expect(hubReqs.every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
    expect(hub.requests.filter((r) => r.server === 'cdn').every((r) => r.authorization === undefined)).toBe(true);
  });

  it('explains a gated repository when no token is set', async () => {
    hub.requireToken = 'hf_secret';
    const err = await pullModel(base()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as Error).message).toMatch(/HTTP 401.*HF_TOKEN/);
    const wrong = await pullModel({ ...base(), token: 'hf_wrong' }).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/token was refused/);
  });

  it('honours HF_ENDPOINT and pins downloads to the resolved commit', async () => {
    process.env.HF_ENDPOINT = hub.url;
    const { manifest } = await pullModel({ repo: hub.repo, cacheDir, retryDelayMs: 1 });
    expect(manifest.endpoint).toBe(hub.url);
    expect(hub.requests.filter((r) => r.url.includes('/resolve/')).every((r) => r.url.includes(`/resolve/${hub.commit}/`))).toBe(true);
  });

  it('caches a commit revision under its own folder and rejects bad repo ids', async () => {
    const { dir } = await pullModel({ ...base(), revision: hub.commit, only: ['model_index.json'] });
    expect(dir).toBe(join(cacheDir, 'acme--tiny-sd', hub.commit));
    await expect(pullModel({ ...base(), repo: '../etc' })).rejects.toThrow(/not a hub repository id/);
    await expect(pullModel({ ...base(), repo: 'acme/missing' })).rejects.toThrow(/not found/);
  });

  it('handles empty files and nested folders', async () => {
    await hub.close();
    hub = await startFakeHub([
      { path: '.gitattributes', content: Buffer.alloc(0), lfs: false },
      { path: 'a/b/c/weights.bin', content: Buffer.from('weights'), lfs: true },
    ]);
    const { dir, manifest } = await pullModel(base());
    expect((await stat(join(dir, '.gitattributes'))).size).toBe(0);
    expect(await readFile(join(dir, 'a/b/c/weights.bin'), 'utf8')).toBe('weights');
    expect(manifest.files.map((f) => f.verified)).toEqual(['git-sha1', 'sha256']);
  });

  it('refuses listings whose paths would leave the model folder', async () => {
    await hub.close();
    hub = await startFakeHub([{ path: 'unet/../../escape.txt', content: Buffer.from('x'), lfs: false }]);
    await expect(pullModel(base())).rejects.toThrow(/unsafe path/);
  });
});

function hubSha(path: string): string {
  return sha256(hub.files.find((f) => f.path === path)!.content);
}

describe('helpers', () => {
  it('parses REPO[@REV]', () => {
    expect(parseRepoRef('stabilityai/sd-turbo')).toEqual({ repo: 'stabilityai/sd-turbo' });
    expect(parseRepoRef('stabilityai/sd-turbo@onnx')).toEqual({ repo: 'stabilityai/sd-turbo', revision: 'onnx' });
    expect(() => parseRepoRef('a/b@')).toThrow(/empty revision/);
  });

  it('matches --only patterns like huggingface_hub (fnmatch)', () => {
    const m = compileGlobs(['unet/*', '*.json', 'vae_?ecoder/model.onnx', 'tokenizer/']);
    expect(m('unet/model.onnx')).toBe(true);
    expect(m('unet/sub/weights.pb')).toBe(true);
    expect(m('scheduler/scheduler_config.json')).toBe(true);
    expect(m('vae_decoder/model.onnx')).toBe(true);
    expect(m('tokenizer/vocab.json')).toBe(true);
    expect(m('text_encoder/model.onnx')).toBe(false);
    expect(compileGlobs(['[!t]*/model.onnx'])('unet/model.onnx')).toBe(true);
    expect(compileGlobs(['[!t]*/model.onnx'])('text_encoder/model.onnx')).toBe(false);
  });

  it('prints plain progress lines when stderr is not a terminal', async () => {
    let out = '';
    let t = 0;
    const report = createProgressReporter({ stream: { write: (s: string) => (out += s), isTTY: false }, now: () => t, lineIntervalS: 1 });
    report({ type: 'start', repo: 'a/b', revision: 'main', commit: 'f'.repeat(40), files: 1, totalBytes: 2_000_000 });
    report({ type: 'file-start', path: 'unet/model.onnx', size: 2_000_000, resumeFrom: 0 });
    t = 1000;
    report({
      type: 'progress',
      path: 'unet/model.onnx',
      fileBytes: 1_000_000,
      fileSize: 2_000_000,
      doneBytes: 1_000_000,
      totalBytes: 2_000_000,
    });
    report({ type: 'file-done', path: 'unet/model.onnx', size: 2_000_000, skipped: false });
    report({ type: 'done', dir: '/x', downloadedBytes: 2_000_000, totalBytes: 2_000_000 });
    expect(out).not.toContain('\r');
    expect(out).toContain('50% 1.0 MB/2.0 MB at 1.0 MB/s, ETA 0:01 (unet/model.onnx)');
    expect(out).toContain('got  unet/model.onnx (2.0 MB)');
    expect(out).toContain('Done: 2.0 MB downloaded into /x');
  });

  it('redraws one bar line with rate and ETA on a terminal', () => {
    let out = '';
    let t = 0;
    const report = createProgressReporter({ stream: { write: (s: string) => (out += s), isTTY: true, columns: 100 }, now: () => t });
    report({ type: 'start', repo: 'a/b', revision: 'main', commit: 'f'.repeat(40), files: 1, totalBytes: 4_000_000 });
    report({ type: 'file-start', path: 'unet/model.onnx', size: 4_000_000, resumeFrom: 0 });
    t = 2000;
    report({
      type: 'progress',
      path: 'unet/model.onnx',
      fileBytes: 1_000_000,
      fileSize: 4_000_000,
      doneBytes: 1_000_000,
      totalBytes: 4_000_000,
    });
    // eslint-disable-next-line no-control-regex -- the bar ends with the terminal's erase-line escape
    expect(out).toMatch(/\r\[=+>\s+\]\s+25% 1\.0 MB\/4\.0 MB 500 kB\/s ETA 0:06 unet\/model\.onnx\x1b\[K$/);
  });
});
