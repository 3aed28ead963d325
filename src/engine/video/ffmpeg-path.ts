/** Which ffmpeg binary to run: Debian's when installed (newer, shared libs), else the npm static build. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let cached: string | null = null;

export function ffmpegPath(): string {
  if (cached) return cached;
  const fromEnv = process.env.OPENSOUL_FFMPEG;
  if (fromEnv && existsSync(fromEnv)) return (cached = fromEnv);
  if (existsSync('/usr/bin/ffmpeg')) return (cached = '/usr/bin/ffmpeg');
  try {
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    if (existsSync(installer.path)) return (cached = installer.path);
  } catch {
    // fall through to the error below
  }
  throw new Error('no ffmpeg found: install Debian ffmpeg or the @ffmpeg-installer/ffmpeg package, or set OPENSOUL_FFMPEG');
}
