/**
 * Progress display for pulls, on stderr: a redrawn bar (bytes, rate, ETA, current file) when
 * the stream is a terminal, plain lines every few seconds and per finished file otherwise
 * (logs and CI keep a readable record instead of carriage-return noise).
 */
import type { PullProgressEvent } from './types.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporterOptions {
  stream?: ProgressStream;
  /** Seconds between plain lines when not on a terminal (default 5). */
  lineIntervalS?: number;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** Bytes per second over a sliding window of recent samples. */
class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 5000) {}
  add(t: number, bytes: number): void {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
  }
  rate(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.t > a.t ? ((b.bytes - a.bytes) * 1000) / (b.t - a.t) : 0;
  }
}

export function createProgressReporter(opts: ProgressReporterOptions = {}): (event: PullProgressEvent) => void {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const tty = Boolean(stream.isTTY);
  const intervalMs = (opts.lineIntervalS ?? 5) * 1000;
  const meter = new RateMeter();
  let total = 0;
  let done = 0;
  let completed = 0;
  let current = '';
  let lastDraw = 0;
  let lastLine = 0;
  let barShown = false;

  const summary = () => {
    const rate = meter.rate();
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    return { rate, eta, pct };
  };

  const draw = (force = false) => {
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const { rate, eta, pct } = summary();
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
    const filled = Math.round((pct / 100) * width);
    const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (pct >= 100 ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
    const name = current.length > 28 ? `…${current.slice(-27)}` : current;
    stream.write(
      `\r${bar} ${String(pct).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)} ${formatBytes(rate)}/s ETA ${formatDuration(eta)} ${name}\x1b[K`,
    );
    barShown = true;
  };

  const line = (text: string) => {
    if (tty && barShown) {
      stream.write(`\r\x1b[K`);
      barShown = false;
    }
    stream.write(`${text}\n`);
  };

  return (event) => {
    switch (event.type) {
      case 'listing':
        line(`Listing ${event.repo}@${event.revision}…`);
        return;
      case 'start':
        total = event.totalBytes;
        line(`Pulling ${event.repo}@${event.revision} (commit ${event.commit.slice(0, 10)}): ${event.files} files, ${formatBytes(total)}`);
        return;
      case 'file-start':
        current = event.path;
        done = completed + event.resumeFrom;
        // A resumed part jumps the count: sample it now so the jump is not read as speed.
        meter.add(now(), done);
        if (event.resumeFrom > 0) line(`Resuming ${event.path} at ${formatBytes(event.resumeFrom)}`);
        return;
      case 'progress': {
        done = event.doneBytes;
        const t = now();
        meter.add(t, done);
        if (tty) draw();
        else if (t - lastLine >= intervalMs) {
          lastLine = t;
          const { rate, eta, pct } = summary();
          line(`${pct}% ${formatBytes(done)}/${formatBytes(total)} at ${formatBytes(rate)}/s, ETA ${formatDuration(eta)} (${event.path})`);
        }
        return;
      }
      case 'file-done':
        completed += event.size;
        done = completed;
        if (tty) draw(true);
        else line(`${event.skipped ? 'have' : 'got '} ${event.path} (${formatBytes(event.size)})`);
        return;
      case 'retry':
        line(`Retrying ${event.path} (attempt ${event.attempt + 1}): ${event.error}`);
        return;
      case 'done':
        done = total;
        if (tty) draw(true);
        line(`Done: ${formatBytes(event.downloadedBytes)} downloaded into ${event.dir}`);
        return;
    }
  };
}
