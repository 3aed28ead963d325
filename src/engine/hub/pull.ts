/**
 * `pullModel`: download a hub repository (or the files matching `only`) into the cache,
 * pinned to the commit the revision points at, resuming partial files, verifying sizes and
 * hashes, and renaming each file into place only once it checks out.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { modelDir, PART_SUFFIX, readManifest, safeJoin, writeManifest } from './cache.js';
import { downloadToPart, resolveUrl } from './download.js';
import { HubError, HubIntegrityError } from './errors.js';
import { compileGlobs } from './glob.js';
import { checkRepoId, DEFAULT_ENDPOINT, listFiles, resolveCommit, type HubClient } from './hub-api.js';
import type { HubFile, ManifestFile, ModelManifest, PullOptions, PullProgressEvent, PullResult, VerifiedBy } from './types.js';
import { digestFile } from './verify.js';

/** "owner/name" or "owner/name@revision". */
export function parseRepoRef(ref: string): { repo: string; revision?: string } {
  const at = ref.indexOf('@');
  if (at === -1) return { repo: ref };
  const revision = ref.slice(at + 1);
  if (!revision) throw new HubError(`"${ref}": empty revision after @`, 400);
  return { repo: ref.slice(0, at), revision };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function manifestEntry(file: HubFile, verified: VerifiedBy): ManifestFile {
  return { path: file.path, size: file.size, sha256: file.sha256, gitOid: file.gitOid, verified };
}

/** Checks a complete file against the listing; returns how it was verified or throws. */
async function verifyFile(path: string, file: HubFile, what: string): Promise<VerifiedBy> {
  const useGit = !file.sha256 && file.gitOid !== undefined && /^[0-9a-f]{40}$/.test(file.gitOid);
  const digests = await digestFile(path, { sha256: Boolean(file.sha256), gitSha1: useGit, expectedSize: file.size });
  if (digests.size !== file.size) throw new HubIntegrityError(`${what}: size ${digests.size} ≠ listed ${file.size}`);
  if (file.sha256) {
    if (digests.sha256 !== file.sha256.toLowerCase()) {
      throw new HubIntegrityError(`${what}: sha256 mismatch (expected ${file.sha256}, got ${digests.sha256}); file refused`);
    }
    return 'sha256';
  }
  if (useGit) {
    if (digests.gitSha1 !== file.gitOid) {
      throw new HubIntegrityError(`${what}: git object id mismatch (expected ${file.gitOid}, got ${digests.gitSha1}); file refused`);
    }
    return 'git-sha1';
  }
  return 'size';
}

/** A file already in place from an earlier pull of the same content, or one that verifies now. */
async function existingVerification(target: string, file: HubFile, previous: ModelManifest | undefined): Promise<VerifiedBy | undefined> {
  if ((await fileSize(target)) !== file.size) return undefined;
  const before = previous?.files.find((f) => f.path === file.path);
  if (before && before.size === file.size && before.sha256 === file.sha256 && before.gitOid === file.gitOid) return before.verified;
  try {
    return await verifyFile(target, file, file.path);
  } catch (err) {
    if (err instanceof HubIntegrityError) return undefined;
    throw err;
  }
}

export async function pullModel(opts: PullOptions): Promise<PullResult> {
  checkRepoId(opts.repo);
  const revision = opts.revision ?? 'main';
  const endpoint = (opts.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT)).replace(/\/+$/, '');
  const client: HubClient = {
    endpoint,
    token: opts.token ?? (process.env.HF_TOKEN || undefined),
    fetchImpl: opts.fetchImpl ?? fetch,
    signal: opts.signal,
  };
  const attempts = Math.max(1, opts.attempts ?? 5);
  const baseDelay = opts.retryDelayMs ?? 1000;
  const emit = (e: PullProgressEvent) => opts.onProgress?.(e);

  const retrying = async <T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        if (opts.signal?.aborted || !(err instanceof HubError) || !err.retryable || attempt >= attempts) throw err;
        emit({ type: 'retry', path: what, attempt, error: err.message });
        await sleep(baseDelay * 2 ** (attempt - 1), opts.signal);
      }
    }
  };

  emit({ type: 'listing', repo: opts.repo, revision });
  const commit = await retrying('listing', () => resolveCommit(client, opts.repo, revision));
  let files = await retrying('listing', () => listFiles(client, opts.repo, commit));
  const only = opts.only?.filter((p) => p.trim() !== '') ?? [];
  if (only.length > 0) {
    const match = compileGlobs(only);
    files = files.filter((f) => match(f.path));
    if (files.length === 0) throw new HubError(`${opts.repo}@${revision}: no file matches ${only.join(', ')}`, 404);
  }

  const dir = modelDir(opts.cacheDir, opts.repo, revision);
  const targets = files.map((f) => safeJoin(dir, f.path));
  const previous = await readManifest(dir);
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  emit({ type: 'start', repo: opts.repo, revision, commit, files: files.length, totalBytes });

  let doneBytes = 0;
  let downloadedBytes = 0;
  let skippedFiles = 0;
  const entries: ManifestFile[] = [];
  for (const [i, file] of files.entries()) {
    const target = targets[i];
    const reused = await existingVerification(target, file, previous);
    if (reused) {
      entries.push(manifestEntry(file, reused));
      doneBytes += file.size;
      skippedFiles++;
      emit({ type: 'file-done', path: file.path, size: file.size, skipped: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    const part = target + PART_SUFFIX;
    const url = resolveUrl(client, opts.repo, commit, file.path);
    let restartedAfterMismatch = false;
    const verified = await retrying(file.path, async () => {
      for (;;) {
        const resumeFrom = (await fileSize(part)) ?? 0;
        emit({ type: 'file-start', path: file.path, size: file.size, resumeFrom: Math.min(resumeFrom, file.size) });
        try {
          await downloadToPart(client, url, part, file.size, file.path, (bytes) => {
            emit({ type: 'progress', path: file.path, fileBytes: bytes, fileSize: file.size, doneBytes: doneBytes + bytes, totalBytes });
          });
          return await verifyFile(part, file, file.path);
        } catch (err) {
          if (!(err instanceof HubIntegrityError)) throw err;
          await rm(part, { force: true });
          // A resumed part may hold bytes of an older upload: one clean download decides.
          if (resumeFrom === 0 || restartedAfterMismatch) throw err;
          restartedAfterMismatch = true;
        }
      }
    });
    await rename(part, target);
    entries.push(manifestEntry(file, verified));
    doneBytes += file.size;
    downloadedBytes += file.size;
    emit({ type: 'file-done', path: file.path, size: file.size, skipped: false });
  }

  // Files pulled earlier from the same commit with other --only patterns stay part of the model.
  const merged = [...entries];
  let mergedOnly: string[] | null = only.length > 0 ? only : null;
  if (previous && previous.commit === commit && mergedOnly !== null) {
    for (const f of previous.files) {
      if (!merged.some((e) => e.path === f.path) && (await fileSize(safeJoin(dir, f.path))) === f.size) merged.push(f);
    }
    mergedOnly = previous.only === null ? null : [...new Set([...previous.only, ...mergedOnly])];
  }
  merged.sort((a, b) => a.path.localeCompare(b.path));
  const manifest: ModelManifest = {
    format: 1,
    repo: opts.repo,
    revision,
    commit,
    endpoint,
    only: mergedOnly,
    pulledAt: new Date().toISOString(),
    totalBytes: merged.reduce((sum, f) => sum + f.size, 0),
    files: merged,
  };
  await writeManifest(dir, manifest);
  emit({ type: 'done', dir, downloadedBytes, totalBytes });
  return { dir, manifest, downloadedBytes, skippedFiles };
}
