import { type ClassScores, type ModerationPolicy, type ModerationRecord, judge, maxScores } from '../domain/moderation.js';
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
 * Output moderation under the configured policy (mode flag or block). Generated media only:
 * Soul images and DoP videos; a Soul ID job's thumbnail is a crop of the owner's own photo.
 */
export class ModerationService {
  static readonly KINDS: ReadonlySet<JobKind> = new Set(['soul', 'dop', 'series_clip']);

  constructor(
    private readonly scorer: ContentScorer,
    readonly policy: ModerationPolicy,
  ) {
    if (policy.mode === 'off') throw new Error('ModerationService needs mode flag or block; build none for off');
  }

  appliesTo(kind: JobKind): boolean {
    return ModerationService.KINDS.has(kind);
  }

  readiness() {
    return this.scorer.readiness();
  }

  /** Scores every file (all sampled frames of a video) and judges the highest score per class. */
  async review(media: ReviewedMedia[]): Promise<ModerationRecord> {
    const samples: ClassScores[] = [];
    for (const m of media) {
      if (m.type === 'video') samples.push(...(await this.scorer.classifyVideo(m.bytes)));
      else samples.push(await this.scorer.classifyImage(m.bytes));
    }
    const scores = maxScores(samples);
    const rounded = Object.fromEntries(Object.entries(scores).map(([c, v]) => [c, Math.round(v * 10_000) / 10_000])) as ClassScores;
    return { ...judge(scores, this.policy), scores: rounded, samples: samples.length, model: this.scorer.model };
  }
}
