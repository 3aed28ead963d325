/** Types of the Hugging Face hub client and its on-disk model cache. */

export interface PullOptions {
  /** "owner/name". */
  repo: string;
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** fnmatch-style patterns on repo paths ('*' also crosses '/', a trailing '/' means the folder). */
  only?: string[];
  /** Root of the model cache (layout in cache.ts). */
  cacheDir: string;
  /** Hub base URL; default $HF_ENDPOINT, then https://huggingface.co. */
  endpoint?: string;
  /** Access token sent as `Authorization: Bearer`; default $HF_TOKEN. */
  token?: string;
  onProgress?: (event: PullProgressEvent) => void;
  signal?: AbortSignal;
  /** Attempts per file on network errors and 5xx/408/429 replies, resuming each time (default 5). */
  attempts?: number;
  /** First retry delay in ms, doubled per retry (default 1000). */
  retryDelayMs?: number;
  /** Injected for tests; default global fetch. */
  fetchImpl?: typeof fetch;
}

/** One file of a repo listing (hub tree API). */
export interface HubFile {
  path: string;
  size: number;
  /** Git blob sha1 of the stored object (for LFS files: of the pointer). */
  gitOid?: string;
  /** sha256 of the content, given for LFS/Xet files. */
  sha256?: string;
}

export type PullProgressEvent =
  | { type: 'listing'; repo: string; revision: string }
  | { type: 'start'; repo: string; revision: string; commit: string; files: number; totalBytes: number }
  | { type: 'file-start'; path: string; size: number; resumeFrom: number }
  | { type: 'progress'; path: string; fileBytes: number; fileSize: number; doneBytes: number; totalBytes: number }
  | { type: 'file-done'; path: string; size: number; skipped: boolean }
  | { type: 'retry'; path: string; attempt: number; error: string }
  | { type: 'done'; dir: string; downloadedBytes: number; totalBytes: number };

export type VerifiedBy = 'sha256' | 'git-sha1' | 'size';

export interface ManifestFile {
  path: string;
  size: number;
  sha256?: string;
  gitOid?: string;
  /** The strongest check the file passed. */
  verified: VerifiedBy;
}

/** `<model dir>/.opensoul-manifest.json`, written last: a folder without it is not installed. */
export interface ModelManifest {
  format: 1;
  repo: string;
  revision: string;
  commit: string;
  endpoint: string;
  only: string[] | null;
  pulledAt: string;
  totalBytes: number;
  files: ManifestFile[];
}

export interface PullResult {
  dir: string;
  manifest: ModelManifest;
  downloadedBytes: number;
  skippedFiles: number;
}

export interface InstalledModel {
  repo: string;
  revision: string;
  commit: string;
  dir: string;
  files: number;
  totalBytes: number;
  pulledAt: string;
  only: string[] | null;
}
