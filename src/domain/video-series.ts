/**
 * `POST /social/video-series/{template}`: a brief (`topic`) -> a vertical 9:16 video series of
 * 5 s (or 10 s) clips that together last at least `target_duration` seconds, in the template's
 * structure, plus one concatenated MP4 with transitions and burned-in captions. The plan is
 * written by an LLM when one is configured (src/services/social-planner.ts) or by the
 * deterministic template planner here.
 */
import { CREATOR_BRIEF_FIELDS, type CreatorBrief, readCreatorBrief, shortTopic } from './creator-brief.js';
import type { DopTier } from './dop.js';
import { type FieldIssue, ValidationError } from './errors.js';
import { FieldReader, type FieldSpec } from './fields.js';
import { KLING_FALLBACK_MOTION } from './kling.js';
import { findMotion, type MotionChoice, pickMotionsFromPrompt } from './motions.js';
import { mulberry32, pick, shuffled } from './mulberry32.js';
import { outputSize, type PixelSize, type SoulQuality } from './sizes.js';
import type { SoulJobInput } from './soul.js';

/** A series clip job's input: the Soul keyframe, then the video engine's motions over it. */
export interface SeriesClipInput {
  index: number;
  keyframe: SoulJobInput;
  camera: string;
  motions: MotionChoice[];
  tier: DopTier;
  durationS: 5 | 10;
  seed: number;
}

/** The series' concatenation: its clips in order, each with its caption burned in. */
export interface SeriesConcatInput {
  captions: string[];
  clipDurationS: number;
  transitionS: number;
}

export const SERIES_TEMPLATES = ['tutorial', 'product-showcase', 'cinematic', 'pov', 'faceless-story'] as const;
export type SeriesTemplate = (typeof SERIES_TEMPLATES)[number];
export const SERIES_CLIP_DURATIONS = [5, 10] as const;
export type SeriesClipDuration = (typeof SERIES_CLIP_DURATIONS)[number];
export const SERIES_MIN_DURATION_S = 90;
/** 5 minutes: 67 clips of 5 s at most in one job set (and one LLM answer). */
export const SERIES_MAX_DURATION_S = 300;
/** Each cross-fade overlaps two clips by this much; the clip count covers the overlap. */
export const SERIES_TRANSITION_S = 0.5;
export const SERIES_RESOLUTIONS = ['480p', '720p', '1080p'] as const;
export type SeriesResolution = (typeof SERIES_RESOLUTIONS)[number];
/**
 * Per resolution: the Soul quality of the 9:16 keyframe (its price, and its size: 1152x2048 at
 * 1080p, 768x1366 at 720p) and the DoP tier whose short side is the clip's width (lite 480x854,
 * turbo 720x1280, standard 1080x1920).
 */
export const SERIES_RENDER: Record<SeriesResolution, { quality: SoulQuality; tier: DopTier }> = {
  '480p': { quality: '720p', tier: 'lite' },
  '720p': { quality: '720p', tier: 'turbo' },
  '1080p': { quality: '1080p', tier: 'standard' },
};

/** The keyframe's pixels at a resolution: the 9:16 Soul size at the resolution's quality. */
export const seriesKeyframeSize = (resolution: SeriesResolution): PixelSize => outputSize('1152x2048', SERIES_RENDER[resolution].quality);
/** Motions per scene, as DoP v2 accepts them. */
export const SERIES_MAX_MOTIONS = 2;

export interface VideoSeriesRequest extends CreatorBrief {
  template: SeriesTemplate;
  targetDurationS: number;
  clipDurationS: SeriesClipDuration;
  resolution: SeriesResolution;
}

export interface SeriesScene {
  index: number;
  /** The template's beat this scene plays ("step 3", "reveal", "climax"). */
  beat: string;
  image_prompt: string;
  /** Camera language, parsed into the motion library (the Kling vocabulary). */
  camera: string;
  motions: (MotionChoice & { name: string })[];
  caption: string;
}

export interface SeriesPlan {
  template: SeriesTemplate;
  title: string;
  scenes: SeriesScene[];
  clip_duration: SeriesClipDuration;
  transition_s: number;
  target_duration: number;
  /** Seconds of the concatenated video when every transition is a cross-fade. */
  planned_duration: number;
  planner: 'llm' | 'template';
  language: string;
  fallback_reason?: string;
}

export const VIDEO_SERIES_FIELDS = {
  ...CREATOR_BRIEF_FIELDS,
  topic: { ...CREATOR_BRIEF_FIELDS.topic, example: 'how to repot a houseplant' },
  target_duration: {
    kind: 'number',
    int: true,
    min: SERIES_MIN_DURATION_S,
    max: SERIES_MAX_DURATION_S,
    default: SERIES_MIN_DURATION_S,
    description: 'Seconds the concatenated video lasts at least',
  },
  clip_duration: { kind: 'literal', values: SERIES_CLIP_DURATIONS, default: 5, description: 'Seconds per clip' },
  resolution: {
    kind: 'literal',
    values: SERIES_RESOLUTIONS,
    default: '720p',
    description: 'Clip width (9:16): 480p drafts are cheaper and faster, 1080p renders at the top tier',
  },
} as const satisfies Record<string, FieldSpec>;

export function readVideoSeries(template: SeriesTemplate, body: unknown): VideoSeriesRequest {
  const issues: FieldIssue[] = [];
  const r = FieldReader.object(body, ['body'], issues);
  if (!r) throw new ValidationError(issues);
  const F = VIDEO_SERIES_FIELDS;
  const brief = readCreatorBrief(r);
  const target = r.read('target_duration', F.target_duration);
  const clip = r.read('clip_duration', F.clip_duration);
  const resolution = r.read('resolution', F.resolution);
  r.forbidExtra();
  r.throwIfInvalid();
  return {
    template,
    ...brief,
    targetDurationS: target ?? F.target_duration.default,
    clipDurationS: clip ?? F.clip_duration.default,
    resolution: resolution ?? F.resolution.default,
  };
}

/** Clips needed so that N clips joined by N-1 cross-fades last at least the target. */
export function seriesClipCount(targetS: number, clipS: number, transitionS = SERIES_TRANSITION_S): number {
  return Math.max(2, Math.ceil((targetS - transitionS) / (clipS - transitionS)));
}

export function seriesDuration(clips: number, clipS: number, transitionS = SERIES_TRANSITION_S): number {
  return clips * clipS - (clips - 1) * transitionS;
}

/** Camera words -> at most two library motions; no camera words: a gentle parallax. */
export function sceneMotions(camera: string): SeriesScene['motions'] {
  const picked = pickMotionsFromPrompt(camera)
    .filter((m) => !findMotion(m.id)!.startEndFrame)
    .slice(0, SERIES_MAX_MOTIONS);
  const motions = picked.length ? picked : [{ ...KLING_FALLBACK_MOTION }];
  return motions.map((m) => ({ ...m, name: findMotion(m.id)!.name }));
}

// ---------------------------------------------------------------------------------------------
// The template planner: same request, same plan.

interface Beat {
  beat: string;
  scene: string;
  caption: string;
}

/** Each template: its opening beats, a repeating middle and its closing beats; {T} is the topic, {N} a counter. */
const STRUCTURES: Record<
  SeriesTemplate,
  { open: Beat[]; middle: Beat[]; close: Beat[]; look: string[]; cameras: string[]; title: string }
> = {
  tutorial: {
    title: '{T}: a step-by-step tutorial',
    open: [
      { beat: 'hook', scene: 'the finished result, eye-catching hero shot', caption: '{HOWTO}' },
      { beat: 'tools', scene: 'everything you need laid out on a table', caption: 'What you need' },
    ],
    middle: [{ beat: 'step {N}', scene: 'hands doing step {N}, clear close-up', caption: 'Step {N}: {POINT}' }],
    close: [
      { beat: 'result', scene: 'the finished result, proud reveal', caption: 'And that is it' },
      { beat: 'call to action', scene: 'inviting wide shot of the workspace', caption: 'Save this and try it today' },
    ],
    look: ['bright daylight, clean workspace', 'warm tungsten light, cosy home', 'top-down studio light, neutral backdrop'],
    cameras: ['slow push in', 'overhead drift', 'slow pan right', 'gentle dolly out', 'slow tilt down', 'handheld'],
  },
  'product-showcase': {
    title: '{T}: product showcase',
    open: [
      { beat: 'teaser', scene: 'dramatic silhouette of the product, rim light', caption: 'Meet {T}' },
      { beat: 'reveal', scene: 'full reveal of the product on a pedestal', caption: 'Designed for you' },
    ],
    middle: [
      { beat: 'feature {N}', scene: 'macro detail of feature {N} of the product', caption: 'Feature {N}: {POINT}' },
      { beat: 'in use {N}', scene: 'the product in everyday use, lifestyle scene', caption: '{POINT}' },
    ],
    close: [
      { beat: 'hero', scene: 'hero shot of the product, glossy reflections', caption: '{T}' },
      { beat: 'call to action', scene: 'the product with its packaging', caption: 'Get yours today' },
    ],
    look: ['studio product photography, seamless backdrop', 'luxury dark set, specular highlights', 'pastel set, soft shadows'],
    cameras: ['slow orbit left', 'slow push in', 'orbit right', 'crane up', 'light sweep', 'slow dolly out'],
  },
  cinematic: {
    title: '{T}: a short film',
    open: [
      { beat: 'establishing', scene: 'vast establishing shot of the world', caption: '{T}' },
      { beat: 'character', scene: 'the protagonist in their world, pensive', caption: 'It started quietly' },
    ],
    middle: [{ beat: 'rising {N}', scene: 'rising tension, moment {N} of the journey', caption: '{POINT}' }],
    close: [
      { beat: 'climax', scene: 'the climax, intense dramatic moment', caption: 'Everything changed' },
      { beat: 'resolution', scene: 'calm resolution at golden hour', caption: 'And then, silence' },
    ],
    look: ['anamorphic film look, teal and orange grade', 'moody noir lighting, deep shadows', 'epic golden hour, volumetric light'],
    cameras: ['slow crane up', 'slow dolly in', 'orbit left', 'fog drift', 'slow truck right', 'dramatic crash zoom in'],
  },
  pov: {
    title: 'POV: {T}',
    open: [{ beat: 'pov setup', scene: 'first-person view, your hands in frame, arriving', caption: 'POV: {T}' }],
    middle: [{ beat: 'moment {N}', scene: 'first-person view of moment {N}, hands in frame', caption: '{POINT}' }],
    close: [{ beat: 'payoff', scene: 'first-person view of the payoff moment', caption: 'Worth it' }],
    look: ['natural phone camera look, daylight', 'evening city lights, bokeh', 'soft morning light'],
    cameras: ['handheld', 'handheld push in', 'slow pan left', 'tilt up', 'handheld pan right'],
  },
  'faceless-story': {
    title: '{T}: a story',
    open: [{ beat: 'opening', scene: 'atmospheric scene setting, no faces visible', caption: 'This is a story about {T}' }],
    middle: [{ beat: 'chapter {N}', scene: 'symbolic scene for chapter {N}: objects, hands, silhouettes, no faces', caption: '{POINT}' }],
    close: [
      { beat: 'ending', scene: 'quiet ending image, empty room, window light, no faces', caption: 'Some stories stay with you' },
      { beat: 'call to action', scene: 'a closed book on a table, no faces', caption: 'Follow for part two' },
    ],
    look: ['muted film photography, grain', 'dark moody still life', 'dreamy soft focus, pastel tones'],
    cameras: ['slow push in', 'dust', 'film grain', 'slow pan left', 'flicker', 'rain'],
  },
};

const POINTS: Record<SeriesTemplate, string[]> = {
  tutorial: [
    'prepare everything',
    'start with the basics',
    'take your time here',
    'the key move',
    'check your work',
    'avoid this mistake',
    'the pro tip',
    'almost there',
    'clean it up',
    'the finishing touch',
  ],
  'product-showcase': [
    'built to last',
    'light and compact',
    'smart by design',
    'made for every day',
    'the detail you will love',
    'effortless to use',
    'premium materials',
    'ready when you are',
  ],
  cinematic: [
    'a sign appears',
    'the road splits',
    'no turning back',
    'the storm gathers',
    'a choice is made',
    'the night grows long',
    'a light in the distance',
    'closer now',
  ],
  pov: [
    'you did not expect this',
    'this part is the best',
    'wait for it',
    'you look around',
    'time slows down',
    'one more step',
    'the view hits different',
    'you take it in',
  ],
  'faceless-story': [
    'it began with a letter',
    'nobody knew',
    'the days grew shorter',
    'a door left open',
    'footsteps in the hall',
    'the old photograph',
    'a promise kept',
    'the last page',
  ],
};

export function templateSeriesPlan(req: VideoSeriesRequest): SeriesPlan {
  const rnd = mulberry32(req.seed);
  const s = STRUCTURES[req.template];
  const topic = shortTopic(req.topic);
  const look = pick(s.look, rnd);
  const points = shuffled(POINTS[req.template], rnd);
  const count = seriesClipCount(req.targetDurationS, req.clipDurationS);
  const middleCount = Math.max(0, count - s.open.length - s.close.length);
  // Opening and closing beats frame the middle; a series too short for all of them keeps the opening.
  const open = s.open.slice(0, count);
  const close = s.close.slice(Math.max(0, s.close.length - (count - open.length)));
  const beats: { b: Beat; n: number }[] = [
    ...open.map((b) => ({ b, n: 0 })),
    ...Array.from({ length: middleCount }, (_, i) => ({ b: s.middle[i % s.middle.length], n: Math.floor(i / s.middle.length) + 1 })),
    ...close.map((b) => ({ b, n: 0 })),
  ];
  let point = 0;
  const scenes = beats.map(({ b, n }, index) => {
    const fill = (t: string) =>
      t
        .replace(/\{HOWTO\}/g, /^how to\s/i.test(topic) ? topic : `How to ${topic}`)
        .replace(/\{T\}/g, topic)
        .replace(/\{N\}/g, String(n))
        .replace(/\{POINT\}/g, () => points[point++ % points.length]);
    const camera = pick(s.cameras, rnd);
    const caption = fill(b.caption);
    return {
      index,
      beat: fill(b.beat),
      image_prompt: `${req.topic}, ${fill(b.scene)}, ${look}, vertical 9:16 frame, no text`,
      camera,
      motions: sceneMotions(camera),
      caption: caption.charAt(0).toUpperCase() + caption.slice(1),
    };
  });
  return {
    template: req.template,
    title: s.title.replace('{T}', topic),
    scenes,
    ...planTiming(req, count),
    planner: 'template',
    language: 'en',
  };
}

export function planTiming(req: VideoSeriesRequest, count: number) {
  return {
    clip_duration: req.clipDurationS,
    transition_s: SERIES_TRANSITION_S,
    target_duration: req.targetDurationS,
    planned_duration: seriesDuration(count, req.clipDurationS),
  };
}
