/**
 * Cache for catalog previews (motion clips, style images): rendered once per version, kept in
 * memory and, given a file, on disk under the data dir, so a restart does not render the whole
 * catalog again. Shared by src/engine/video/motion-preview.ts and
 * src/engine/diffusion/style-preview.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const isCode = (f: string) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts');

/**
 * Hash of a renderer's source files: every code file under `root`, plus `extra` paths relative
 * to it (a directory: its code files, recursively; otherwise a module named without its
 * extension). Part of a preview's version, so changing the renderer renders previews again
 * without anyone having to remember to bump a number.
 */
export async function sourceDigest(root: string, extra: string[] = []): Promise<string> {
  const files = (await readdir(root, { recursive: true })).filter(isCode);
  for (const e of extra) {
    const abs = path.join(root, e);
    if ((await stat(abs).catch(() => null))?.isDirectory()) {
      files.push(...(await readdir(abs, { recursive: true })).filter(isCode).map((f) => path.join(e, f)));
    } else {
      const dir = path.dirname(e);
      const name = path.basename(e);
      files.push(
        ...(await readdir(path.join(root, dir))).filter((f) => isCode(f) && f.replace(/\.\w+$/, '') === name).map((f) => path.join(dir, f)),
      );
    }
  }
  files.sort();
  const hash = createHash('sha256');
  for (const f of files)
    hash
      .update(f)
      .update('\0')
      .update(await readFile(path.join(root, f)))
      .update('\0');
  return hash.digest('hex');
}

/** The cached bytes, or null: missing, torn or foreign files (`accept` says no) are rendered again. */
export async function readCachedFile(file: string, accept: (bytes: Buffer) => boolean): Promise<Buffer | null> {
  const bytes = await readFile(file).catch(() => null);
  return bytes && accept(bytes) ? bytes : null;
}

/**
 * Writes via a temporary file and a rename, so a reader (or a crash) never sees half a file;
 * then removes the same entry's files of other versions (`<entry>-<version><ext>`). The cache
 * only saves work: a failed write is dropped and the bytes are still served.
 */
export async function writeCachedFile(file: string, bytes: Buffer): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined);
    return;
  }
  const name = path.basename(file);
  const ext = path.extname(name);
  const prefix = name.slice(0, name.lastIndexOf('-') + 1);
  const stale = (await readdir(dir).catch(() => [] as string[])).filter((f) => f !== name && f.startsWith(prefix) && f.endsWith(ext));
  await Promise.all(stale.map((f) => rm(path.join(dir, f), { force: true }).catch(() => undefined)));
}

/** Memory in front of the disk: one promise per key, so concurrent first requests render once. */
export class PreviewCache {
  private readonly memory = new Map<string, Promise<Buffer>>();

  /** @param accept whether bytes read back from disk are a whole file of the right kind */
  constructor(private readonly accept: (bytes: Buffer) => boolean) {}

  /** Forgets what is held in memory (as a restart would); disk copies stay. */
  clear(): void {
    this.memory.clear();
  }

  /**
   * From memory, else from `file()` (null: no disk cache for this entry), else `render()`d and
   * stored there. A failed render is not kept, so a later request can try again.
   */
  get(key: string, file: () => Promise<string | null>, render: () => Promise<Buffer>): Promise<Buffer> {
    let bytes = this.memory.get(key);
    if (!bytes) {
      bytes = (async () => {
        const f = await file();
        const cached = f ? await readCachedFile(f, this.accept) : null;
        if (cached) return cached;
        const fresh = await render();
        if (f) await writeCachedFile(f, fresh);
        return fresh;
      })();
      const mine = bytes;
      bytes.catch(() => {
        if (this.memory.get(key) === mine) this.memory.delete(key);
      });
      this.memory.set(key, bytes);
    }
    return bytes;
  }
}
