/**
 * Credits per job. Defaults come from the published Higgsfield figures as collected in
 * reference/api-contracts.md §1.11 (third-party table, 1 USD = 16 credits):
 *   Soul 720p 1.5, Soul 1080p 3 credits per image; DoP Lite 2, Turbo 6.5, Standard 9 credits
 *   per clip; a character (Soul ID) 40 credits.
 * Reseller dialects price in USD from their own tables and convert with USD_TO_CREDITS:
 *   WaveSpeed (seed 000): medium $0.09, high $0.19 per image.
 *   Pixazo (seed 001): 720p x1 $0.15, 720p x4 $0.19, 1080p x1 $0.25, 1080p x4 $0.37 per request.
 *   Popcorn auto (issue 13, from the official OpenAPI as copied by a third party): about
 *   $0.092 per image.
 *   Kling 2.1 pro image-to-video (same source): about $0.49 per 5 s clip, so $0.98 for 10 s.
 *   Creator workflows publish no price: a carousel is the sum of its slides (soul.1080p each).
 * Operators override any entry with OPENSOUL_PRICES (JSON of the keys below).
 */
export const USD_TO_CREDITS = 16;

export const DEFAULT_PRICES = {
  'soul.720p': 1.5,
  'soul.1080p': 3,
  'dop.lite': 2,
  'dop.turbo': 6.5,
  'dop.standard': 9,
  'soul_id.create': 40,
  'wavespeed.soul.medium': 0.09 * USD_TO_CREDITS,
  'wavespeed.soul.high': 0.19 * USD_TO_CREDITS,
  'pixazo.soul.720p.1': 0.15 * USD_TO_CREDITS,
  'pixazo.soul.720p.4': 0.19 * USD_TO_CREDITS,
  'pixazo.soul.1080p.1': 0.25 * USD_TO_CREDITS,
  'pixazo.soul.1080p.4': 0.37 * USD_TO_CREDITS,
  'popcorn.image': 0.092 * USD_TO_CREDITS,
  'kling.i2v.5s': 0.49 * USD_TO_CREDITS,
} as const;
export type PriceKey = keyof typeof DEFAULT_PRICES;

/** Credits are kept as integer milli-credits so that 1.5-credit jobs never round. */
export const MILLI = 1000;
export function toMilli(credits: number): number {
  return Math.round(credits * MILLI);
}
export function fromMilli(milli: number): number {
  return milli / MILLI;
}

export class PriceTable {
  constructor(private readonly overrides: Partial<Record<string, number>> = {}) {}

  /** Price in milli-credits. */
  milli(key: PriceKey): number {
    const v = this.overrides[key] ?? DEFAULT_PRICES[key];
    return toMilli(v);
  }

  /**
   * Split a per-request price over the jobs of a set so that refunds stay exact per job:
   * the remainder goes to the first job.
   */
  static split(totalMilli: number, jobs: number): number[] {
    const each = Math.floor(totalMilli / jobs);
    return Array.from({ length: jobs }, (_, i) => (i === 0 ? totalMilli - each * (jobs - 1) : each));
  }
}
