/**
 * Subject/background mattes for 2.5D parallax. A provider returns the subject's alpha at any
 * resolution, or null when it sees no subject; providers are tried in order.
 */
import type { RgbImage } from './warp.js';
import { saliencyMatte } from './saliency-matte.js';

export interface Matte {
  /** Subject alpha 0..255, row-major, width x height (any resolution; callers resample). */
  alpha: Uint8Array;
  width: number;
  height: number;
  /** Which provider produced it, reported in render timings and logs. */
  source: string;
}

export interface MatteProvider {
  readonly name: string;
  matte(image: RgbImage): Promise<Matte | null>;
}

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

/** Box-average downscale so the longer side is at most maxSide (never upscales). */
export function shrinkRgb(img: RgbImage, maxSide: number): RgbImage {
  const f = Math.max(img.width, img.height) / maxSide;
  if (f <= 1) return img;
  const w = Math.max(1, Math.round(img.width / f));
  const h = Math.max(1, Math.round(img.height / f));
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * img.height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * img.height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * img.width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * img.width) / w));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * img.width + x0) * 3;
        for (let xx = x0; xx < x1; xx++, i += 3) {
          r += img.data[i];
          g += img.data[i + 1];
          b += img.data[i + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return { data: out, width: w, height: h };
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
    const small = shrinkRgb(image, 384);
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
    async matte(image) {
      for (const p of providers) {
        let m: Matte | null = null;
        try {
          m = await p.matte(image);
        } catch {
          // A missing or broken model must not fail the render: the next provider takes over.
          continue;
        }
        if (plausibleMatte(m)) return m;
      }
      return null;
    },
  };
}

export const defaultMatteProvider: MatteProvider = chainMatteProviders([personMatteProvider, saliencyMatteProvider]);
