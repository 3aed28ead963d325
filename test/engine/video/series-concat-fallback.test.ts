import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';

// The npm static ffmpeg (2018) has no xfade: the join falls back to fades through black, visibly.
const staticFfmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
process.env.OPENSOUL_FFMPEG = staticFfmpeg;
const { concatClips, ffmpegFilters } = await import('../../../src/engine/video/concat.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'series-concat-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function clip(i: number): Buffer {
  const file = path.join(dir, `c${i}.mp4`);
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=0x${(i * 0x404040 + 0x202020).toString(16).padStart(6, '0')}:size=180x320:rate=24:duration=1`,
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return fs.readFileSync(file);
}

describe('series join on an ffmpeg without xfade', () => {
  it('joins with fades through black, lasts every clip in full, burns captions, and says why', async () => {
    expect((await ffmpegFilters()).has('xfade')).toBe(false);
    expect((await ffmpegFilters()).has('overlay')).toBe(true);
    const out = await concatClips({
      clips: [0, 1, 2].map((i) => ({ video: clip(i), caption: `Caption ${i}` })),
      clipS: 1,
      transitionS: 0.4,
      width: 180,
      height: 320,
      fps: 24,
      previewShortSide: 90,
    });
    expect(out.transitions).toMatchObject({ kind: 'fade_through_black', fallback_reason: expect.stringContaining('no xfade') });
    expect(out.durationS).toBe(3);
    const file = path.join(dir, 'joined.mp4');
    fs.writeFileSync(file, out.video);
    const probe = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height:format=duration', '-of', 'json', file],
        { encoding: 'utf8' },
      ),
    );
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 180, height: 320 });
    expect(Number(probe.format.duration)).toBeCloseTo(3, 1);
    // Mid-clip frame: the caption box darkens the lower third of a flat colour.
    const frame = execFileSync(
      'ffmpeg',
      ['-loglevel', 'error', '-ss', '1.5', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      { maxBuffer: 1 << 20 },
    );
    const at = (y: number) => frame[y * 180 + 90];
    expect(Math.abs(at(60) - at(250))).toBeGreaterThan(10);
  }, 60_000);
});
