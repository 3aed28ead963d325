/**
 * H.264 encoding through ffmpeg: raw RGB frames go in through stdin one at a time (at most a
 * couple of frames buffered), one process writes both the full clip and the small preview
 * clip, and an AbortSignal kills it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ffmpegPath } from './ffmpeg-path.js';

export interface VideoSettings {
  width: number;
  height: number;
  /** x264 preset (ultrafast .. slow) and constant rate factor. */
  preset: string;
  crf: number;
}

export interface EncodeJob {
  width: number;
  height: number;
  fps: number;
  frames: number;
  main: Omit<VideoSettings, 'width' | 'height'>;
  /** A second, smaller rendition from the same frames, or none. */
  preview?: VideoSettings;
  signal?: AbortSignal;
}

export interface EncodeResult {
  video: Buffer;
  preview: Buffer | null;
  /** ffmpeg's own CPU seconds (user + system), from its -benchmark report; NaN if absent. */
  encodeCpuS: number;
}

/** Produces frame i as RGBX bytes (width * height * 4, the X byte ignored); may be async. */
export type FrameSource = (index: number) => Uint8Array | Promise<Uint8Array>;

export function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'render aborted');
  err.name = 'AbortError';
  return err;
}

function x264Args(s: Omit<VideoSettings, 'width' | 'height'>, fps: number, frames: number): string[] {
  // Laid out by hand, flag/value pairs grouped per line, so not formatted.
  // prettier-ignore
  return [
    '-c:v', 'libx264', '-preset', s.preset, '-crf', String(s.crf),
    // One x264 thread: with more, Debian's ffmpeg 5.1 gives different bytes from run to run under
    // CPU load, and the same request must give the same file. The renderer uses the other core.
    '-threads', '1',
    '-pix_fmt', 'yuv420p', '-profile:v', 'high',
    '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv',
    '-r', String(fps), '-frames:v', String(frames),
    '-movflags', '+faststart', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact',
    '-f', 'mp4',
  ];
}

export async function encodeFrames(
  job: EncodeJob,
  source: FrameSource,
  onFrame?: (done: number, total: number) => void,
): Promise<EncodeResult> {
  const { width, height, fps, frames, signal } = job;
  if (signal?.aborted) throw abortError(signal);
  const dir = await mkdtemp(path.join(tmpdir(), 'opensoul-dop-'));
  const mainPath = path.join(dir, 'main.mp4');
  const previewPath = path.join(dir, 'preview.mp4');
  // RGBX -> BT.709 limited-range YUV with accurate rounding, then the optional preview branch.
  const toYuv = 'scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,format=yuv420p';
  const graph = job.preview
    ? `[0:v]${toYuv},split=2[main][p];[p]scale=${job.preview.width}:${job.preview.height}:flags=area[prev]`
    : `[0:v]${toYuv}[main]`;
  // Laid out by hand, flag/value pairs grouped per line, so not formatted.
  // prettier-ignore
  const args = [
    '-hide_banner', '-nostats', '-nostdin', '-loglevel', 'info', '-benchmark',
    '-f', 'rawvideo', '-pix_fmt', 'rgb0', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
    '-filter_complex', graph,
    '-map', '[main]', ...x264Args(job.main, fps, frames), '-y', mainPath,
  ];
  if (job.preview) args.push('-map', '[prev]', ...x264Args(job.preview, fps, frames), '-y', previewPath);

  const child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-32_768);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  // An early ffmpeg exit surfaces through the exit code; the broken pipe itself is expected then.
  child.stdin.on('error', () => undefined);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const frameBytes = width * height * 4;
    let dead = false;
    exited.then(
      () => (dead = true),
      () => (dead = true),
    );
    for (let i = 0; i < frames; i++) {
      if (aborted || signal?.aborted) throw abortError(signal!);
      if (dead) break;
      const frame = await source(i);
      if (frame.length !== frameBytes) throw new Error(`frame ${i} has ${frame.length} bytes, expected ${frameBytes}`);
      // Buffer.from copies nothing: the pipe holds this view until written, so sources must hand out fresh arrays.
      child.stdin.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
      // Backpressure: keep at most about two frames queued in this process.
      if (child.stdin.writableLength > 2 * frameBytes) {
        await new Promise<void>((resolve) => {
          const done = () => {
            child.stdin.off('drain', done);
            child.off('close', done);
            resolve();
          };
          child.stdin.on('drain', done);
          child.once('close', done);
        });
      }
      onFrame?.(i + 1, frames);
    }
    child.stdin.end();
    const code = await exited;
    if (aborted || signal?.aborted) throw abortError(signal!);
    if (code !== 0) throw new Error(`ffmpeg failed with exit code ${code}: ${stderr.trim().split('\n').slice(-6).join(' | ')}`);
    const video = await readFile(mainPath);
    const preview = job.preview ? await readFile(previewPath) : null;
    return { video, preview, encodeCpuS: parseBenchmark(stderr) };
  } catch (err) {
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await rm(dir, { recursive: true, force: true });
  }
}

/** ffmpeg -benchmark prints "bench: utime=1.234s stime=0.056s rtime=...". */
export function parseBenchmark(stderr: string): number {
  const m = /bench:\s*utime=([\d.]+)s\s+stime=([\d.]+)s/.exec(stderr);
  return m ? Number(m[1]) + Number(m[2]) : NaN;
}
