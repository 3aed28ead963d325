import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decodeRgb, getHuman, ImageDecodeError, imageToTensor, segmentPerson, toRgb, withHuman } from './index.js';

const astronaut = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/faces/astronaut.png'));

beforeAll(async () => {
  await getHuman();
});

describe('getHuman', () => {
  it('is one lazily loaded instance on the tfjs wasm backend', async () => {
    const [a, b] = await Promise.all([getHuman(), getHuman()]);
    expect(a).toBe(b);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('detects the face in a decoded photo with models read from disk', async () => {
    const { tensor } = await imageToTensor(astronaut);
    try {
      const result = await withHuman((h) => h.detect(tensor as never));
      expect(result.face).toHaveLength(1);
      expect(result.face[0].mesh.length).toBeGreaterThanOrEqual(468);
    } finally {
      tensor.dispose();
    }
  });
});

describe('image decoding', () => {
  it('makes a [1, h, w, 3] float tensor in 0..255', async () => {
    const { tensor, width, height } = await imageToTensor(astronaut);
    expect(tensor.shape).toEqual([1, 512, 512, 3]);
    expect([width, height]).toEqual([512, 512]);
    const max = tensor.max();
    expect((await max.data())[0]).toBeLessThanOrEqual(255);
    expect((await max.data())[0]).toBeGreaterThan(200);
    tf.dispose([tensor, max]);
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    await expect(decodeRgb(astronaut, { maxPixels: 100_000 })).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(decodeRgb(astronaut, { maxPixels: 100_000 })).rejects.toMatchObject({ code: 'image_too_large' });
    await expect(decodeRgb(Buffer.from('nope'))).rejects.toMatchObject({ code: 'image_unreadable' });
  });

  it('downscales to maxSide but reports the original size', async () => {
    const img = await decodeRgb(astronaut, { maxSide: 200 });
    expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([200, 200, 512, 512]);
  });

  it('applies EXIF orientation', async () => {
    const wide = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#123456' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await decodeRgb(wide);
    expect([img.width, img.height]).toEqual([300, 600]);
  });

  it('converts raw RGBA and grey pixels to RGB', () => {
    const rgba = toRgb({ data: Uint8Array.of(1, 2, 3, 255, 4, 5, 6, 0), width: 2, height: 1 });
    expect(Array.from(rgba.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(toRgb({ data: Uint8Array.of(7, 9), width: 1, height: 2 }).data)).toEqual([7, 7, 7, 9, 9, 9]);
    expect(() => toRgb({ data: new Uint8Array(5), width: 2, height: 1 })).toThrow(/channels/);
  });
});

describe('segmentPerson', () => {
  for (const model of ['selfie', 'meet', 'rvm'] as const) {
    it(`separates the person from the background with ${model}`, async () => {
      const { mask, width, height } = await segmentPerson(astronaut, { model });
      expect([width, height, mask.length]).toEqual([512, 512, 512 * 512]);
      const at = (x: number, y: number) => mask[y * width + x];
      expect(at(230, 200)).toBeGreaterThan(0.8); // her face
      expect(at(10, 10)).toBeLessThan(0.2); // the background corner
      expect(mask.every((v) => v >= 0 && v <= 1)).toBe(true);
    });
  }

  it('takes raw RGBA pixels too', async () => {
    const { data, info } = await sharp(astronaut).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { mask, width } = await segmentPerson({ data, width: info.width, height: info.height });
    expect(width).toBe(512);
    expect(mask[200 * 512 + 230]).toBeGreaterThan(0.8);
  });

  it('leaves face detection working after a segmentation call', async () => {
    await segmentPerson(astronaut);
    const h = await getHuman();
    expect(h.config.segmentation.enabled).toBe(false);
    const { tensor } = await imageToTensor(astronaut);
    const result = await withHuman((hh) => hh.detect(tensor as never));
    tensor.dispose();
    expect(result.face).toHaveLength(1);
  });
});
