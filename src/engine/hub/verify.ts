/** Content checks for downloaded files: sha256 for LFS/Xet objects, git blob sha1 for the rest. */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FileDigests {
  size: number;
  sha256?: string;
  gitSha1?: string;
}

/** One read of the file computes the requested digests; git hashes "blob <size>\0" + content. */
export async function digestFile(path: string, want: { sha256?: boolean; gitSha1?: boolean; expectedSize: number }): Promise<FileDigests> {
  const sha256 = want.sha256 ? createHash('sha256') : undefined;
  const sha1 = want.gitSha1 ? createHash('sha1') : undefined;
  sha1?.update(`blob ${want.expectedSize}\0`);
  const hashes = [sha256, sha1].filter((h): h is Hash => h !== undefined);
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (const h of hashes) h.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: sha256?.digest('hex'), gitSha1: sha1?.digest('hex') };
}
