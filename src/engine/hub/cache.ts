/**
 * The model cache on disk:
 *
 *   <cacheDir>/<owner>--<name>/<revision>/            files at their repo paths
 *   <cacheDir>/<owner>--<name>/<revision>/.opensoul-manifest.json
 *
 * `<revision>` is the name asked for ("main", a tag, or a commit), percent-encoded when it
 * holds characters such as '/'. Files are downloaded to `<file>.part` beside their final path
 * and renamed into place once verified; the manifest (commit, sizes, hashes, how each file
 * was verified) is written last, atomically, so a folder without one is not an installed model.
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { InstalledModel, ModelManifest } from './types.js';

export const MANIFEST_FILE = '.opensoul-manifest.json';
export const PART_SUFFIX = '.part';

export function repoDirName(repo: string): string {
  return repo.replace('/', '--');
}

export function revisionDirName(revision: string): string {
  return /^[A-Za-z0-9._-]+$/.test(revision) && revision !== '.' && revision !== '..' ? revision : encodeURIComponent(revision);
}

export function modelDir(cacheDir: string, repo: string, revision: string): string {
  return join(resolve(cacheDir), repoDirName(repo), revisionDirName(revision));
}

/** The absolute path of a repo file inside a model folder; refuses paths that would escape it. */
export function safeJoin(dir: string, repoPath: string): string {
  const segments = repoPath.split('/');
  if (
    repoPath.length === 0 ||
    repoPath.includes('\\') ||
    repoPath.includes('\0') ||
    repoPath.startsWith('/') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new Error(`unsafe path in the repository listing: ${JSON.stringify(repoPath)}`);
  }
  const full = resolve(dir, ...segments);
  if (!full.startsWith(resolve(dir) + sep)) throw new Error(`unsafe path in the repository listing: ${JSON.stringify(repoPath)}`);
  return full;
}

export async function readManifest(dir: string): Promise<ModelManifest | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ModelManifest;
    return parsed.format === 1 && Array.isArray(parsed.files) ? parsed : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${MANIFEST_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, join(dir, MANIFEST_FILE));
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Installed models (folders with a manifest), sorted by repo then revision. */
export async function listModels(cacheDir: string): Promise<InstalledModel[]> {
  const root = resolve(cacheDir);
  const out: InstalledModel[] = [];
  for (const repoDir of await subdirs(root)) {
    for (const revDir of await subdirs(join(root, repoDir))) {
      const dir = join(root, repoDir, revDir);
      const manifest = await readManifest(dir);
      if (!manifest) continue;
      out.push({
        repo: manifest.repo,
        revision: manifest.revision,
        commit: manifest.commit,
        dir,
        files: manifest.files.length,
        totalBytes: manifest.totalBytes,
        pulledAt: manifest.pulledAt,
        only: manifest.only,
      });
    }
  }
  return out.sort((a, b) => a.repo.localeCompare(b.repo) || a.revision.localeCompare(b.revision));
}

/** Folder of an installed model, or undefined when it was never pulled (completely). */
export async function findInstalledModel(cacheDir: string, repo: string, revision = 'main'): Promise<string | undefined> {
  const dir = modelDir(cacheDir, repo, revision);
  return (await readManifest(dir)) ? dir : undefined;
}
