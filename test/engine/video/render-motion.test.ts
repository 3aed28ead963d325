/**
 * End to end: render real clips (lite tier), decode them with ffmpeg and measure the motion.
 */
import { describe, expect, it } from 'vitest';
import { findMotion, MOTIONS } from '../../../src/domain/motions.js';
import { ease } from '../../../src/engine/video/easing.js';
import { renderDop, saliencyMatteProvider } from '../../../src/engine/video/index.js';
import { phaseCorrelate } from './helpers/fft.js';
import { astronaut, restPose, subjectScene } from './helpers/images.js';
import { decodeFrames } from './helpers/media.js';
import { estimateScale, psnr } from './helpers/metrics.js';

const id = (name: string) => MOTIONS.find((m) => m.name === name)!.id;

/** Halves a grey frame (2x2 average) to keep the scale search quick. */
function half(gray: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array((w / 2) * (h / 2));
  for (let y = 0; y < h / 2; y++) {
    for (let x = 0; x < w / 2; x++) {
      const i = 2 * y * w + 2 * x;
      out[y * (w / 2) + x] = (gray[i] + gray[i + 1] + gray[i + w] + gray[i + w + 1] + 2) >> 2;
    }
  }
  return out;
}

describe('DoP camera motion, measured in decoded frames', () => {
  it('zoom in grows the scale monotonically along the eased path', async () => {
    const r = await renderDop({ image: astronaut(), motions: [{ id: id('Zoom In'), strength: 1 }], prompt: '', tier: 'lite', seed: 1 });
    const { frames, width, height } = await decodeFrames(r.video);
    expect(frames).toHaveLength(120);
    const ref = half(frames[0], width, height);
    const scales: number[] = [];
    for (const i of [24, 48, 72, 96, 119]) {
      const s = estimateScale(ref, half(frames[i], width, height), width / 2, height / 2, 0.9, 1.6);
      const want = Math.exp(0.3 * ease('quadInOut', i / 119));
      expect(Math.abs(s - want), `frame ${i}: ${s} vs ${want}`).toBeLessThan(0.02);
      scales.push(s);
    }
    for (let k = 1; k < scales.length; k++) expect(scales[k]).toBeGreaterThan(scales[k - 1]);
    expect(scales.at(-1)!).toBeGreaterThan(1.3);
  });

  it('pan left moves the content to the right by the eased amount', async () => {
    const r = await renderDop({ image: astronaut(), motions: [{ id: id('Pan Left'), strength: 1 }], prompt: '', tier: 'lite', seed: 1 });
    const { frames, width } = await decodeFrames(r.video);
    let prev = 0;
    for (const i of [30, 60, 90]) {
      const { dx, dy } = phaseCorrelate(frames[0], frames[i], width, 112, 112, 256);
      const want = 0.14 * width * ease('quadInOut', i / 119);
      expect(Math.abs(dx - want), `frame ${i}: dx ${dx} vs ${want}`).toBeLessThan(1.5);
      expect(Math.abs(dy)).toBeLessThan(1);
      expect(dx).toBeGreaterThan(prev);
      prev = dx;
    }
  });

  it('strength 0 gives still frames equal to the input', async () => {
    const image = astronaut();
    const r = await renderDop({
      image,
      motions: [
        { id: id('Zoom In'), strength: 0 },
        { id: id('Handheld'), strength: 0 },
      ],
      prompt: 'fast crash zoom',
      tier: 'lite',
      seed: 5,
    });
    const { frames, width, height } = await decodeFrames(r.video, 'rgb24');
    for (const f of frames) expect(psnr(f, frames[0])).toBeGreaterThan(48);
    expect(psnr(frames[0], await restPose(image, width, height))).toBeGreaterThan(35);
  });

  it('parallax moves the subject more than the background (saliency matte)', async () => {
    const r = await renderDop({
      image: await subjectScene(480, 320),
      motions: [{ id: id('Truck Left'), strength: 1 }],
      prompt: '',
      tier: 'lite',
      seed: 2,
      matteProvider: saliencyMatteProvider,
    });
    expect(r.matte).toBe('saliency');
    expect([r.width, r.height]).toEqual([720, 480]);
    const { frames, width } = await decodeFrames(r.video);
    const i = 40;
    const e = ease('quadInOut', i / 119);
    const subject = phaseCorrelate(frames[0], frames[i], width, 296, 186, 128);
    const background = phaseCorrelate(frames[0], frames[i], width, 16, 16, 128);
    expect(Math.abs(subject.dx - 0.12 * width * e)).toBeLessThan(2);
    expect(Math.abs(background.dx - 0.12 * 0.3 * width * e)).toBeLessThan(2);
    expect(subject.dx - background.dx).toBeGreaterThan(10);
  });

  it('parallax on a person uses the segmentation model and is byte-identical for the same request', async () => {
    const req = {
      image: astronaut(),
      motions: [
        { id: id('Truck Left'), strength: 1 },
        { id: id('Rain'), strength: 0.6 },
        { id: id('Handheld'), strength: 0.5 },
      ],
      prompt: '',
      tier: 'lite' as const,
      seed: 77,
    };
    const a = await renderDop(req);
    expect(a.matte).toBe('person-selfie');
    const b = await renderDop(req);
    expect(b.video.equals(a.video)).toBe(true);
    expect(b.preview.equals(a.preview)).toBe(true);
    expect(b.poster.equals(a.poster)).toBe(true);
    const c = await renderDop({ ...req, seed: 78 });
    expect(c.video.equals(a.video)).toBe(false);

    const { frames, width } = await decodeFrames(a.video);
    // Suit (subject) against the top-right corner (backdrop and shuttle model) at frame 50.
    const subject = phaseCorrelate(frames[0], frames[50], width, 150, 280, 128);
    const background = phaseCorrelate(frames[0], frames[50], width, 340, 8, 128);
    expect(subject.dx - background.dx).toBeGreaterThan(8);
  });

  it('picks the motion from camera words when none is named', async () => {
    const r = await renderDop({ image: astronaut(), motions: [], prompt: 'slow pan left across the room', tier: 'lite', seed: 3 });
    expect(r.motionsOrigin).toBe('prompt');
    expect(r.motions).toEqual([{ id: findMotion(id('Pan Left'))!.id, strength: 0.5 }]);
    const { frames, width } = await decodeFrames(r.video);
    expect(phaseCorrelate(frames[0], frames[119], width, 112, 112, 256).dx).toBeGreaterThan(25);
  });
});
