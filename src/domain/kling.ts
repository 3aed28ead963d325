/**
 * `POST /kling-video/v2.1/pro/image-to-video` read into the one image-to-video request. opensoul
 * has no Kling model: its own video engine (the DoP runner) renders the clip, with the prompt's
 * camera language parsed into the motion library (docs/dialects.md, "Kling": the vocabulary).
 */
import { type DopParams } from './dop.js';
import { type FieldIssue, ValidationError } from './errors.js';
import { FieldReader, type FieldSpec } from './fields.js';
import { findMotion, type MotionChoice, pickMotionsFromPrompt } from './motions.js';
import { randomSeed } from './soul.js';

export const KLING_MODEL = 'kling-video/v2.1/pro/image-to-video';
export const KLING_DURATIONS = [5, 10] as const;
/** Prompts without camera words get a gentle parallax (Parallax Float at 0.4). */
export const KLING_FALLBACK_MOTION: MotionChoice = { id: 'da986167-967d-4b10-b65b-315d2b902892', strength: 0.4 };
const DEFAULT_CFG = 0.5;
const MAX_PROMPT = 2500;

export interface KlingParams {
  dop: DopParams;
  cfgScale: number;
  negativePrompt: string | null;
  /** Where the motions came from: camera words in the prompt, or the fallback. */
  motionsOrigin: 'prompt' | 'fallback';
}

/**
 * Camera words -> library motions. `cfg_scale` (how literally the prompt is followed, 0..1)
 * scales their strengths by 0.5 + cfg_scale, so the default 0.5 keeps them as parsed; motions
 * named in `negative_prompt` are left out; transitions need an end frame, which Kling's
 * image-to-video has not, so they are never picked.
 */
export function klingMotions(
  prompt: string,
  negativePrompt: string | null,
  cfgScale: number,
): { motions: MotionChoice[]; origin: KlingParams['motionsOrigin'] } {
  const unwanted = new Set(pickMotionsFromPrompt(negativePrompt ?? '').map((m) => m.id));
  const factor = 0.5 + cfgScale;
  const motions = pickMotionsFromPrompt(prompt)
    .filter((m) => !unwanted.has(m.id) && !findMotion(m.id)!.startEndFrame)
    .map((m) => ({ id: m.id, strength: Math.round(Math.min(1, m.strength * factor) * 100) / 100 }));
  if (motions.length) return { motions, origin: 'prompt' };
  return { motions: [{ ...KLING_FALLBACK_MOTION }], origin: 'fallback' };
}

/** Kling's image-to-video fields, as readKlingI2V enforces them. */
export const KLING_FIELDS = {
  prompt: {
    kind: 'string',
    required: true,
    min: 1,
    max: MAX_PROMPT,
    description: 'Camera words pick the motions',
    example: 'slow dolly in, then orbit left',
  },
  image_url: { kind: 'url', required: true },
  duration: { kind: 'literal', values: KLING_DURATIONS, default: 5, description: 'Seconds' },
  cfg_scale: {
    kind: 'number',
    min: 0,
    max: 1,
    default: DEFAULT_CFG,
    description: 'How literally the prompt is followed (scales motion strengths)',
  },
  negative_prompt: { kind: 'string', max: MAX_PROMPT, description: 'Motions named here are left out' },
} as const satisfies Record<string, FieldSpec>;

export function readKlingI2V(body: unknown): KlingParams {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const F = KLING_FIELDS;
  const prompt = r.read('prompt', F.prompt);
  const imageUrl = r.read('image_url', F.image_url);
  const duration = r.read('duration', F.duration);
  const cfg = r.read('cfg_scale', F.cfg_scale);
  const negative = r.read('negative_prompt', F.negative_prompt);
  r.forbidExtra();
  r.throwIfInvalid();
  const negativePrompt = negative?.trim() || null;
  const cfgScale = cfg ?? F.cfg_scale.default;
  const { motions, origin } = klingMotions(prompt!, negativePrompt, cfgScale);
  return {
    dop: {
      // "pro": the top tier's 1080p short side and encoding.
      tier: 'standard',
      prompt: prompt!.trim(),
      imageUrl: imageUrl!,
      endImageUrl: null,
      motions,
      motionsFromPrompt: true,
      seed: randomSeed(),
      enhancePrompt: false,
      durationS: duration ?? 5,
      motionsOrigin: origin,
      requestedModel: KLING_MODEL,
    },
    cfgScale,
    negativePrompt,
    motionsOrigin: origin,
  };
}

export function klingInputParams(k: KlingParams): Record<string, unknown> {
  return {
    prompt: k.dop.prompt,
    image_url: k.dop.imageUrl,
    duration: k.dop.durationS,
    cfg_scale: k.cfgScale,
    negative_prompt: k.negativePrompt,
    // opensoul: what renders it (never Kling) and how the prompt was read.
    engine: 'opensoul-dop',
    motions: k.dop.motions,
    motions_origin: k.motionsOrigin,
    seed: k.dop.seed,
  };
}
