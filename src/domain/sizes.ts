/** The 13 Soul output sizes (Higgsfield SDK src/helpers.ts) and the quality rule. */

// Laid out by hand, landscape, portrait and square rows, so not formatted.
// prettier-ignore
export const SOUL_SIZES = [
  '2048x1152', '2048x1536', '2016x1344', '1696x960', '1632x1088',
  '1152x2048', '1536x2048', '1344x2016', '960x1696', '1088x1632',
  '1536x1536', '1536x1152', '1152x1536',
] as const;
export type SoulSize = (typeof SOUL_SIZES)[number];

export const SOUL_QUALITIES = ['720p', '1080p'] as const;
export type SoulQuality = (typeof SOUL_QUALITIES)[number];

export interface PixelSize {
  width: number;
  height: number;
}

export function parseSize(size: string): PixelSize {
  const [w, h] = size.split('x').map(Number);
  return { width: w, height: h };
}

/** 1080p is the listed size; 720p is it scaled by 2/3, rounded to even pixels for video-friendly output. */
export function outputSize(size: SoulSize, quality: SoulQuality): PixelSize {
  const { width, height } = parseSize(size);
  if (quality === '1080p') return { width, height };
  const even = (n: number) => Math.round((n * 2) / 3 / 2) * 2;
  return { width: even(width), height: even(height) };
}

/** Closest listed size to an aspect ratio such as "16:9" (v2 and reseller bodies speak ratios). */
export function sizeForAspectRatio(ratio: string): SoulSize | null {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio.trim());
  if (!m) return null;
  const want = Number(m[1]) / Number(m[2]);
  if (!Number.isFinite(want) || want <= 0) return null;
  let best: SoulSize = SOUL_SIZES[0];
  let bestErr = Infinity;
  for (const s of SOUL_SIZES) {
    const { width, height } = parseSize(s);
    const err = Math.abs(Math.log(width / height / want));
    if (err < bestErr) {
      best = s;
      bestErr = err;
    }
  }
  return best;
}
