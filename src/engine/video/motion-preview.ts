/**
 * Preview clips of library motions (GET /v1/motions `preview_url`): rendered once per process
 * from a built-in sample still, then served from memory.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { findMotion } from '../../domain/motions.js';
import { renderClip } from './dop.js';
import { DopInputError } from './errors.js';

export const MOTION_PREVIEW_SHORT_SIDE = 256;
const PREVIEW_SEED = 20_240_601;

const SAMPLE_PATH = fileURLToPath(new URL('../../../assets/motions/sample.jpg', import.meta.url));

let samples: Promise<{ start: Buffer; end: Buffer }> | null = null;

function loadSamples(): Promise<{ start: Buffer; end: Buffer }> {
  samples ??= (async () => {
    const start = await readFile(SAMPLE_PATH);
    // The end frame of transition previews: the same still mirrored with its colours turned.
    const end = await sharp(start).flop().modulate({ hue: 150, saturation: 1.1 }).jpeg({ quality: 90 }).toBuffer();
    return { start, end };
  })().catch((err) => {
    samples = null;
    throw err;
  });
  return samples;
}

const cache = new Map<string, Promise<Buffer>>();

/** A small MP4 (256 px short side, 5 s, 24 fps) showing the motion; unknown ids throw DopInputError. */
export function renderMotionPreview(motionId: string): Promise<Buffer> {
  const preset = findMotion(motionId);
  if (!preset) return Promise.reject(new DopInputError(`unknown motion id "${motionId}"`));
  let clip = cache.get(preset.id);
  if (!clip) {
    clip = (async () => {
      const { start, end } = await loadSamples();
      const motion = { preset, strength: 1 };
      const result = await renderClip({
        image: start,
        endImage: preset.startEndFrame ? end : undefined,
        chosen: { motions: [motion], transition: preset.startEndFrame ? motion : null, origin: 'request' },
        shortSide: MOTION_PREVIEW_SHORT_SIDE,
        seed: PREVIEW_SEED,
        main: { preset: 'veryfast', crf: 26 },
        poster: false,
      });
      return result.video;
    })();
    // A failed render is not cached, so a later request can try again.
    clip.catch(() => cache.delete(preset.id));
    cache.set(preset.id, clip);
  }
  return clip;
}
