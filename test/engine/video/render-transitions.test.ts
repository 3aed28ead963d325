/** First-last-frame clips and request validation, end to end. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MOTIONS } from '../../../src/domain/motions.js';
import { DopInputError, renderDop, type DopRequest } from '../../../src/engine/video/index.js';
import { astronaut, restPose, texture } from './helpers/images.js';
import { decodeFrames } from './helpers/media.js';
import { psnr } from './helpers/metrics.js';

const id = (name: string) => MOTIONS.find((m) => m.name === name)!.id;

describe('first-last-frame transitions', () => {
  it.each(['Morph', 'Zoom Through', 'Whip Transition'])('%s starts at the start image and ends at the end image', async (name) => {
    const image = astronaut();
    // A different end still with another aspect ratio: it is cropped to the start's frame.
    const endImage = await sharp(await texture(600, 400, 3, [200, 90, 140]))
      .jpeg({ quality: 92 })
      .toBuffer();
    const r = await renderDop({
      image,
      endImage,
      motions: [
        { id: id(name), strength: 1 },
        { id: id('Handheld'), strength: 0.6 },
      ],
      prompt: '',
      tier: 'lite',
      seed: 4,
    });
    const { frames, width, height } = await decodeFrames(r.video, 'rgb24');
    expect(frames).toHaveLength(120);
    const start = await restPose(image, width, height);
    const end = await restPose(endImage, width, height);
    expect(psnr(frames[0], start)).toBeGreaterThan(30);
    expect(psnr(frames[119], end)).toBeGreaterThan(30);
    // The middle is neither still.
    expect(psnr(frames[60], start)).toBeLessThan(25);
    expect(psnr(frames[60], end)).toBeLessThan(25);
  });

  it('adds the default morph when an end image comes without motions', async () => {
    const r = await renderDop({
      image: astronaut(),
      endImage: await texture(300, 300, 8),
      motions: [],
      prompt: 'slow pan left',
      tier: 'lite',
      seed: 1,
    });
    expect(r.motions.map((m) => MOTIONS.find((x) => x.id === m.id)!.name)).toEqual(['Morph', 'Pan Left']);
  });
});

describe('bad requests', () => {
  const base = (): DopRequest => ({ image: astronaut(), motions: [], prompt: '', tier: 'lite', seed: 1 });
  const rejects = async (req: DopRequest, message: RegExp) => {
    const err = await renderDop(req).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DopInputError);
    expect((err as Error).message).toMatch(message);
  };

  it('rejects unknown motion ids', async () => {
    await rejects({ ...base(), motions: [{ id: 'motion-1', strength: 1 }] }, /unknown motion id "motion-1"/);
  });

  it('rejects an end image without a start_end_frame motion', async () => {
    await rejects({ ...base(), endImage: astronaut(), motions: [{ id: id('Zoom In'), strength: 1 }] }, /start_end_frame/);
  });

  it('rejects a transition without an end image', async () => {
    await rejects({ ...base(), motions: [{ id: id('Morph'), strength: 1 }] }, /needs an end image/);
  });

  it('rejects two transitions at once', async () => {
    await rejects({ ...base(), endImage: astronaut(), motions: [{ id: id('Morph') }, { id: id('Zoom Through') }] }, /only one/);
  });

  it('rejects buffers that are not images, and missing images', async () => {
    await rejects({ ...base(), image: Buffer.from('<html>not an image</html>') }, /not a decodable image/);
    await rejects({ ...base(), image: Buffer.alloc(0) }, /image is missing/);
    await rejects({ ...base(), image: undefined as unknown as Buffer }, /image is missing/);
    await rejects(
      { ...base(), endImage: Buffer.from('GIF89a broken'), motions: [{ id: id('Morph') }] },
      /end image is not a decodable image/,
    );
  });

  it('rejects tiny images, bad strengths, tiers and seeds', async () => {
    await rejects(
      {
        ...base(),
        image: await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
          .png()
          .toBuffer(),
      },
      /at least 16/,
    );
    await rejects({ ...base(), motions: [{ id: id('Zoom In'), strength: 1.5 }] }, /strength must be a number from 0 to 1/);
    await rejects({ ...base(), motions: [{ id: id('Zoom In'), strength: Number.NaN }] }, /strength/);
    await rejects({ ...base(), tier: 'ultra' as DopRequest['tier'] }, /tier must be/);
    await rejects({ ...base(), seed: Number.POSITIVE_INFINITY }, /seed/);
    await rejects({ ...base(), motions: 'zoom' as unknown as DopRequest['motions'] }, /motions must be an array/);
  });
});
