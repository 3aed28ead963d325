import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, crossedClasses } from '../../domain/moderation.js';
import { ffmpegPath } from '../video/ffmpeg-path.js';
import * as tf from '@tensorflow/tfjs';
import { getHuman } from '../human/index.js';
import { nsfwClassifier, sampleIndexes } from './index.js';
import { astronautPng, lineDrawing } from '../../../test/helpers/drawings.js';

const root = path.resolve(import.meta.dirname, '../../..');
const astronaut = astronautPng();
const photos = ['o-detect3.jpg', 'o-detect4.jpg', 'o-tile-1g.jpg'].map((f) =>
  fs.readFileSync(path.join(root, 'test/fixtures/faces/people', f)),
);

const drawnAstronaut = () => lineDrawing(astronaut);

/** An H.264 clip of `stills` shown one after another (`each` frames apiece, 24 fps). */
function clipOf(stills: Buffer[], each: number): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderation-clip-'));
  try {
    stills.forEach((b, i) => fs.writeFileSync(path.join(dir, `s${i}.png`), b));
    const list = stills.map((_, i) => `file 's${i}.png'\nduration ${each / 24}`).join('\n') + `\nfile 's${stills.length - 1}.png'\n`;
    fs.writeFileSync(path.join(dir, 'list.txt'), list);
    execFileSync(ffmpegPath(), [
      '-v',
      'error',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      path.join(dir, 'list.txt'),
      '-vf',
      'scale=256:256,fps=24',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-frames:v',
      String(stills.length * each),
      path.join(dir, 'out.mp4'),
    ]);
    return fs.readFileSync(path.join(dir, 'out.mp4'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const classifier = nsfwClassifier();

describe('nsfwjs classifier on the shared wasm engine', () => {
  it('scores neutral photos as Neutral, below every default threshold', async () => {
    for (const photo of [astronaut, ...photos]) {
      const s = await classifier.classifyImage(photo);
      expect(Object.values(s).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      expect(s.Neutral).toBeGreaterThan(0.9);
      expect(crossedClasses(s, DEFAULT_THRESHOLDS)).toEqual([]);
    }
  }, 60_000);

  it('scores a line drawing traced from the same photo as Drawing, so a Drawing threshold separates them', async () => {
    const photo = await classifier.classifyImage(astronaut);
    const drawn = await classifier.classifyImage(await drawnAstronaut());
    expect(drawn.Drawing).toBeGreaterThan(0.7);
    expect(photo.Drawing).toBeLessThan(0.2);
    expect(crossedClasses(drawn, { Drawing: 0.5 })).toEqual(['Drawing']);
    expect(crossedClasses(photo, { Drawing: 0.5 })).toEqual([]);
  }, 60_000);

  it('samples first, middle and last frames of a video', async () => {
    // Photo, drawing, photo: only the middle sample sees the drawing.
    const clip = clipOf([astronaut, await drawnAstronaut(), astronaut], 10);
    const frames = await classifier.classifyVideo(clip);
    expect(frames).toHaveLength(3);
    expect(frames[0].Neutral).toBeGreaterThan(0.8);
    expect(frames[1].Drawing).toBeGreaterThan(0.6);
    expect(frames[2].Neutral).toBeGreaterThan(0.8);
  }, 60_000);

  it('picks evenly spaced frame indexes including both ends', () => {
    expect(sampleIndexes(120, 3)).toEqual([0, 60, 119]);
    expect(sampleIndexes(2, 3)).toEqual([0, 1]);
    expect(sampleIndexes(1, 3)).toEqual([0]);
    expect(sampleIndexes(0, 3)).toEqual([]);
    expect(sampleIndexes(10, 5)).toEqual([0, 2, 5, 7, 9]);
  });

  it('shares the one wasm tf engine with the face models', async () => {
    const before = await classifier.classifyImage(astronaut);
    await getHuman();
    expect(tf.getBackend()).toBe('wasm');
    // One backend instance in the engine: the face models did not bring a second one.
    expect(Object.keys(tf.engine().registry)).toEqual(['wasm']);
    expect(await classifier.classifyImage(astronaut)).toEqual(before);
  }, 120_000);

  it('reports its model as ready', async () => {
    expect(await classifier.readiness()).toEqual({ ready: true, model: 'nsfwjs MobileNetV2Mid' });
  });
});
