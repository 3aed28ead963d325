/** Reading encoded clips back: ffprobe facts and decoded frames, through the real binaries. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';

function run(cmd: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

async function withTempFile<T>(bytes: Buffer, ext: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dop-test-'));
  const file = path.join(dir, `clip.${ext}`);
  try {
    await writeFile(file, bytes);
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ProbeFacts {
  codec: string;
  pixFmt: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  durationS: number;
  formatName: string;
  /** Byte offset of the moov atom relative to mdat: faststart puts moov first. */
  moovBeforeMdat: boolean;
}

export async function probe(video: Buffer): Promise<ProbeFacts> {
  return withTempFile(video, 'mp4', async (file) => {
    const json = JSON.parse(
      (await run(FFPROBE, ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file])).toString(),
    );
    const s = json.streams.find((x: { codec_type: string }) => x.codec_type === 'video');
    const [num, den] = String(s.r_frame_rate).split('/').map(Number);
    const moov = video.indexOf('moov');
    const mdat = video.indexOf('mdat');
    return {
      codec: s.codec_name,
      pixFmt: s.pix_fmt,
      width: s.width,
      height: s.height,
      fps: num / den,
      frames: Number(s.nb_read_frames),
      durationS: Number(json.format.duration),
      formatName: json.format.format_name,
      moovBeforeMdat: moov >= 0 && mdat >= 0 && moov < mdat,
    };
  });
}

/** Decodes every frame as 8-bit grey or RGB (BT.709 matrix, like the encoder). */
export async function decodeFrames(
  video: Buffer,
  pixFmt: 'gray' | 'rgb24' = 'gray',
): Promise<{ frames: Uint8Array[]; width: number; height: number }> {
  const facts = await probe(video);
  const raw = await withTempFile(video, 'mp4', (file) =>
    run(FFMPEG, [
      '-v',
      'error',
      '-i',
      file,
      '-vf',
      'scale=in_color_matrix=bt709:in_range=tv:flags=bicubic+accurate_rnd+full_chroma_int',
      '-f',
      'rawvideo',
      '-pix_fmt',
      pixFmt,
      'pipe:1',
    ]),
  );
  const size = facts.width * facts.height * (pixFmt === 'gray' ? 1 : 3);
  const frames: Uint8Array[] = [];
  for (let o = 0; o + size <= raw.length; o += size) frames.push(new Uint8Array(raw.subarray(o, o + size)));
  return { frames, width: facts.width, height: facts.height };
}
