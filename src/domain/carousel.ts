/**
 * `POST /social/carousel/instagram`: a brief (`topic`) -> 2..10 slides, each an image with its
 * overlay copy, plus caption and hashtags. The plan is written by an LLM when one is configured
 * (src/services/social-planner.ts) or by the deterministic template planner here.
 */
import { type FieldIssue, ValidationError } from './errors.js';
import { FieldReader, type FieldSpec } from './fields.js';
import { mulberry32, pick, shuffled } from './mulberry32.js';
import { CREATOR_BRIEF_FIELDS, type CreatorBrief, readCreatorBrief, shortTopic } from './creator-brief.js';

export const CAROUSEL_RATIOS = ['4:5', '3:4'] as const;
export type CarouselRatio = (typeof CAROUSEL_RATIOS)[number];
/** Instagram's portrait sizes; slides are generated at the nearest Soul size and cover-cropped. */
export const CAROUSEL_SIZES: Record<CarouselRatio, { width: number; height: number; soulSize: '1536x2048' }> = {
  '4:5': { width: 1080, height: 1350, soulSize: '1536x2048' },
  '3:4': { width: 1080, height: 1440, soulSize: '1536x2048' },
};
export const CAROUSEL_MIN_SLIDES = 2;
export const CAROUSEL_MAX_SLIDES = 10;
export const CAROUSEL_DEFAULT_SLIDES = 7;

export interface CarouselRequest extends CreatorBrief {
  slideCount: number;
  aspectRatio: CarouselRatio;
}

export interface CarouselSlide {
  index: number;
  image_prompt: string;
  overlay_text: string;
}

export interface CarouselPlan {
  slides: CarouselSlide[];
  caption: string;
  hashtags: string[];
  planner: 'llm' | 'template';
  /** The language the copy is written in (the template planner writes English only). */
  language: string;
  /** Why the LLM was not used, when one is configured. */
  fallback_reason?: string;
}

/** The carousel body, as readCarousel enforces it. */
export const CAROUSEL_FIELDS = {
  ...CREATOR_BRIEF_FIELDS,
  slide_count: { kind: 'number', int: true, min: CAROUSEL_MIN_SLIDES, max: CAROUSEL_MAX_SLIDES, default: CAROUSEL_DEFAULT_SLIDES },
  aspect_ratio: { kind: 'literal', values: CAROUSEL_RATIOS, default: '4:5' },
} as const satisfies Record<string, FieldSpec>;

export function readCarousel(body: unknown): CarouselRequest {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const F = CAROUSEL_FIELDS;
  const brief = readCreatorBrief(r);
  const slideCount = r.read('slide_count', F.slide_count);
  const ratio = r.read('aspect_ratio', F.aspect_ratio);
  r.forbidExtra();
  r.throwIfInvalid();
  return {
    ...brief,
    slideCount: slideCount ?? F.slide_count.default,
    aspectRatio: ratio ?? F.aspect_ratio.default,
  };
}

// ---------------------------------------------------------------------------------------------
// The template planner: same request, same plan.

const HOOKS = ['{T}: what nobody tells you', 'Stop scrolling: {T}', '{T}, explained in {N} slides', 'The {T} guide you will save'];
const POINTS = [
  'Start with the basics',
  'The one mistake to avoid',
  'A detail that changes everything',
  'Do this every day',
  'What the pros do differently',
  'The quick win',
  'Why it works',
  'The tool that helps',
  'Keep it simple',
];
const CLOSERS = ['Save this for later', 'Share it with someone who needs it', 'Follow for part two'];
const LOOKS = [
  'soft natural light, clean background',
  'bold colours, graphic composition',
  'close-up detail shot',
  'wide establishing shot',
  'flat lay from above',
  'lifestyle scene, candid moment',
  'minimal studio set',
];
const STOP = new Set([
  'the',
  'a',
  'an',
  'and',
  'or',
  'of',
  'for',
  'to',
  'in',
  'on',
  'with',
  'how',
  'your',
  'you',
  'my',
  'is',
  'are',
  'at',
  'by',
  'from',
  'about',
  'this',
  'that',
]);

export function hashtagsFor(topic: string, extra: string[] = []): string[] {
  const words = topic
    .toLowerCase()
    .replace(/[^a-z0-9\s]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 2 && !STOP.has(w));
  const tags = [...new Set([words.join(''), ...words, ...extra])].filter((w) => w && w.length <= 30).slice(0, 8);
  return tags.map((w) => `#${w}`);
}

/** Hook, points, closer: N slides whose prompts share the topic and a look, so the set reads as one. */
export function templateCarouselPlan(req: CarouselRequest): CarouselPlan {
  const rnd = mulberry32(req.seed);
  const topic = shortTopic(req.topic);
  const look = pick(LOOKS, rnd);
  const points = shuffled(POINTS, rnd);
  const slides: CarouselSlide[] = [];
  for (let i = 0; i < req.slideCount; i++) {
    const first = i === 0;
    const last = i === req.slideCount - 1 && req.slideCount > 2;
    const overlay = first
      ? pick(HOOKS, rnd).replace('{T}', topic).replace('{N}', String(req.slideCount))
      : last
        ? pick(CLOSERS, rnd)
        : `${i}. ${points[(i - 1) % points.length]}`;
    const scene = first ? 'eye-catching hero image' : last ? 'inviting closing image' : `illustration of step ${i}`;
    slides.push({ index: i, image_prompt: `${req.topic}, ${scene}, ${look}, instagram carousel slide, no text`, overlay_text: overlay });
  }
  return {
    slides,
    caption: `${topic} in ${req.slideCount} slides. Swipe through, save it, and tell us which tip you will try first.`,
    hashtags: hashtagsFor(req.topic, ['carousel', 'tips']),
    planner: 'template',
    language: 'en',
  };
}
