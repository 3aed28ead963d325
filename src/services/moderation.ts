import {
  type ClassScores,
  type ModerationMode,
  type ModerationPolicy,
  type ModerationRecord,
  judge,
  maxScores,
} from '../domain/moderation.js';
import type { JobKind } from '../domain/job.js';

/** The classifier as the service sees it (src/engine/moderation implements it). */
export interface ContentScorer {
  readonly model: string;
  classifyImage(bytes: Buffer): Promise<ClassScores>;
  classifyVideo(bytes: Buffer): Promise<ClassScores[]>;
  readiness(): Promise<{ ready: boolean; model?: string; reason?: string }>;
}

/** A generated file as the worker holds it before storing. */
export interface ReviewedMedia {
  bytes: Buffer;
  type: 'image' | 'video';
}

/**
 * Moderation under the configured policy. Outputs (mode `policy.mode`): generated media only,
 * Soul images and DoP videos; a Soul ID job's thumbnail is a crop of the owner's own photo.
 * Inputs (mode `inputMode`, same thresholds): uploads as they arrive, and every image a job
 * reads (references, DoP stills, Soul ID photos).
 */
export class ModerationService {
  // The joined series video is classified too: its captions and cross-fades are new pixels its clips' reviews never saw.
  static readonly KINDS: ReadonlySet<JobKind> = new Set(['soul', 'dop', 'series_clip', 'series_concat']);

  constructor(
    private readonly scorer: ContentScorer,
    readonly policy: ModerationPolicy,
    readonly inputMode: ModerationMode = policy.mode,
  ) {
    if (policy.mode === 'off' && inputMode === 'off')
      throw new Error('ModerationService needs mode flag or block for outputs or inputs; build none for off');
  }

  /** Whether this job kind's outputs are classified. */
  appliesTo(kind: JobKind): boolean {
    return this.policy.mode !== 'off' && ModerationService.KINDS.has(kind);
  }

  /** Whether input images (uploads, images jobs read) are classified. */
  get checksInputs(): boolean {
    return this.inputMode !== 'off';
  }

  readiness() {
    return this.scorer.readiness();
  }

  /** Scores every file (all sampled frames of a video) and judges the highest score per class. */
  async review(media: ReviewedMedia[]): Promise<ModerationRecord> {
    return this.judged(media, this.policy);
  }

  /** One input image under the input mode. */
  async reviewInput(bytes: Buffer): Promise<ModerationRecord> {
    return this.judged([{ bytes, type: 'image' }], { ...this.policy, mode: this.inputMode });
  }

  private async judged(media: ReviewedMedia[], policy: ModerationPolicy): Promise<ModerationRecord> {
    const samples: ClassScores[] = [];
    for (const m of media) {
      if (m.type === 'video') samples.push(...(await this.scorer.classifyVideo(m.bytes)));
      else samples.push(await this.scorer.classifyImage(m.bytes));
    }
    const scores = maxScores(samples);
    const rounded = Object.fromEntries(Object.entries(scores).map(([c, v]) => [c, Math.round(v * 10_000) / 10_000])) as ClassScores;
    return { ...judge(scores, policy), scores: rounded, samples: samples.length, model: this.scorer.model };
  }
}

/** Why an input was refused, in words a user can act on: the classes and their scores. */
export function refusalReason(review: ModerationRecord): string {
  return review.classes.map((c) => `${c} ${review.scores[c].toFixed(2)}`).join(', ');
}
