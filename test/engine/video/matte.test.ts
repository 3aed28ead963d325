import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dilate, fillHole } from '../../../src/engine/video/inpaint.js';
import { buildLayers, resizeAlpha } from '../../../src/engine/video/layers.js';
import { chainMatteProviders, matteCoverage, type Matte, type MatteProvider } from '../../../src/engine/video/matte.js';
import { otsuThreshold, saliencyMatte } from '../../../src/engine/video/saliency-matte.js';
import { rgbToRgbx, type RgbxImage } from '../../../src/engine/video/warp.js';
import { subjectScene, texture } from './helpers/images.js';

async function rgbx(png: Buffer): Promise<RgbxImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return rgbToRgbx(new Uint8Array(data), info.width, info.height);
}

describe('saliency matte', () => {
  it('finds a distinct subject in front of a background', async () => {
    const w = 320;
    const h = 240;
    const img = await rgbx(await subjectScene(w, h));
    const m = saliencyMatte(img);
    expect(m).not.toBeNull();
    const alpha = resizeAlpha(m!, w, h);
    // Compare with the disc the scene was drawn with (radius 0.24 * short side, centre (w/2, 0.52 h)).
    let inter = 0;
    let union = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const truth = Math.hypot(x + 0.5 - w / 2, y + 0.5 - h * 0.52) < 0.24 * h;
        const got = alpha[y * w + x] > 127;
        if (truth && got) inter++;
        if (truth || got) union++;
      }
    }
    expect(inter / union).toBeGreaterThan(0.75);
  });

  it('returns null when nothing stands out', async () => {
    const img = await rgbx(await texture(200, 150, 5));
    expect(saliencyMatte(img)).toBeNull();
  });

  it('thresholds a two-level histogram between its modes', () => {
    const v = new Float32Array(1000).map((_, i) => (i < 600 ? 0.2 : 0.8));
    const t = otsuThreshold(v);
    expect(t).toBeGreaterThan(0.2);
    expect(t).toBeLessThanOrEqual(0.8);
  });
});

describe('matte provider chain', () => {
  const fixed = (name: string, m: Matte | null | 'throw'): MatteProvider => ({
    name,
    async matte() {
      if (m === 'throw') throw new Error('model missing');
      return m;
    },
  });
  const full = (v: number): Matte => ({ alpha: new Uint8Array(100).fill(v), width: 10, height: 10, source: `v${v}` });
  const half: Matte = { alpha: new Uint8Array(100).map((_, i) => (i < 40 ? 255 : 0)), width: 10, height: 10, source: 'half' };
  const img = { data: new Uint32Array(4), width: 2, height: 2 };

  it('falls through failing, empty and all-covering providers', async () => {
    expect(matteCoverage(half)).toBeCloseTo(0.4);
    const chain = chainMatteProviders([fixed('a', 'throw'), fixed('b', full(0)), fixed('c', full(255)), fixed('d', half)]);
    expect((await chain.matte(img))?.source).toBe('half');
    expect(await chainMatteProviders([fixed('a', null)]).matte(img)).toBeNull();
  });

  it('tells the caller of every provider it passed over because it threw', async () => {
    const failures: unknown[] = [];
    const chain = chainMatteProviders([fixed('a', 'throw'), fixed('b', full(0)), fixed('c', 'throw')]);
    expect(await chain.matte(img, (f) => failures.push(f))).toBeNull();
    expect(failures).toEqual([
      { provider: 'a', error: 'model missing' },
      { provider: 'c', error: 'model missing' },
    ]);
  });
});

describe('background fill', () => {
  it('keeps known pixels and fills the hole smoothly from its border', () => {
    const w = 64;
    const h = 48;
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set([x * 4, y * 5, 100], (y * w + x) * 3);
    const img = rgbToRgbx(rgb, w, h);
    const hole = new Uint8Array(w * h);
    for (let y = 16; y < 32; y++) for (let x = 20; x < 44; x++) hole[y * w + x] = 1;
    const filled = fillHole(img, hole);
    let maxErr = 0;
    for (let i = 0; i < w * h; i++) {
      if (!hole[i]) {
        expect(filled.data[i]).toBe(img.data[i]);
        continue;
      }
      // A linear ramp is filled with values close to the ramp itself.
      const x = i % w;
      const r = filled.data[i] & 255;
      maxErr = Math.max(maxErr, Math.abs(r - x * 4));
      expect((filled.data[i] >>> 16) & 255).toBe(100);
    }
    expect(maxErr).toBeLessThan(40);
  });

  it('dilates a mask by the requested radius', () => {
    const m = new Uint8Array(11 * 11);
    m[5 * 11 + 5] = 1;
    const d = dilate(m, 11, 11, 2);
    expect(d.reduce((s, v) => s + v, 0)).toBe(25);
    expect(d[3 * 11 + 3]).toBe(1);
    expect(d[2 * 11 + 5]).toBe(0);
  });
});

describe('parallax layers', () => {
  it('cuts the subject out with premultiplied alpha and removes it from the background', async () => {
    const w = 160;
    const h = 120;
    const img = await rgbx(await subjectScene(w, h));
    const matte = saliencyMatte(img)!;
    const layers = buildLayers(img, matte);
    const c = (h * 0.52) | 0;
    const centre = c * w + w / 2;
    // The layer is stored with a one-pixel transparent border.
    const padded = (c + 1) * (w + 2) + w / 2 + 1;
    expect(layers.subject.data.length).toBe((w + 2) * (h + 2));
    expect(layers.subject.data[padded] >>> 24).toBe(255);
    expect(layers.subject.data[padded] & 0xffffff).toBe(img.data[centre] & 0xffffff);
    expect(layers.subject.data[w + 2 + 1]).toBe(0);
    expect(layers.background.data[0]).toBe(img.data[0]);
    // The background no longer shows the warm subject at its centre.
    const warm = (p: number) => (p & 255) - ((p >>> 16) & 255);
    expect(warm(layers.background.data[centre])).toBeLessThan(warm(img.data[centre]) - 60);
    const b = layers.subject.box;
    expect(b.x0).toBeGreaterThan(0);
    expect(b.x1).toBeLessThan(w - 1);
  });
});
