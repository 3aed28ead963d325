/**
 * The hub's JSON API: resolve a revision to its commit, list the files of that commit.
 *   GET {endpoint}/api/models/{repo}/revision/{rev}          -> { sha, siblings, ... }
 *   GET {endpoint}/api/models/{repo}/tree/{commit}?recursive=true
 *       -> [{ type, path, size, oid, lfs?: { oid, size, pointerSize } }], paginated by a
 *          `Link: <url>; rel="next"` header
 */
import { HubError, httpError } from './errors.js';
import type { HubFile } from './types.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface HubClient {
  endpoint: string;
  token?: string;
  fetchImpl: typeof fetch;
  signal?: AbortSignal;
}

export function checkRepoId(repo: string): void {
  if (!REPO_ID.test(repo) || repo.includes('..')) throw new HubError(`"${repo}" is not a hub repository id (owner/name)`, 400);
}

/** The token goes only to the configured endpoint's origin, never to CDNs or other hosts. */
export function authHeaders(client: HubClient, url: string): Record<string, string> {
  if (!client.token) return {};
  return new URL(url).origin === new URL(client.endpoint).origin ? { authorization: `Bearer ${client.token}` } : {};
}

/** Repo path → URL path, each segment escaped. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

async function getJson(client: HubClient, url: string, what: string): Promise<{ body: unknown; res: Response }> {
  let res: Response;
  try {
    res = await client.fetchImpl(url, { headers: { accept: 'application/json', ...authHeaders(client, url) }, signal: client.signal });
  } catch (err) {
    if (client.signal?.aborted) throw err;
    throw new HubError(`${what}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw httpError(res.status, what, Boolean(client.token));
  }
  try {
    return { body: await res.json(), res };
  } catch {
    throw new HubError(`${what}: the reply is not JSON`, 502);
  }
}

/** Commit sha of a branch, tag or commit. */
export async function resolveCommit(client: HubClient, repo: string, revision: string): Promise<string> {
  const url = `${client.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  const { body } = await getJson(client, url, `${repo}@${revision}`);
  const sha = (body as { sha?: unknown }).sha;
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/i.test(sha)) throw new HubError(`${repo}@${revision}: the hub gave no commit id`, 502);
  return sha;
}

function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

interface TreeEntry {
  type?: string;
  path?: string;
  size?: number;
  oid?: string;
  lfs?: { oid?: string; size?: number };
}

/** Every file of the commit, with sizes and, for LFS/Xet files, their sha256. */
export async function listFiles(client: HubClient, repo: string, commit: string): Promise<HubFile[]> {
  const files: HubFile[] = [];
  let url: string | undefined = `${client.endpoint}/api/models/${repo}/tree/${encodeURIComponent(commit)}?recursive=true`;
  for (let page = 0; url; page++) {
    if (page > 10_000) throw new HubError(`${repo}: the file listing does not end`, 502);
    const { body, res } = await getJson(client, url, `${repo} file list`);
    if (!Array.isArray(body)) throw new HubError(`${repo}: the file listing is not an array`, 502);
    for (const entry of body as TreeEntry[]) {
      if (entry.type !== 'file' || typeof entry.path !== 'string') continue;
      const size = entry.lfs?.size ?? entry.size;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
        throw new HubError(`${repo}: no size for ${entry.path}`, 502);
      files.push({
        path: entry.path,
        size,
        gitOid: typeof entry.oid === 'string' ? entry.oid : undefined,
        sha256: typeof entry.lfs?.oid === 'string' ? entry.lfs.oid.replace(/^sha256:/, '') : undefined,
      });
    }
    const next = nextLink(res.headers.get('link'));
    url = next ? new URL(next, url).toString() : undefined;
  }
  return files;
}
