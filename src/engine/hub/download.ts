/**
 * One file from `{endpoint}/{repo}/resolve/{commit}/{path}` into a `.part` file.
 *
 * Redirects are followed by hand (at most 10) so the token is only sent to the hub's own
 * origin: LFS/Xet files redirect to signed CDN URLs that must not receive it. An existing
 * `.part` is resumed with `Range: bytes=N-`; a 200 reply (range ignored) restarts it.
 */
import { createWriteStream } from 'node:fs';
import { stat, truncate, writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { authHeaders, encodePath, type HubClient } from './hub-api.js';
import { HubError, httpError } from './errors.js';

const MAX_REDIRECTS = 10;

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

export function resolveUrl(client: HubClient, repo: string, commit: string, path: string): string {
  return `${client.endpoint}/${repo}/resolve/${encodeURIComponent(commit)}/${encodePath(path)}`;
}

async function request(client: HubClient, startUrl: string, headers: Record<string, string>, what: string): Promise<Response> {
  let url = startUrl;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: Response;
    try {
      res = await client.fetchImpl(url, {
        headers: { ...headers, ...authHeaders(client, url) },
        redirect: 'manual',
        signal: client.signal,
      });
    } catch (err) {
      if (client.signal?.aborted) throw err;
      throw new HubError(`${what}: ${(err as Error).message}`);
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      const location = res.headers.get('location');
      await res.body?.cancel();
      if (!location) throw new HubError(`${what}: redirect without a location`, 502);
      url = new URL(location, url).toString();
      continue;
    }
    return res;
  }
  throw new HubError(`${what}: more than ${MAX_REDIRECTS} redirects`, 502);
}

/**
 * Brings `partPath` to `expectedSize` bytes of the file, resuming what is there.
 * `onBytes` gets the running byte count of the part file.
 */
export async function downloadToPart(
  client: HubClient,
  url: string,
  partPath: string,
  expectedSize: number,
  what: string,
  onBytes: (bytes: number) => void,
): Promise<void> {
  if (expectedSize === 0) {
    await writeFile(partPath, '');
    return;
  }
  let have = await partSize(partPath);
  if (have > expectedSize) {
    await truncate(partPath, 0);
    have = 0;
  }
  if (have === expectedSize) return;
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (have > 0) headers.range = `bytes=${have}-`;
  const res = await request(client, url, headers, what);
  if (res.status === 416 && have > 0) {
    // The server says the range starts past the end: the part cannot be trusted; start over.
    await res.body?.cancel();
    await truncate(partPath, 0);
    throw new HubError(`${what}: resume refused (HTTP 416), restarting`, 503);
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    throw httpError(res.status, what, Boolean(client.token));
  }
  if (res.status === 206) {
    const range = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) {
      await res.body?.cancel();
      await truncate(partPath, 0);
      throw new HubError(`${what}: the server resumed at the wrong offset, restarting`, 503);
    }
  } else if (have > 0) {
    // Range ignored: the body is the whole file.
    have = 0;
  }
  if (!res.body) throw new HubError(`${what}: empty reply`, 502);
  let written = have;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      if (written > expectedSize) {
        done(new HubError(`${what}: the server sent more than the listed ${expectedSize} bytes`, 0));
        return;
      }
      onBytes(written);
      done(null, chunk);
    },
  });
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    await pipeline(body, counter, createWriteStream(partPath, { flags: have > 0 ? 'a' : 'w' }));
  } catch (err) {
    if (client.signal?.aborted) throw err;
    if (err instanceof HubError) throw err;
    throw new HubError(`${what}: transfer interrupted after ${written} bytes (${(err as Error).message})`);
  }
  if (written !== expectedSize) throw new HubError(`${what}: transfer ended after ${written} of ${expectedSize} bytes`);
}
