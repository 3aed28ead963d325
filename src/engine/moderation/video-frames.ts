import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath } from '../video/ffmpeg-path.js';

const run = promisify(execFile);
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Frame indexes to look at: first, middle and last, plus evenly spaced ones up to `count`. */
export function sampleIndexes(frames: number, count: number): number[] {
  if (frames <= 0) return [];
  const n = Math.max(1, Math.min(count, frames));
  if (n === 1) return [0];
  const picks = new Set<number>();
  for (let i = 0; i < n; i++) picks.add(Math.round((i * (frames - 1)) / (n - 1)));
  return [...picks].sort((a, b) => a - b);
}

/** Video frames in the video's stream, counted from its packets (a stream copy, nothing decoded). */
async function countFrames(file: string): Promise<number> {
  const { stderr } = await run(
    ffmpegPath(),
    ['-hide_banner', '-nostats', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-', '-progress', 'pipe:2'],
    { maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
  );
  const counts = [...stderr.matchAll(/^frame=(\d+)/gm)].map((m) => Number(m[1]));
  if (!counts.length) throw new Error('ffmpeg reported no video frames');
  return counts[counts.length - 1];
}

/**
 * Frames of an encoded video (any container ffmpeg reads) as packed RGB squashed to size × size,
 * the square the classifier takes. `count` frames are sampled evenly, first and last included
 * (3 = first, middle, last). One decode pass: select drops the other frames before scaling.
 */
export async function sampleVideoFrames(video: Buffer, size: number, count = 3): Promise<Uint8Array[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'opensoul-moderation-'));
  try {
    const file = path.join(dir, 'video');
    await writeFile(file, video, { mode: 0o600 });
    const picks = sampleIndexes(await countFrames(file), count);
    if (!picks.length) throw new Error('the video has no frames');
    const select = picks.map((i) => `eq(n\\,${i})`).join('+');
    const { stdout } = await run(
      ffmpegPath(),
      [
        '-v',
        'error',
        '-i',
        file,
        '-map',
        '0:v:0',
        '-vf',
        `select='${select}',scale=${size}:${size}:flags=bilinear`,
        '-vsync',
        '0',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        'pipe:1',
      ],
      { maxBuffer: MAX_OUTPUT, encoding: 'buffer' },
    );
    const frameBytes = size * size * 3;
    const frames: Uint8Array[] = [];
    for (let off = 0; off + frameBytes <= stdout.length; off += frameBytes)
      frames.push(new Uint8Array(stdout.buffer, stdout.byteOffset + off, frameBytes));
    if (!frames.length) throw new Error('ffmpeg decoded no frames from the video');
    return frames;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
