/** The files a DoP render hands back, read with ffprobe: codec, format, timing and size per tier. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MOTIONS } from '../../../src/domain/motions.js';
import { renderDop, type DopTier } from '../../../src/engine/video/index.js';
import { texture } from './helpers/images.js';
import { probe } from './helpers/media.js';

const id = (name: string) => MOTIONS.find((m) => m.name === name)!.id;

describe('DoP output files', () => {
  it.each<[DopTier, number, number, number, number]>([
    ['lite', 640, 360, 854, 480],
    ['lite', 360, 640, 480, 854],
    ['turbo', 640, 360, 1280, 720],
    ['standard', 640, 360, 1920, 1080],
  ])('%s from %ix%i gives a %ix%i H.264 clip of 5.0 s at 24 fps', async (tier, iw, ih, w, h) => {
    const r = await renderDop({
      image: await texture(iw, ih, 21),
      motions: [
        { id: id('Dolly In'), strength: 0.7 },
        { id: id('Dust'), strength: 0.5 },
      ],
      prompt: '',
      tier,
      seed: 9,
    });
    expect([r.width, r.height, r.fps, r.durationS]).toEqual([w, h, 24, 5]);
    const v = await probe(r.video);
    expect(v).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: w, height: h, fps: 24, frames: 120, moovBeforeMdat: true });
    expect(v.durationS).toBeCloseTo(5, 3);
    expect(v.formatName).toContain('mp4');
    const p = await probe(r.preview);
    expect(Math.min(p.width, p.height)).toBe(240);
    expect(p.width / p.height).toBeCloseTo(w / h, 1);
    expect(p).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', frames: 120, fps: 24 });
    const poster = await sharp(r.poster).metadata();
    expect([poster.format, poster.width, poster.height]).toEqual(['jpeg', w, h]);
  });
});
