/** Motion preview clips: rendered once, then served from memory and from the disk cache. */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MOTIONS } from '../../../src/domain/motions.js';
import { renderClip, type ClipJob } from '../../../src/engine/video/dop-pipeline.js';
import {
  clearMotionPreviewMemory,
  motionPreviewCacheDir,
  motionPreviewFile,
  renderMotionPreview,
} from '../../../src/engine/video/motion-preview.js';
import { probe } from './helpers/media.js';

const id = (name: string) => MOTIONS.find((m) => m.name === name)!.id;

/** The real renderer, counting its calls. */
function countingRender() {
  const counter = { renders: 0, render: (job: ClipJob) => (counter.renders++, renderClip(job)) };
  return counter;
}

describe('motion preview disk cache', () => {
  let dataDir: string;
  let dir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'previews-'));
    dir = motionPreviewCacheDir(dataDir);
    clearMotionPreviewMemory();
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('renders concurrent first requests once, stores the clip, and serves it from disk after a restart', async () => {
    expect(dir).toBe(path.join(dataDir, 'cache', 'motion-previews'));
    const motion = id('Orbit Left');
    const first = countingRender();
    const clips = await Promise.all([1, 2, 3].map(() => renderMotionPreview(motion, { cacheDir: dir, render: first.render })));
    expect(first.renders).toBe(1);
    expect(clips[1]).toBe(clips[0]);
    expect(await probe(clips[0])).toMatchObject({ codec: 'h264', width: 256, height: 256, frames: 120 });

    const file = await motionPreviewFile(dir, motion);
    expect(path.basename(file)).toMatch(new RegExp(`^${motion}-[0-9a-f]{12}\\.mp4$`));
    // Only the finished clip is there: the temporary file was renamed into place.
    expect(await readdir(dir)).toEqual([path.basename(file)]);
    expect((await readFile(file)).equals(clips[0])).toBe(true);
    const written = (await stat(file)).mtimeMs;

    // A restart: fresh module state (empty memory), same data dir.
    vi.resetModules();
    const fresh = await import('../../../src/engine/video/motion-preview.js');
    const second = countingRender();
    const again = await fresh.renderMotionPreview(motion, { cacheDir: dir, render: second.render });
    expect(second.renders).toBe(0);
    expect(again.equals(clips[0])).toBe(true);
    expect((await stat(file)).mtimeMs).toBe(written);

    // The memory cache still answers before the disk does: after clearing it the disk serves.
    clearMotionPreviewMemory();
    const third = countingRender();
    expect((await renderMotionPreview(motion, { cacheDir: dir, render: third.render })).equals(clips[0])).toBe(true);
    expect(third.renders).toBe(0);
  });

  it('re-renders over a torn file and drops clips of other versions', async () => {
    const motion = id('Zoom Through');
    const file = await motionPreviewFile(dir, motion);
    const stale = path.join(dir, `${motion}-000000000000.mp4`);
    const other = path.join(dir, `${id('Orbit Left')}-000000000000.mp4`);
    await mkdir(dir, { recursive: true });
    await writeFile(file, Buffer.from('half a clip'));
    await writeFile(stale, Buffer.from('an older renderer'));
    await writeFile(other, Buffer.from('another motion'));

    const r = countingRender();
    const clip = await renderMotionPreview(motion, { cacheDir: dir, render: r.render });
    expect(r.renders).toBe(1);
    expect((await probe(clip)).frames).toBe(120);
    expect((await readFile(file)).equals(clip)).toBe(true);
    // This motion's older version is gone; other motions' files are left alone.
    expect((await readdir(dir)).sort()).toEqual([path.basename(file), path.basename(other)].sort());
  });

  it('does not cache a failed render', async () => {
    const motion = id('Dolly In');
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('encoder crashed');
    };
    await expect(renderMotionPreview(motion, { cacheDir: dir, render: failing })).rejects.toThrow('encoder crashed');
    await expect(readdir(dir)).rejects.toThrow();
    const r = countingRender();
    await renderMotionPreview(motion, { cacheDir: dir, render: r.render });
    expect([calls, r.renders]).toEqual([1, 1]);
    expect(await readdir(dir)).toEqual([path.basename(await motionPreviewFile(dir, motion))]);
  });
});
