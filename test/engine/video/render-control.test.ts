/** Progress, cancellation and motion preview clips. */
import { describe, expect, it } from 'vitest';
import { MOTIONS } from '../../../src/domain/motions.js';
import { DopInputError, renderDop, renderMotionPreview } from '../../../src/engine/video/index.js';
import { texture } from './helpers/images.js';
import { probe } from './helpers/media.js';

const id = (name: string) => MOTIONS.find((m) => m.name === name)!.id;

describe('render control', () => {
  it('reports progress for every frame and stops ffmpeg when aborted', async () => {
    const image = await texture(640, 360, 4);
    const seen: number[] = [];
    const ok = await renderDop({
      image,
      motions: [{ id: id('Zoom In'), strength: 1 }],
      prompt: '',
      tier: 'lite',
      seed: 1,
      onProgress: (done, total) => {
        expect(total).toBe(120);
        seen.push(done);
      },
    });
    expect(ok.video.length).toBeGreaterThan(1000);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));

    const ctl = new AbortController();
    let last = 0;
    const started = Date.now();
    const err = await renderDop({
      image,
      motions: [{ id: id('Zoom In'), strength: 1 }],
      prompt: '',
      tier: 'turbo',
      seed: 1,
      signal: ctl.signal,
      onProgress: (done) => {
        last = done;
        if (done === 10) ctl.abort();
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('AbortError');
    expect(last).toBe(10);
    expect(Date.now() - started).toBeLessThan(30_000);
    // An already aborted signal never starts work.
    await expect(renderDop({ image, motions: [], prompt: '', tier: 'lite', seed: 1, signal: AbortSignal.abort() })).rejects.toThrow();
  });
});

describe('motion previews', () => {
  it('renders a small clip per motion once and serves it from memory after', async () => {
    const a = await renderMotionPreview(id('Orbit Left'));
    const v = await probe(a);
    expect(v).toMatchObject({ codec: 'h264', width: 256, height: 256, frames: 120, fps: 24 });
    expect(await renderMotionPreview(id('Orbit Left'))).toBe(a);
    const t = await probe(await renderMotionPreview(id('Zoom Through')));
    expect(t.frames).toBe(120);
    await expect(renderMotionPreview('nope')).rejects.toBeInstanceOf(DopInputError);
  });
});
