/**
 * Plans for the creator workflows. With an OpenAI-compatible chat endpoint configured (the
 * prompt enhancer's setting, OPENSOUL_PROMPT_ENHANCER_URL/_MODEL) the model writes the plan as
 * JSON; without one, or when its answer is unusable, the deterministic template planner does,
 * and the plan says which planned it (and why the LLM was not used).
 */
import { type CarouselPlan, type CarouselRequest, hashtagsFor, templateCarouselPlan } from '../domain/carousel.js';
import {
  planTiming,
  sceneMotions,
  type SeriesPlan,
  seriesClipCount,
  templateSeriesPlan,
  type VideoSeriesRequest,
} from '../domain/video-series.js';

export interface PlannerOptions {
  endpoint: string | null;
  model: string | null;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

const DEFAULT_MODEL = 'llama3.2';

function carouselPrompt(req: CarouselRequest): string {
  return [
    `Plan an Instagram carousel of exactly ${req.slideCount} slides about: ${req.topic}`,
    `Write the overlay copy, caption and hashtags in the language "${req.language}".`,
    'Answer with JSON only: {"slides":[{"image_prompt":"...","overlay_text":"..."}],"caption":"...","hashtags":["#..."]}.',
    'image_prompt describes a photo for an image model (no text in the image); overlay_text is at most 12 words; slide 1 is a hook, the last a call to action.',
  ].join('\n');
}

/** The first JSON object in a chat answer (models wrap it in prose or code fences). */
function jsonIn(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('no JSON object in the answer');
  return JSON.parse(text.slice(start, end + 1));
}

const str = (v: unknown, max: number) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null);

function toCarouselPlan(answer: unknown, req: CarouselRequest): CarouselPlan {
  const a = answer as { slides?: unknown; caption?: unknown; hashtags?: unknown };
  if (!Array.isArray(a.slides) || a.slides.length !== req.slideCount)
    throw new Error(`the plan has ${Array.isArray(a.slides) ? a.slides.length : 'no'} slides, not ${req.slideCount}`);
  const slides = a.slides.map((s, index) => {
    const image = str((s as Record<string, unknown>)?.image_prompt, 600);
    const overlay = str((s as Record<string, unknown>)?.overlay_text, 140);
    if (!image || !overlay) throw new Error(`slide ${index + 1} lacks image_prompt or overlay_text`);
    return { index, image_prompt: image, overlay_text: overlay };
  });
  const caption = str(a.caption, 2200);
  if (!caption) throw new Error('the plan has no caption');
  const tags = Array.isArray(a.hashtags)
    ? a.hashtags
        .map((h) => str(h, 40))
        .filter((h): h is string => !!h)
        .map((h) => (h.startsWith('#') ? h : `#${h}`).replace(/\s+/g, ''))
    : [];
  return { slides, caption, hashtags: tags.length ? tags.slice(0, 30) : hashtagsFor(req.topic), planner: 'llm', language: req.language };
}

async function chat(opts: PlannerOptions & { endpoint: string }, user: string): Promise<string> {
  const res = await (opts.fetchImpl ?? fetch)(`${opts.endpoint.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: opts.model ?? DEFAULT_MODEL,
      messages: [
        { role: 'system', content: 'You plan social media content. Answer with JSON only.' },
        { role: 'user', content: user },
      ],
      temperature: 0,
      stream: false,
    }),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`the chat endpoint answered ${res.status}`);
  }
  const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new Error('the chat endpoint answered no message');
  return content;
}

export async function planCarousel(req: CarouselRequest, opts: PlannerOptions): Promise<CarouselPlan> {
  if (!opts.endpoint) return templateCarouselPlan(req);
  try {
    return toCarouselPlan(jsonIn(await chat({ ...opts, endpoint: opts.endpoint }, carouselPrompt(req))), req);
  } catch (e) {
    return { ...templateCarouselPlan(req), fallback_reason: `LLM plan not used: ${(e as Error).message}` };
  }
}

const SERIES_BRIEFS: Record<VideoSeriesRequest['template'], string> = {
  tutorial: 'a step-by-step tutorial: a hook showing the result, what you need, one scene per step, the result, a call to action',
  'product-showcase': 'a product showcase: teaser, reveal, feature and in-use beats, hero shot, call to action',
  cinematic: 'a cinematic short: establishing shot, character, rising tension, climax, resolution',
  pov: 'a POV video: first-person scenes (hands in frame) from setup to payoff; captions start with "POV:" on the first scene',
  'faceless-story': 'a faceless story: narrated beats shown through objects, hands, silhouettes and places, never a face',
};

function seriesPrompt(req: VideoSeriesRequest, count: number): string {
  return [
    `Plan a vertical 9:16 video series of exactly ${count} scenes of ${req.clipDurationS} seconds about: ${req.topic}`,
    `Structure: ${SERIES_BRIEFS[req.template]}.`,
    `Write the title and captions in the language "${req.language}".`,
    'Answer with JSON only: {"title":"...","scenes":[{"beat":"...","image_prompt":"...","camera":"...","caption":"..."}]}.',
    'image_prompt describes one still photo for an image model (no text in the image); camera is a camera move in plain words (slow push in, orbit left, crane up, handheld, pan right, rain); caption is at most 10 words.',
  ].join('\n');
}

function toSeriesPlan(answer: unknown, req: VideoSeriesRequest, count: number): SeriesPlan {
  const a = answer as { title?: unknown; scenes?: unknown };
  if (!Array.isArray(a.scenes) || a.scenes.length !== count)
    throw new Error(`the plan has ${Array.isArray(a.scenes) ? a.scenes.length : 'no'} scenes, not ${count}`);
  const scenes = a.scenes.map((raw, index) => {
    const s = (raw ?? {}) as Record<string, unknown>;
    const image = str(s.image_prompt, 600);
    const caption = str(s.caption, 140);
    if (!image || !caption) throw new Error(`scene ${index + 1} lacks image_prompt or caption`);
    const camera = str(s.camera, 200) ?? '';
    return { index, beat: str(s.beat, 60) ?? `scene ${index + 1}`, image_prompt: image, camera, motions: sceneMotions(camera), caption };
  });
  return {
    template: req.template,
    title: str(a.title, 200) ?? req.topic,
    scenes,
    ...planTiming(req, count),
    planner: 'llm',
    language: req.language,
  };
}

/** The series plan: from the LLM when configured (camera words parsed into motions), else the template's. */
export async function planVideoSeries(req: VideoSeriesRequest, opts: PlannerOptions): Promise<SeriesPlan> {
  if (!opts.endpoint) return templateSeriesPlan(req);
  const count = seriesClipCount(req.targetDurationS, req.clipDurationS);
  try {
    return toSeriesPlan(
      jsonIn(await chat({ ...opts, endpoint: opts.endpoint, timeoutMs: opts.timeoutMs ?? 60_000 }, seriesPrompt(req, count))),
      req,
      count,
    );
  } catch (e) {
    return { ...templateSeriesPlan(req), fallback_reason: `LLM plan not used: ${(e as Error).message}` };
  }
}
