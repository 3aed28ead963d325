/** Content moderation rules: which classifier scores end a job `nsfw` or mark its output. */

/** The classifier's five classes (nsfwjs order). */
export const CONTENT_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
export type ContentClass = (typeof CONTENT_CLASSES)[number];
export type ClassScores = Record<ContentClass, number>;

/**
 * off: nothing is classified. flag: outputs are kept and marked when a threshold is crossed.
 * block: such outputs are withheld and the job ends `nsfw` with its refund.
 */
export const MODERATION_MODES = ['off', 'flag', 'block'] as const;
export type ModerationMode = (typeof MODERATION_MODES)[number];

/** A class counts when its probability is at least its threshold; classes absent here never count. */
export type Thresholds = Partial<Record<ContentClass, number>>;

/**
 * Defaults: explicit classes at 0.7 (the classifier puts neutral photos below 0.01 and the
 * README's reported accuracy is about 93%), Sexy only when near-certain, so swimwear and
 * fashion prompts are not withheld on a borderline score.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { Porn: 0.7, Hentai: 0.7, Sexy: 0.95 };
export const DEFAULT_MODERATION_MODE: ModerationMode = 'block';

export interface ModerationPolicy {
  mode: ModerationMode;
  thresholds: Thresholds;
}

/**
 * Reads OPENSOUL_MODERATION_THRESHOLDS: a JSON object of class → probability in [0, 1], merged
 * over the defaults; `null` for a class turns that class off.
 */
export function parseThresholds(text: string): Thresholds {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('must be a JSON object such as {"Porn":0.7}');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a JSON object such as {"Porn":0.7}');
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [name, v] of Object.entries(value)) {
    if (!(CONTENT_CLASSES as readonly string[]).includes(name))
      throw new Error(`unknown class "${name.slice(0, 40)}" (classes: ${CONTENT_CLASSES.join(', ')})`);
    if (v === null) delete out[name as ContentClass];
    else if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`threshold of ${name} must be a number from 0 to 1 or null`);
    else out[name as ContentClass] = v;
  }
  return out;
}

/** Reads OPENSOUL_MODERATION and OPENSOUL_MODERATION_THRESHOLDS; errors name the variable. */
export function moderationPolicy(mode: string | undefined, thresholds: string | undefined): ModerationPolicy {
  const m = mode === undefined || mode === '' ? DEFAULT_MODERATION_MODE : mode.toLowerCase();
  if (!(MODERATION_MODES as readonly string[]).includes(m))
    throw new Error(`OPENSOUL_MODERATION must be one of ${MODERATION_MODES.join(', ')}, got "${m.slice(0, 40)}"`);
  try {
    return { mode: m as ModerationMode, thresholds: thresholds ? parseThresholds(thresholds) : { ...DEFAULT_THRESHOLDS } };
  } catch (e) {
    throw new Error(`OPENSOUL_MODERATION_THRESHOLDS ${(e as Error).message}`);
  }
}

/**
 * Reads OPENSOUL_INPUT_MODERATION, the mode for images users send (uploads, image URLs a job
 * reads, Soul ID photos): off | flag | block, by default the output mode. Thresholds are shared.
 */
export function inputModerationMode(mode: string | undefined, outputMode: ModerationMode): ModerationMode {
  if (mode === undefined || mode === '') return outputMode;
  const m = mode.toLowerCase();
  if (!(MODERATION_MODES as readonly string[]).includes(m))
    throw new Error(`OPENSOUL_INPUT_MODERATION must be one of ${MODERATION_MODES.join(', ')}, got "${m.slice(0, 40)}"`);
  return m as ModerationMode;
}

/** Highest score per class over several samples (frames of a video, outputs of one job). */
export function maxScores(samples: ClassScores[]): ClassScores {
  const out = Object.fromEntries(CONTENT_CLASSES.map((c) => [c, 0])) as ClassScores;
  for (const s of samples) for (const c of CONTENT_CLASSES) out[c] = Math.max(out[c], s[c]);
  return out;
}

/** Classes whose score reaches the policy's threshold. */
export function crossedClasses(scores: ClassScores, thresholds: Thresholds): ContentClass[] {
  return CONTENT_CLASSES.filter((c) => thresholds[c] !== undefined && scores[c] >= thresholds[c]!);
}

/** What the job's extras record (`extras.moderation`), and what the surfaces read. */
export interface ModerationRecord {
  /** pass: nothing crossed; flagged: crossed under `flag`; blocked: crossed under `block`. */
  verdict: 'pass' | 'flagged' | 'blocked';
  /** Highest score per class over every sample classified. */
  scores: ClassScores;
  classes: ContentClass[];
  /** Images and video frames classified. */
  samples: number;
  model: string;
}

/** The verdict for scores under a policy whose mode is flag or block. */
export function judge(scores: ClassScores, policy: ModerationPolicy): Pick<ModerationRecord, 'verdict' | 'classes'> {
  const classes = crossedClasses(scores, policy.thresholds);
  if (!classes.length) return { verdict: 'pass', classes };
  return { verdict: policy.mode === 'block' ? 'blocked' : 'flagged', classes };
}

/** True when a job's extras say its output crossed a threshold (flag mode keeps such outputs). */
export function isFlagged(extras: Record<string, unknown>): boolean {
  const m = extras.moderation as Partial<ModerationRecord> | undefined;
  return m?.verdict === 'flagged';
}

/** The job error of a withheld output; dialects may word it their own way. */
export const NSFW_ERROR = 'The output was flagged as NSFW';
/** The job error when an input image was refused before generating. */
export const NSFW_INPUT_ERROR = 'An input image was flagged as NSFW';
