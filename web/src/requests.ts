import type { StudioRequest } from './api';
import { SOUL_SIZES } from '../../src/domain/sizes';

/**
 * The one place a studio form becomes an API request. The page submits exactly this object,
 * the price is quoted for it and the code samples render it.
 */

export type SoulSize = (typeof SOUL_SIZES)[number];
export { SOUL_SIZES };

export interface SoulForm {
  prompt: string;
  size: SoulSize;
  quality: '720p' | '1080p';
  batch: 1 | 4;
  /** null: the server draws one (shown after the run). */
  seed: number | null;
  styleId: string | null;
  styleStrength: number;
  imageReferenceUrl: string | null;
  characterId: string | null;
  characterStrength: number;
  enhancePrompt: boolean;
}

export const DEFAULT_SOUL: SoulForm = {
  prompt: '',
  size: '1536x2048',
  quality: '720p',
  batch: 1,
  seed: null,
  styleId: null,
  styleStrength: 1,
  imageReferenceUrl: null,
  characterId: null,
  characterStrength: 1,
  enhancePrompt: false,
};

export function soulRequest(f: SoulForm): StudioRequest {
  const params: Record<string, unknown> = {
    prompt: f.prompt,
    width_and_height: f.size,
    quality: f.quality,
    batch_size: f.batch,
    enhance_prompt: f.enhancePrompt,
  };
  if (f.seed !== null) params.seed = f.seed;
  if (f.styleId) Object.assign(params, { style_id: f.styleId, style_strength: f.styleStrength });
  if (f.imageReferenceUrl) params.image_reference = { type: 'image_url', image_url: f.imageReferenceUrl };
  if (f.characterId) Object.assign(params, { custom_reference_id: f.characterId, custom_reference_strength: f.characterStrength });
  return { path: '/v1/text2image/soul', body: { params } };
}

/** A Soul form back from a job set's `input_params` ("run again"). */
export function soulFormFrom(p: Record<string, unknown>): SoulForm {
  const size = `${p.width}x${p.height}`;
  const ref = p.image_reference as { image_url?: string; url?: string } | null;
  return {
    prompt: String(p.prompt ?? ''),
    size: (SOUL_SIZES as readonly string[]).includes(size) ? (size as SoulSize) : DEFAULT_SOUL.size,
    quality: p.quality === '1080p' ? '1080p' : '720p',
    batch: p.batch_size === 4 ? 4 : 1,
    seed: typeof p.seed === 'number' ? p.seed : null,
    styleId: typeof p.style_id === 'string' ? p.style_id : null,
    styleStrength: typeof p.style_strength === 'number' ? p.style_strength : 1,
    imageReferenceUrl: ref?.image_url ?? ref?.url ?? null,
    characterId: typeof p.custom_reference === 'string' ? p.custom_reference : null,
    characterStrength: typeof p.custom_reference_strength === 'number' ? p.custom_reference_strength : 1,
    enhancePrompt: p.enhance_prompt === true,
  };
}

export const DOP_TIERS = ['lite', 'turbo', 'standard'] as const;
export type DopTier = (typeof DOP_TIERS)[number];

export interface DopForm {
  tier: DopTier;
  prompt: string;
  imageUrl: string | null;
  endImageUrl: string | null;
  motions: { id: string; strength: number }[];
  seed: number | null;
  enhancePrompt: boolean;
}

export const DEFAULT_DOP: DopForm = {
  tier: 'lite',
  prompt: '',
  imageUrl: null,
  endImageUrl: null,
  motions: [],
  seed: null,
  enhancePrompt: false,
};
export const MAX_MOTIONS = 2;

export function dopRequest(f: DopForm): StudioRequest {
  const params: Record<string, unknown> = {
    model: `dop-${f.tier}`,
    prompt: f.prompt,
    input_images: f.imageUrl ? [{ type: 'image_url', image_url: f.imageUrl }] : [],
  };
  if (f.endImageUrl) params.input_images_end = [{ type: 'image_url', image_url: f.endImageUrl }];
  if (f.motions.length) params.motions = f.motions.map((m) => ({ id: m.id, strength: m.strength }));
  if (f.seed !== null) params.seed = f.seed;
  if (f.enhancePrompt) params.enhance_prompt = true;
  return { path: '/v1/image2video/dop', body: { params } };
}

export function dopFormFrom(p: Record<string, unknown>): DopForm {
  const first = (v: unknown) =>
    Array.isArray(v) && v[0] && typeof v[0] === 'object' ? String((v[0] as { image_url?: string }).image_url ?? '') || null : null;
  const tier = String(p.model ?? 'dop-lite').replace('dop-', '');
  return {
    tier: (DOP_TIERS as readonly string[]).includes(tier) ? (tier as DopTier) : 'lite',
    prompt: String(p.prompt ?? ''),
    imageUrl: first(p.input_images),
    endImageUrl: first(p.input_images_end),
    motions: Array.isArray(p.motions)
      ? (p.motions as { id: string; strength?: number }[]).slice(0, MAX_MOTIONS).map((m) => ({ id: m.id, strength: m.strength ?? 1 }))
      : [],
    seed: typeof p.seed === 'number' ? p.seed : null,
    enhancePrompt: p.enhance_prompt === true,
  };
}

export function characterRequest(name: string, imageUrls: string[]): StudioRequest {
  return { path: '/v1/custom-references', body: { name, input_images: imageUrls.map((u) => ({ type: 'image_url', image_url: u })) } };
}

/** "16:9" for the sizes whose ratio is a familiar one, else the reduced ratio to one decimal. */
export function ratioLabel(size: string): string {
  const [w, h] = size.split('x').map(Number);
  const known: [number, number][] = [
    [16, 9],
    [9, 16],
    [4, 3],
    [3, 4],
    [3, 2],
    [2, 3],
    [1, 1],
  ];
  for (const [a, b] of known) if (Math.abs(w / h - a / b) < 0.012) return `${a}:${b}`;
  return w > h ? `${(w / h).toFixed(2)}:1` : `1:${(h / w).toFixed(2)}`;
}

// ---- creator workflows (v2-style flat bodies: POST /social/...) ----

export const SERIES_TEMPLATES = [
  { id: 'tutorial', label: 'Tutorial', hint: 'Hook, tools, steps, result' },
  { id: 'product-showcase', label: 'Product showcase', hint: 'Teaser, reveal, features, hero' },
  { id: 'cinematic', label: 'Cinematic', hint: 'Establishing shot to resolution' },
  { id: 'pov', label: 'POV', hint: 'First-person, setup to payoff' },
  { id: 'faceless-story', label: 'Faceless story', hint: 'Objects, hands and places' },
] as const;
export type WorkflowKind = 'carousel' | (typeof SERIES_TEMPLATES)[number]['id'];
export const CAROUSEL_RATIOS = ['4:5', '3:4'] as const;
export const SERIES_RESOLUTIONS = ['480p', '720p', '1080p'] as const;

export interface WorkflowForm {
  kind: WorkflowKind;
  topic: string;
  characterId: string | null;
  seed: number | null;
  slideCount: number;
  aspectRatio: (typeof CAROUSEL_RATIOS)[number];
  targetDuration: number;
  clipDuration: 5 | 10;
  resolution: (typeof SERIES_RESOLUTIONS)[number];
}

export const DEFAULT_WORKFLOW: WorkflowForm = {
  kind: 'carousel',
  topic: '',
  characterId: null,
  seed: null,
  slideCount: 7,
  aspectRatio: '4:5',
  targetDuration: 90,
  clipDuration: 5,
  resolution: '720p',
};

/** Only the fields of the chosen workflow are sent (the server refuses any other). */
export function workflowRequest(f: WorkflowForm): StudioRequest {
  const body: Record<string, unknown> = { topic: f.topic };
  if (f.characterId) body.custom_reference_id = f.characterId;
  if (f.seed !== null) body.seed = f.seed;
  if (f.kind === 'carousel')
    return { path: '/social/carousel/instagram', body: { ...body, slide_count: f.slideCount, aspect_ratio: f.aspectRatio } };
  return {
    path: `/social/video-series/${f.kind}`,
    body: { ...body, target_duration: f.targetDuration, clip_duration: f.clipDuration, resolution: f.resolution },
  };
}

export const isWorkflowPath = (path: string) => path.startsWith('/social/');

/** A workflow form back from a job set's `input_params` ("run again"); a series' plan names its template. */
export function workflowFormFrom(p: Record<string, unknown>): WorkflowForm {
  const template = (p.series as { template?: string } | undefined)?.template;
  const kind: WorkflowKind = p.series ? (SERIES_TEMPLATES.find((t) => t.id === template)?.id ?? 'tutorial') : 'carousel';
  const d = DEFAULT_WORKFLOW;
  return {
    kind,
    topic: String(p.topic ?? ''),
    characterId: typeof p.custom_reference_id === 'string' ? p.custom_reference_id : null,
    seed: typeof p.seed === 'number' ? p.seed : null,
    slideCount: typeof p.slide_count === 'number' ? p.slide_count : d.slideCount,
    aspectRatio: p.aspect_ratio === '3:4' ? '3:4' : '4:5',
    targetDuration: typeof p.target_duration === 'number' ? p.target_duration : d.targetDuration,
    clipDuration: p.clip_duration === 10 ? 10 : 5,
    resolution: (SERIES_RESOLUTIONS as readonly unknown[]).includes(p.resolution)
      ? (p.resolution as WorkflowForm['resolution'])
      : d.resolution,
  };
}
