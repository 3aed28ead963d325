/**
 * One video from a series of clips: each clip gets its caption burned in (a PNG drawn by libvips,
 * laid over with ffmpeg's `overlay`, which every ffmpeg build has, unlike drawtext/libass that
 * need a font file or libass), then the clips are joined with cross-fades (`xfade`). An ffmpeg
 * without xfade (the npm static build is from 2018) gets fades through black instead, and the
 * result says so.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { escapeXml, wrapText } from '../diffusion/overlay.js';
import { abortError } from './encoder.js';
import { ffmpegPath } from './ffmpeg-path.js';
import { outputSizeFor } from './image-input.js';

export interface ConcatClip {
  video: Buffer;
  caption: string;
}

export interface ConcatRequest {
  clips: ConcatClip[];
  /** Seconds of each clip (all the same). */
  clipS: number;
  /** Seconds two neighbouring clips overlap in a cross-fade. */
  transitionS: number;
  width: number;
  height: number;
  fps: number;
  previewShortSide: number;
  signal?: AbortSignal;
  /** (seconds encoded, seconds in all). */
  onProgress?: (doneS: number, totalS: number) => void;
}

export interface ConcatResult {
  video: Buffer;
  preview: Buffer;
  durationS: number;
  /** `xfade:<names>` or the fallback used. */
  transitions: { kind: 'xfade' | 'fade_through_black'; names: string[]; fallback_reason?: string };
  captions: 'overlay_png';
}

/** Cycled through, one per join: gentle ones that read well on captions. */
const XFADES = ['fade', 'smoothleft', 'smoothup', 'circleopen', 'fadeblack', 'slideleft'];

let filters: Promise<Set<string>> | null = null;

/**
 * The filter names this ffmpeg has (asked once per process). A failed ask is not kept: it
 * rejects (the join fails with ffmpeg's error) and the next join asks again, rather than every
 * later series quietly falling back to fades as if this ffmpeg had no xfade.
 */
export function ffmpegFilters(): Promise<Set<string>> {
  filters ??= promisify(execFile)(ffmpegPath(), ['-hide_banner', '-filters'], { maxBuffer: 4 << 20 }).then(
    ({ stdout }) =>
      new Set(
        stdout
          .split('\n')
          .map((l) => /^\s*[.A-Z|]{3}\s+(\S+)\s/.exec(l)?.[1])
          .filter((n): n is string => !!n),
      ),
    (e: unknown) => {
      filters = null;
      throw e;
    },
  );
  return filters;
}

/** A transparent frame-sized PNG with the caption in a rounded dark box in the lower third. */
export async function captionPng(width: number, height: number, text: string): Promise<Buffer> {
  const fontSize = Math.round(width / 18);
  const perLine = Math.max(8, Math.floor((width * 0.8) / (fontSize * 0.55)));
  const lines = wrapText(text, perLine).slice(0, 3);
  const lineHeight = Math.round(fontSize * 1.25);
  const boxH = lines.length * lineHeight + fontSize;
  const boxW = Math.round(width * 0.9);
  const top = Math.round(height * 0.72);
  const rows = lines
    .map(
      (l, i) =>
        `<text x="50%" y="${top + fontSize * 1.25 + i * lineHeight}" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="${fontSize}" fill="#ffffff">${escapeXml(l)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="${(width - boxW) / 2}" y="${top}" rx="${fontSize / 2}" width="${boxW}" height="${boxH}" fill="#000000" fill-opacity="0.55"/>${rows}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function concatClips(req: ConcatRequest): Promise<ConcatResult> {
  const n = req.clips.length;
  if (n < 1) throw new Error('nothing to concatenate');
  if (req.signal?.aborted) throw abortError(req.signal);
  const have = await ffmpegFilters();
  const xfade = have.has('xfade') && n > 1;
  const T = req.transitionS;
  const totalS = xfade ? n * req.clipS - (n - 1) * T : n * req.clipS;
  const dir = await mkdtemp(path.join(tmpdir(), 'opensoul-series-'));
  try {
    const inputs: string[] = [];
    for (let i = 0; i < n; i++) {
      await writeFile(path.join(dir, `clip${i}.mp4`), req.clips[i].video);
      await writeFile(path.join(dir, `cap${i}.png`), await captionPng(req.width, req.height, req.clips[i].caption));
      inputs.push('-i', path.join(dir, `clip${i}.mp4`));
    }
    for (let i = 0; i < n; i++) inputs.push('-i', path.join(dir, `cap${i}.png`));
    const g: string[] = [];
    for (let i = 0; i < n; i++) {
      // Same size, rate and timebase on every branch: xfade and concat need identical inputs.
      const fades = xfade ? '' : `,fade=t=in:st=0:d=${T / 2},fade=t=out:st=${req.clipS - T / 2}:d=${T / 2}`;
      g.push(`[${i}:v]scale=${req.width}:${req.height},setsar=1,fps=${req.fps},trim=duration=${req.clipS},setpts=PTS-STARTPTS[v${i}]`);
      g.push(`[v${i}][${n + i}:v]overlay=0:0:eof_action=repeat,format=yuv420p${fades}[c${i}]`);
    }
    const names: string[] = [];
    let last = 'c0';
    if (xfade) {
      for (let k = 1; k < n; k++) {
        const name = XFADES[(k - 1) % XFADES.length];
        names.push(name);
        const out = k === n - 1 ? 'joined' : `x${k}`;
        g.push(`[${last}][c${k}]xfade=transition=${name}:duration=${T}:offset=${(k * (req.clipS - T)).toFixed(3)}[${out}]`);
        last = out;
      }
      if (n === 1) g.push('[c0]null[joined]');
    } else {
      g.push(`${Array.from({ length: n }, (_, i) => `[c${i}]`).join('')}concat=n=${n}:v=1:a=0[joined]`);
    }
    const preview = outputSizeFor(req.width, req.height, req.previewShortSide);
    g.push(`[joined]split=2[main][p]`, `[p]scale=${preview.width}:${preview.height}:flags=area[prev]`);
    const x264 = (crf: number) => [
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      String(crf),
      '-pix_fmt',
      'yuv420p',
      '-profile:v',
      'high',
      '-r',
      String(req.fps),
      '-movflags',
      '+faststart',
      '-map_metadata',
      '-1',
      '-f',
      'mp4',
    ];
    const mainPath = path.join(dir, 'series.mp4');
    const prevPath = path.join(dir, 'preview.mp4');
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-progress',
      'pipe:1',
      ...inputs,
      '-filter_complex',
      g.join(';'),
      '-map',
      '[main]',
      ...x264(21),
      '-y',
      mainPath,
      '-map',
      '[prev]',
      ...x264(27),
      '-y',
      prevPath,
    ];
    await run(args, totalS, req);
    return {
      video: await readFile(mainPath),
      preview: await readFile(prevPath),
      durationS: totalS,
      transitions: xfade
        ? { kind: 'xfade', names }
        : {
            kind: 'fade_through_black',
            names: [],
            ...(n > 1 ? { fallback_reason: `this ffmpeg (${ffmpegPath()}) has no xfade filter` } : {}),
          },
      captions: 'overlay_png',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(args: string[], totalS: number, req: ConcatRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8192)));
    // -progress writes key=value blocks; out_time_us is how far the output has got.
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const m = [...d.matchAll(/out_time_us=(\d+)/g)].at(-1);
      if (m) req.onProgress?.(Math.min(totalS, Number(m[1]) / 1e6), totalS);
    });
    const onAbort = () => child.kill('SIGKILL');
    req.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', reject);
    child.once('close', (code) => {
      req.signal?.removeEventListener('abort', onAbort);
      if (req.signal?.aborted) reject(abortError(req.signal));
      else if (code !== 0)
        reject(new Error(`ffmpeg concat failed with exit code ${code}: ${stderr.trim().split('\n').slice(-4).join(' | ')}`));
      else resolve();
    });
  });
}
