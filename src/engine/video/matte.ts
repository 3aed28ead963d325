/**
 * Subject/background mattes for 2.5D parallax. A provider returns the subject's alpha at any
 * resolution, or null when it sees no subject; providers are tried in order.
 */
import type { RgbxImage } from './warp.js';
import { saliencyMatte } from './saliency-matte.js';
import { shrinkToRgb } from './shrink.js';
import type { Matte, MatteFailure, MatteProvider } from './matte-types.js';

export type { Matte, MatteFailure, MatteProvider };

/** Share of the frame a matte covers (alpha-weighted), 0..1. */
export function matteCoverage(m: Matte): number {
  let s = 0;
  for (let i = 0; i < m.alpha.length; i++) s += m.alpha[i];
  return s / (255 * m.alpha.length);
}

/** Mattes covering less than this share of the frame are "no subject"; more than MAX is "no background". */
const MIN_COVERAGE = 0.015;
const MAX_COVERAGE = 0.85;

export function plausibleMatte(m: Matte | null): m is Matte {
  if (!m) return false;
  const c = matteCoverage(m);
  return c >= MIN_COVERAGE && c <= MAX_COVERAGE;
}

/** Colour-contrast saliency with a centre prior: works on any photo, no model needed. */
export const saliencyMatteProvider: MatteProvider = {
  name: 'saliency',
  async matte(image) {
    return saliencyMatte(image);
  },
};

/**
 * People: the selfie segmentation model of @vladmandic/human (src/engine/human), loaded lazily
 * so a clip without parallax never pays for tfjs.
 */
export const personMatteProvider: MatteProvider = {
  name: 'person-selfie',
  async matte(image) {
    const { segmentPerson } = await import('../human/index.js');
    // The model works at 256 px; a small input keeps decoding and transfer cheap.
    const small = shrinkToRgb(image, 384);
    const { mask, width, height } = await segmentPerson(small, { model: 'selfie' });
    const alpha = new Uint8Array(mask.length);
    for (let i = 0; i < mask.length; i++) alpha[i] = Math.round(Math.min(1, Math.max(0, mask[i])) * 255);
    return { alpha, width, height, source: 'person-selfie' };
  },
};

/** Tries each provider in turn; a provider that fails or finds no plausible subject passes on. */
export function chainMatteProviders(providers: MatteProvider[]): MatteProvider {
  return {
    name: providers.map((p) => p.name).join('>'),
    async matte(image, onFailure) {
      for (const p of providers) {
        let m: Matte | null = null;
        try {
          m = await p.matte(image, onFailure);
        } catch (err) {
          // A missing or broken model must not fail the render: the next provider takes over,
          // and the caller is told, so the job's extras and the log show it.
          onFailure?.({ provider: p.name, error: err instanceof Error ? err.message : String(err) });
          continue;
        }
        if (plausibleMatte(m)) return m;
      }
      return null;
    },
  };
}

export const defaultMatteProvider: MatteProvider = chainMatteProviders([personMatteProvider, saliencyMatteProvider]);
