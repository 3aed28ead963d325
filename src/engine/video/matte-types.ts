import type { RgbxImage } from './warp.js';

/** Subject/background mattes for 2.5D parallax (providers in matte.ts). */
export interface Matte {
  /** Subject alpha 0..255, row-major, width x height (any resolution; callers resample). */
  alpha: Uint8Array;
  width: number;
  height: number;
  /** Which provider produced it, reported in render timings and logs. */
  source: string;
}

/** A provider that threw and was passed over: what the render carries to the job's extras and log. */
export interface MatteFailure {
  provider: string;
  error: string;
}

export interface MatteProvider {
  readonly name: string;
  /** `onFailure` hears of every provider a chain passed over because it threw. */
  matte(image: RgbxImage, onFailure?: (failure: MatteFailure) => void): Promise<Matte | null>;
}
