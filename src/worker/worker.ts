import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { Job, JobKind, JobResults, MediaRef } from '../domain/job.js';
import type { GenerationService } from '../services/generation.js';
import type { MediaService } from '../services/media.js';
import { type ModerationService, refusalReason } from '../services/moderation.js';
import type { ProvenanceService } from '../services/provenance.js';
import { jobOutputKey } from '../domain/output-keys.js';
import { NSFW_ERROR, NSFW_INPUT_ERROR, type ModerationRecord } from '../domain/moderation.js';
import type { Claimer, ClaimSource } from '../queue/dispatcher.js';
import { InputRefused, JobFailure, type JobRunner, type RunOutput } from './runner.js';

const PROGRESS_WRITE_MS = 250;

export interface WorkerDeps {
  config: Config;
  generation: GenerationService;
  media: MediaService;
  runners: JobRunner[];
  /** Output moderation (policy flag or block); null or absent = off. */
  moderation?: ModerationService | null;
  /** C2PA signing of outputs before they are stored; null or absent = off. */
  provenance?: ProvenanceService | null;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

type StopReason = 'canceled' | 'lease_lost' | 'draining';

/**
 * N job slots in this process. The dispatcher's claim source fills them (lease loops over the
 * jobs table, or ids delivered by BullMQ); each claimed job is heartbeated, run by the runner
 * for its kind, its outputs stored, and ended through GenerationService.finishJob.
 */
export class WorkerPool {
  readonly id = `w-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly runners = new Map<JobKind, JobRunner>();
  private readonly running = new Map<string, AbortController>();
  private source: ClaimSource | null = null;
  private recoveryTimer: NodeJS.Timeout | null = null;
  private readonly onCancel = (jobIds: string[]) => {
    for (const id of jobIds) this.running.get(id)?.abort('canceled' satisfies StopReason);
  };

  constructor(private readonly deps: WorkerDeps) {
    for (const r of deps.runners) this.runners.set(r.kind, r);
  }

  get active(): number {
    return this.running.size;
  }

  get loopCount(): number {
    return this.source?.slots ?? 0;
  }

  start(count: number) {
    const { generation, config } = this.deps;
    generation.wake.on('cancel', this.onCancel);
    this.source = generation.dispatcher.claimSource();
    this.source.start(this.claimer(), count);
    const recover = () =>
      generation
        .recoverExpiredLeases()
        .then(() => generation.redispatchQueued(config.leaseMs))
        .catch((e) => this.deps.log?.('lease recovery failed', { err: String(e) }));
    void recover();
    this.recoveryTimer = setInterval(() => void recover(), Math.max(1000, this.deps.config.leaseMs / 2));
    this.recoveryTimer.unref();
  }

  /**
   * Stop taking work. Running jobs get `graceMs` to finish; after that they are aborted and go
   * back to the queue for another worker.
   */
  async stop(graceMs = 30_000) {
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    const all = this.source?.stop() ?? Promise.resolve();
    const timedOut = await Promise.race([all.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) for (const c of this.running.values()) c.abort('draining' satisfies StopReason);
    await all;
    this.deps.generation.wake.off('cancel', this.onCancel);
  }

  /** The pool as claim sources see it: guarded claims for the kinds it has runners for, and runJob. */
  private claimer(): Claimer {
    const { generation, log } = this.deps;
    const kinds = [...this.runners.keys()];
    return {
      id: this.id,
      log,
      claimNext: (workerId) => generation.claimNext(workerId, kinds),
      claimById: async (id, workerId) => {
        const job = await generation.claimById(id, workerId, kinds);
        if (job) return job;
        const row = await generation.job(id);
        return row?.status === 'queued' && !this.runners.has(row.kind) ? 'other_kind' : 'not_queued';
      },
      run: (job, workerId) => this.runJob(job, workerId),
    };
  }

  private async runJob(job: Job, workerId: string) {
    const { config, generation, media } = this.deps;
    const controller = new AbortController();
    this.running.set(job.id, controller);
    const beat = async () => {
      try {
        const hb = await generation.heartbeat(job.id, workerId);
        if (!hb.owned) controller.abort('lease_lost' satisfies StopReason);
        else if (hb.cancel) controller.abort('canceled' satisfies StopReason);
      } catch (e) {
        this.deps.log?.('heartbeat failed', { job: job.id, err: String(e) });
      }
    };
    const heartbeat = setInterval(() => void beat(), config.heartbeatMs);
    let lastProgress = 0;
    // Images the runner read: the inputs its output's content credentials name as ingredients.
    const inputs: Buffer[] = [];
    const inputReviews: ModerationRecord[] = [];
    await generation.lifecycle.started(job);
    const ctx = {
      job,
      signal: controller.signal,
      progress: (step: number, total: number) => {
        void generation.lifecycle.progress(job, step, total);
        const now = Date.now();
        if (step < total && now - lastProgress < PROGRESS_WRITE_MS) return;
        lastProgress = now;
        void generation.recordProgress(job, workerId, step, total).catch(() => {});
      },
      loadImage: async (url: string) => {
        const bytes = await media.loadImage(url, job.accountId, controller.signal);
        await this.moderateInput(job, bytes, inputReviews);
        inputs.push(bytes);
        return bytes;
      },
      readSet: async () => {
        const set = await generation.get(job.jobSetId, job.accountId);
        if (!set) throw new JobFailure('This request no longer exists');
        const output = async (ref: MediaRef) => {
          const bytes = await media.readOwn(ref.key, job.accountId);
          if (!bytes) throw new JobFailure('An output this job needs is gone (deleted or past retention)');
          return bytes;
        };
        return { jobs: set.jobs, output };
      },
      log: (msg: string, extra?: Record<string, unknown>) => this.deps.log?.(msg, { job: job.id, kind: job.kind, ...extra }),
    };
    try {
      const runner = this.runners.get(job.kind);
      if (!runner) throw new JobFailure(`No runner for job kind ${job.kind}`);
      const out = await runner.run(ctx);
      if (controller.signal.aborted) throw controller.signal.reason;
      const review = await this.moderate(job, out);
      if (controller.signal.aborted) throw controller.signal.reason;
      const extras = {
        ...job.extras,
        ...out.extras,
        ...(review ? { moderation: review } : {}),
        ...(inputReviews.length ? { input_moderation: inputReviews } : {}),
      };
      if (out.nsfw || review?.verdict === 'blocked') {
        // Withheld: nothing is stored, so no URL to it can ever exist.
        await generation.finishJob(job, { status: 'in_progress', workerId }, { status: 'nsfw', results: null, error: NSFW_ERROR, extras });
      } else {
        const results = await this.storeOutputs(job, await this.credential(job, out, extras, inputs));
        await generation.finishJob(job, { status: 'in_progress', workerId }, { status: 'completed', results, error: null, extras });
      }
    } catch (err) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : null;
      if (err instanceof InputRefused && !reason) {
        // Refused before generating: no output exists; refunded like any nsfw end.
        await generation.finishJob(
          job,
          { status: 'in_progress', workerId },
          { status: 'nsfw', results: null, error: NSFW_INPUT_ERROR, extras: { ...job.extras, input_moderation: inputReviews } },
        );
      } else if (reason === 'draining') {
        if (await generation.release(job, workerId))
          await generation.announce([{ id: job.id, kind: job.kind, priority: job.priority, attempts: job.attempts }]);
      } else if (reason === 'lease_lost') {
        // Another worker owns it now; this run's result is dropped.
      } else if (reason === 'canceled') {
        await generation.finishJob(job, { status: 'in_progress', workerId }, { status: 'canceled', error: 'Canceled by the user' });
      } else {
        const message =
          err instanceof JobFailure || err instanceof DomainError ? err.message : 'Generation failed because of an internal error';
        if (!(err instanceof JobFailure || err instanceof DomainError))
          this.deps.log?.('job crashed', { job: job.id, err: err instanceof Error ? err.stack : String(err) });
        await generation.finishJob(job, { status: 'in_progress', workerId }, { status: 'failed', error: message });
      }
    } finally {
      clearInterval(heartbeat);
      this.running.delete(job.id);
    }
  }

  /**
   * Every image a job reads (image-to-image references, DoP stills, Soul ID photos) is classified
   * as the runner reads it, under the input mode; under `block` one that crosses a threshold is
   * refused (InputRefused) before anything is generated from it.
   */
  private async moderateInput(job: Job, bytes: Buffer, reviews: ModerationRecord[]): Promise<void> {
    const moderation = this.deps.moderation;
    if (!moderation?.checksInputs) return;
    let review: ModerationRecord;
    try {
      review = await moderation.reviewInput(bytes);
    } catch (e) {
      this.deps.log?.('input moderation failed', { job: job.id, err: e instanceof Error ? e.stack : String(e) });
      throw new JobFailure('Content moderation could not check an input image, so the job did not run');
    }
    reviews.push(review);
    if (review.verdict === 'blocked') throw new InputRefused(`refused by content moderation (${refusalReason(review)})`);
  }

  /**
   * Classifies the generated files before anything is stored. A classifier that cannot run fails
   * the job (refunded) rather than letting unreviewed output through.
   */
  private async moderate(job: Job, out: RunOutput): Promise<ModerationRecord | null> {
    const moderation = this.deps.moderation;
    if (!moderation?.appliesTo(job.kind)) return null;
    try {
      return await moderation.review([out.raw, ...(out.poster ? [out.poster] : [])]);
    } catch (e) {
      this.deps.log?.('moderation failed', { job: job.id, err: e instanceof Error ? e.stack : String(e) });
      throw new JobFailure('Content moderation could not check the output, so it was not delivered');
    }
  }

  /** Embeds the C2PA manifest in every output file; an output that cannot carry it is not delivered. */
  private async credential(job: Job, out: RunOutput, extras: Record<string, unknown>, inputs: Buffer[]): Promise<RunOutput> {
    const provenance = this.deps.provenance;
    if (!provenance?.appliesTo(job.kind)) return out;
    try {
      const [raw, min, poster] = await provenance.sign(job, extras, [out.raw, out.min, ...(out.poster ? [out.poster] : [])], inputs);
      return { ...out, raw, min, ...(poster ? { poster } : {}) };
    } catch (e) {
      this.deps.log?.('content credentials failed', { job: job.id, err: e instanceof Error ? e.stack : String(e) });
      throw new JobFailure('The output could not be signed with its content credentials, so it was not delivered');
    }
  }

  private async storeOutputs(job: Job, out: RunOutput): Promise<JobResults> {
    const { media, config } = this.deps;
    const keep = config.outputRetentionS;
    const put = (name: string, blob: RunOutput['raw']) =>
      media.put(job.accountId, 'output', blob, keep, jobOutputKey(job.accountId, job.id, name, blob.contentType));
    const raw = await put('raw', out.raw);
    const min = await put('min', out.min);
    const poster = out.poster ? await put('poster', out.poster) : undefined;
    const overlay = out.overlay ? await put('overlay', out.overlay) : undefined;
    return { raw, min, ...(poster ? { poster } : {}), ...(overlay ? { overlay } : {}) };
  }
}
