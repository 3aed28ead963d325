import type { Job, JobKind, MediaRef } from '../domain/job.js';
import type { StoredBlob } from '../domain/media.js';

export type { StoredBlob };

export interface RunContext {
  job: Job;
  /** Aborted when the job is canceled or the worker drains; check between steps. */
  signal: AbortSignal;
  /** Persist per-step progress (throttled by the worker). */
  progress(step: number, total: number): void;
  /**
   * Bytes of a user-supplied image URL: this server's own media and uploads are read locally,
   * everything else goes through the SSRF-safe fetcher with size and pixel limits.
   */
  loadImage(url: string): Promise<Buffer>;
  /** The jobs of this job's set as stored now, and the bytes of their outputs (a series' concatenation reads its clips). */
  readSet(): Promise<{ jobs: Job[]; output(ref: MediaRef): Promise<Buffer> }>;
  /** The worker's log, tagged with this job: for what the job's extras record but an operator should see too (fallbacks). */
  log(msg: string, extra?: Record<string, unknown>): void;
}

export interface RunOutput {
  raw: StoredBlob;
  min: StoredBlob;
  poster?: StoredBlob;
  /** A second version of the image with overlay copy (carousel slides). */
  overlay?: StoredBlob;
  /** Ends the job as nsfw instead of completed (refunded). */
  nsfw?: boolean;
  extras?: Record<string, unknown>;
}

export interface JobRunner {
  kind: JobKind;
  run(ctx: RunContext): Promise<RunOutput>;
}

/** A failure whose message is safe and useful to show the API caller. */
export class JobFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFailure';
  }
}

/**
 * An input image that moderation refused (input mode block), thrown by RunContext.loadImage.
 * The job ends `nsfw` unless its runner can do without that image (Soul ID drops the photo).
 */
export class InputRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputRefused';
  }
}

export type { MediaRef };
