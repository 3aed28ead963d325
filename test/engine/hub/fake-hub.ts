/**
 * A local stand-in for the Hugging Face hub, serving a small diffusers-layout model the way
 * the hub does: the revision and paginated tree APIs, `resolve` URLs that redirect LFS files
 * to a CDN on another origin, Range requests, and LFS sha256 in the listing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  path: string;
  content: Buffer;
  lfs: boolean;
  /** Serve these bytes instead of `content` while listing the hash of `content`. */
  servedContent?: Buffer;
}

export interface SeenRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization?: string;
  range?: string;
}

export interface FakeHub {
  url: string;
  cdnUrl: string;
  repo: string;
  commit: string;
  files: FakeFile[];
  requests: SeenRequest[];
  /** Cut the connection after this many body bytes on the next N transfers of a path. */
  cutAfter: Map<string, { bytes: number; times: number }>;
  /** Require this bearer token (401 otherwise). */
  requireToken?: string;
  close(): Promise<void>;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitOid = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

export function tinyModelFiles(): FakeFile[] {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2));
  return [
    {
      path: 'model_index.json',
      content: json({ _class_name: 'OnnxStableDiffusionPipeline', unet: ['diffusers', 'OnnxRuntimeModel'] }),
      lfs: false,
    },
    {
      path: 'scheduler/scheduler_config.json',
      content: json({ _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }),
      lfs: false,
    },
    { path: 'tokenizer/merges.txt', content: Buffer.from('#version: 0.2\ni n\nt h\n'), lfs: false },
    { path: 'text_encoder/model.onnx', content: randomBytes(60_000), lfs: true },
    { path: 'unet/model.onnx', content: randomBytes(300_000), lfs: true },
    { path: 'vae_decoder/model.onnx', content: randomBytes(90_000), lfs: true },
  ];
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** Sends `body` honouring a Range header; may cut the connection midway. */
function sendBody(req: IncomingMessage, res: ServerResponse, body: Buffer, cut?: number): void {
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-length': body.length - start,
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      'accept-ranges': 'bytes',
    });
  } else {
    res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
  }
  const rest = body.subarray(start);
  if (cut !== undefined && cut < rest.length) {
    res.write(rest.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.end(rest);
}

export async function startFakeHub(files: FakeFile[] = tinyModelFiles(), pageSize = 4): Promise<FakeHub> {
  const repo = 'acme/tiny-sd';
  const commit = 'c0ffee0000000000000000000000000000000001';
  const requests: SeenRequest[] = [];
  const cutAfter = new Map<string, { bytes: number; times: number }>();
  const record = (server: 'hub' | 'cdn', req: IncomingMessage) =>
    requests.push({
      server,
      method: req.method ?? 'GET',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      range: req.headers.range,
    });
  const takeCut = (path: string) => {
    const c = cutAfter.get(path);
    if (!c || c.times <= 0) return undefined;
    c.times--;
    return c.bytes;
  };

  const cdn = createServer((req, res) => {
    record('cdn', req);
    const m = /^\/blobs\/([0-9a-f]{64})\?/.exec(req.url ?? '');
    const file = m && files.find((f) => sha256(f.content) === m[1]);
    if (!file) return void res.writeHead(404).end();
    sendBody(req, res, file.servedContent ?? file.content, takeCut(file.path));
  });
  const cdnUrl = await listen(cdn);

  const hub: FakeHub = {
    url: '',
    cdnUrl,
    repo,
    commit,
    files,
    requests,
    cutAfter,
    close: () => Promise.all([cdn, hubServer].map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };

  const hubServer = createServer((req, res) => {
    record('hub', req);
    const url = new URL(req.url ?? '/', 'http://x');
    if (hub.requireToken && req.headers.authorization !== `Bearer ${hub.requireToken}`) {
      return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Access to model is restricted"}');
    }
    const json = (v: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(v));
    if (url.pathname === `/api/models/${repo}/revision/main` || url.pathname === `/api/models/${repo}/revision/${commit}`) {
      return void json({ id: repo, sha: commit, siblings: files.map((f) => ({ rfilename: f.path })) });
    }
    if (url.pathname === `/api/models/${repo}/tree/${commit}` && url.searchParams.get('recursive') === 'true') {
      // The hub lists folders too; the client must skip them.
      const entries = [...new Set(files.map((f) => f.path.split('/').slice(0, -1).join('/')).filter(Boolean))].map((d) => ({
        type: 'directory',
        path: d,
        oid: 'd'.repeat(40),
        size: 0,
      }));
      const all = [
        ...entries,
        ...files.map((f) => ({
          type: 'file',
          path: f.path,
          oid: f.lfs ? 'e'.repeat(40) : gitOid(f.content),
          size: f.lfs ? 134 : f.content.length,
          ...(f.lfs ? { lfs: { oid: sha256(f.content), size: f.content.length, pointerSize: 134 } } : {}),
        })),
      ];
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = all.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = {};
      if (cursor + pageSize < all.length) {
        headers.link = `<${hub.url}/api/models/${repo}/tree/${commit}?recursive=true&cursor=${cursor + pageSize}>; rel="next"`;
      }
      return void json(page, headers);
    }
    const resolve = new RegExp(`^/${repo}/resolve/${commit}/(.+)$`).exec(url.pathname);
    if (resolve) {
      const path = decodeURIComponent(resolve[1]);
      const file = files.find((f) => f.path === path);
      if (!file) return void res.writeHead(404).end();
      if (file.lfs) {
        res.writeHead(302, {
          location: `${cdnUrl}/blobs/${sha256(file.content)}?signature=abc`,
          'x-linked-size': String(file.content.length),
          'x-linked-etag': `"${sha256(file.content)}"`,
          'x-repo-commit': commit,
        });
        return void res.end();
      }
      return sendBody(req, res, file.servedContent ?? file.content, takeCut(file.path));
    }
    res.writeHead(404).end();
  });
  hub.url = await listen(hubServer);
  return hub;
}

/** Every file under `dir` as hub files; ONNX graphs and weight files are served as LFS objects. */
export async function fakeFilesFromDir(dir: string): Promise<FakeFile[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join, relative, sep } = await import('node:path');
  const out: FakeFile[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    const path = relative(dir, full).split(sep).join('/');
    out.push({ path, content: await readFile(full), lfs: /\.(onnx|onnx_data|pb|bin|data)$/.test(path) });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Byte equality without vitest's element-wise deep compare (slow on megabyte buffers). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.equals(b);
}
