/**
 * Soul styles: the preset catalog and how `style_strength` blends a style into a prompt.
 *
 * Blending rule (CLIP text encoders take plain text here, so no attention weights):
 * a style template is a comma-separated list of phrases with a `{prompt}` slot, ordered from
 * the most defining phrase to the least. At strength s ∈ [0, 1] the first
 * k = round(s · n) of its n phrases are kept (at least one when s > 0), in template order
 * around the user's prompt; the negative prompt keeps the first round(s · m) of its m
 * phrases the same way. So s = 0 is the user's prompt unchanged with no negative prompt,
 * s = 1 is the whole template, and raising s only ever adds phrases (the phrases kept at a
 * lower strength are a subset of those kept at a higher one). Phrases the user already wrote
 * are not repeated.
 */
import { STYLE_CATALOG } from './style-catalog.js';
import type { SoulStyle } from './style-types.js';

export type { SoulStyle };

export const SOUL_STYLES: readonly SoulStyle[] = STYLE_CATALOG;

/** The docs' example style id ("General"), applied when a request names none. */
export const DEFAULT_STYLE_ID = '464ea177-8d40-4940-8d9d-b438bab269c7';

const BY_ID = new Map(SOUL_STYLES.map((s) => [s.id.toLowerCase(), s]));

export function findStyle(id: string): SoulStyle | undefined {
  return BY_ID.get(id.trim().toLowerCase());
}

export function findStyleByName(name: string): SoulStyle | undefined {
  const want = name.trim().toLowerCase();
  return SOUL_STYLES.find((s) => s.name.toLowerCase() === want);
}

const SLOT = '{prompt}';

function phrases(list: string): string[] {
  return list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** How many of n phrases strength s keeps. */
function keptCount(n: number, s: number): number {
  if (s <= 0 || n === 0) return 0;
  return Math.min(n, Math.max(1, Math.round(s * n)));
}

export interface StyledPrompt {
  prompt: string;
  negativePrompt: string;
}

export function buildStyledPrompt(userPrompt: string, style: SoulStyle | undefined, strength: number): StyledPrompt {
  if (Number.isNaN(strength)) throw new RangeError('style strength must be a number in [0, 1]');
  const s = Math.min(1, Math.max(0, strength));
  const user = userPrompt.trim();
  if (!style || s === 0) return { prompt: user, negativePrompt: '' };

  const parts = phrases(style.promptTemplate);
  const slotAt = parts.indexOf(SLOT);
  const before = slotAt === -1 ? [] : parts.slice(0, slotAt);
  const after = slotAt === -1 ? parts : parts.slice(slotAt + 1);
  const ordered = [...before, ...after];
  const kept = new Set(ordered.slice(0, keptCount(ordered.length, s)));
  const lowerUser = user.toLowerCase();
  const use = (p: string) => kept.has(p) && !lowerUser.includes(p.toLowerCase());

  const prompt = [...before.filter(use), ...(user ? [user] : []), ...after.filter(use)].join(', ');
  const negatives = phrases(style.negativePrompt);
  const negativePrompt = negatives.slice(0, keptCount(negatives.length, s)).join(', ');
  return { prompt, negativePrompt };
}
