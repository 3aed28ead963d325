/**
 * Upscaler benchmark: is ESRGAN super-resolution (`@upscalerjs/esrgan-*` from npm, on tfjs-wasm)
 * worth it instead of a Lanczos resize for the last step of a Soul generation on CPU?
 *
 *   npx tsx bench/upscale.ts [--sizes 512,768,1024] [--models esrgan-slim,esrgan-medium]
 *                            [--workers N] [--single esrgan-slim] [--tile 256]
 *
 * Quality: each method's 2x upscale of a 2x-downscaled copy (bicubic with antialiasing, the usual
 * super-resolution protocol) of a natural photo, against the original: PSNR over RGB and SSIM on
 * luma, `scale` border pixels shaved. Speed: seconds for a 2x upscale of s x s (timed on the
 * astronaut resized to s; ESRGAN's cost does not depend on content). ESRGAN runs tiled (bounded
 * memory, output identical to whole-image inference, checked below) on --workers threads, and
 * single-threaded for the --single models; peak RSS is sampled during each run.
 *
 * Methods: `sharp resize` is sharp's resize() with `kernel: 'lanczos3'` (what the engine used to
 * call). For enlargement libvips ignores that kernel and interpolates bicubically with a
 * half-output-pixel offset, which costs it ~3 dB of PSNR here; `engine` is what the engine calls
 * now (src/engine/diffusion/enlarge.ts: libvips' bicubic affine with centres aligned); `Lanczos3 centred` is a plain-JS reference of a true
 * centre-aligned Lanczos-3 enlargement, so that ESRGAN is also compared with Lanczos done right.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { enlargeToCover } from '../src/engine/diffusion/enlarge.js';
import { ESRGAN_MODELS, EsrganPool, esrganModelJson, receptiveRadius, upscaleTiled, type EsrganModel } from './upscale-esrgan.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '512,768,1024' },
    models: { type: 'string', default: ESRGAN_MODELS.join(',') },
    workers: { type: 'string', default: String(availableParallelism()) },
    single: { type: 'string', default: 'esrgan-slim' },
    tile: { type: 'string', default: '256' },
  },
});
const SCALE = 2; // the npm models also ship x3/x4/x8; x2 is the common case and the cheapest
const sizes = values.sizes.split(',').map(Number);
const models = values.models.split(',').filter(Boolean) as EsrganModel[];
for (const m of models) if (!ESRGAN_MODELS.includes(m)) throw new Error(`unknown model ${m}; known: ${ESRGAN_MODELS.join(', ')}`);
const singles = new Set(values.single.split(',').filter(Boolean));
const workers = Math.max(1, Number(values.workers));
const tile = Number(values.tile);

const now = () => performance.now();
const MiB = (b: number) => b / 1024 / 1024;
const fmt = (x: number, d = 2) => x.toFixed(d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Image {
  data: Uint8Array;
  width: number;
  height: number;
}

async function decode(input: Buffer | Uint8Array, raw?: { width: number; height: number }): Promise<Image> {
  const img = raw ? sharp(input, { raw: { ...raw, channels: 3 } }) : sharp(input);
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

async function sharpResize(img: Image, width: number, height: number, kernel: 'lanczos3' | 'cubic'): Promise<Image> {
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { kernel })
    .raw()
    .toBuffer();
  return { data, width, height };
}

const lanczos3 = (x: number) => {
  if (x === 0) return 1;
  if (Math.abs(x) >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
};

/** One axis of a centre-aligned Lanczos-3 enlargement: rows of `w` RGB pixels -> `nw`, transposed. */
function lanczosAxis(src: Float32Array, w: number, h: number, nw: number): Float32Array {
  const out = new Float32Array(nw * h * 3); // written transposed (nw rows of h) so the next pass reads rows
  const ratio = w / nw;
  for (let x = 0; x < nw; x++) {
    const c = (x + 0.5) * ratio - 0.5; // pixel centres line up, as in every resampler but libvips' affine
    const lo = Math.floor(c) - 2;
    const taps: number[] = [];
    let sum = 0;
    for (let i = lo; i < lo + 6; i++) sum += taps[taps.push(lanczos3(i - c)) - 1];
    for (let y = 0; y < h; y++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < 6; k++) {
        const xi = Math.min(w - 1, Math.max(0, lo + k));
        const p = (y * w + xi) * 3;
        r += taps[k] * src[p];
        g += taps[k] * src[p + 1];
        b += taps[k] * src[p + 2];
      }
      const o = (x * h + y) * 3;
      out[o] = r / sum;
      out[o + 1] = g / sum;
      out[o + 2] = b / sum;
    }
  }
  return out;
}

function lanczosCentred(img: Image, width: number, height: number): Image {
  const pass1 = lanczosAxis(Float32Array.from(img.data), img.width, img.height, width); // width x height-in, transposed
  const pass2 = lanczosAxis(pass1, img.height, width, height); // back to row-major width x height
  const data = new Uint8Array(pass2.length);
  for (let i = 0; i < pass2.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(pass2[i])));
  return { data, width, height };
}

function psnr(a: Image, b: Image, shave: number): number {
  let se = 0;
  let n = 0;
  for (let y = shave; y < a.height - shave; y++) {
    for (let i = (y * a.width + shave) * 3; i < (y * a.width + a.width - shave) * 3; i++) {
      const d = a.data[i] - b.data[i];
      se += d * d;
      n++;
    }
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

/** Mean SSIM on luma (BT.601), 11x11 Gaussian window with sigma 1.5 (Wang et al. 2004). */
function ssim(a: Image, b: Image, shave: number): number {
  const { width: w, height: h } = a;
  const luma = (img: Image) => {
    const y = new Float64Array(w * h);
    for (let i = 0; i < w * h; i++) y[i] = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
    return y;
  };
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const gs = g.reduce((s, v) => s + v, 0);
  const blur = (src: Float64Array) => {
    const tmp = new Float64Array(w * h);
    const out = new Float64Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let k = -5; k <= 5; k++) s += g[k + 5] * src[y * w + Math.min(w - 1, Math.max(0, x + k))];
        tmp[y * w + x] = s / gs;
      }
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let k = -5; k <= 5; k++) s += g[k + 5] * tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
        out[y * w + x] = s / gs;
      }
    return out;
  };
  const x = luma(a);
  const y = luma(b);
  const mul = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]);
  const [mx, my, sxx, syy, sxy] = [x, y, mul(x, x), mul(y, y), mul(x, y)].map(blur);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let n = 0;
  for (let r = shave; r < h - shave; r++)
    for (let c = shave; c < w - shave; c++) {
      const i = r * w + c;
      const vx = sxx[i] - mx[i] * mx[i];
      const vy = syy[i] - my[i] * my[i];
      const cxy = sxy[i] - mx[i] * my[i];
      sum += ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] ** 2 + my[i] ** 2 + c1) * (vx + vy + c2));
      n++;
    }
  return sum / n;
}

/** The image moved by (d, d) pixels, resampled with Lanczos-3 (d = 0 is the identity). */
function shifted(img: Image, d: number): Image {
  if (d === 0) return img;
  const { width: w, height: h } = img;
  const taps = Array.from({ length: 6 }, (_, k) => lanczos3(k - 2 - d));
  const sum = taps.reduce((a, v) => a + v, 0);
  const pass = (src: Float32Array, w0: number, h0: number) => {
    const out = new Float32Array(src.length); // transposed, like lanczosAxis
    for (let y = 0; y < h0; y++)
      for (let x = 0; x < w0; x++)
        for (let c = 0; c < 3; c++) {
          let v = 0;
          for (let k = 0; k < 6; k++) v += taps[k] * src[(y * w0 + Math.min(w0 - 1, Math.max(0, x + k - 2))) * 3 + c];
          out[(x * h0 + y) * 3 + c] = v / sum;
        }
    return out;
  };
  const out = pass(pass(Float32Array.from(img.data), w, h), h, w);
  return { data: Uint8Array.from(out, (v) => Math.max(0, Math.min(255, Math.round(v)))), width: w, height: h };
}

/**
 * PSNR at the best of a few whole-image sub-pixel shifts: tells a misaligned resampler (a global
 * offset any viewer would ignore) from one that loses detail.
 */
function bestShiftPsnr(out: Image, truth: Image, shave: number): { shift: number; db: number } {
  let best = { shift: 0, db: -Infinity };
  for (const shift of [-0.5, -0.25, 0, 0.25, 0.5]) {
    const db = psnr(shifted(out, shift), truth, shave + 1);
    if (db > best.db) best = { shift, db };
  }
  return best;
}

/** Peak process RSS (all threads) while fn runs, sampled every 20 ms plus before and after. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; beforeMiB: number; peakMiB: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, beforeMiB: MiB(before), peakMiB: MiB(peak) };
  } finally {
    clearInterval(timer);
  }
}

type Upscaler = { label: string; run: (img: Image) => Promise<Image>; close?: () => Promise<void> };

const sharpUpscaler: Upscaler = {
  label: 'sharp resize (lanczos3)',
  run: (img) => sharpResize(img, img.width * SCALE, img.height * SCALE, 'lanczos3'),
};
const engineUpscaler: Upscaler = {
  label: 'engine (centred bicubic affine)',
  run: async (img) => {
    const to = { width: img.width * SCALE, height: img.height * SCALE };
    return { data: await enlargeToCover(Buffer.from(img.data), img, to), ...to };
  },
};
const lanczosUpscaler: Upscaler = {
  label: 'Lanczos3 centred (JS reference)',
  run: async (img) => lanczosCentred(img, img.width * SCALE, img.height * SCALE),
};

async function esrganUpscaler(model: EsrganModel, threads: number, tileSize = tile): Promise<Upscaler & { pad: number; loadS: number }> {
  const pad = receptiveRadius(esrganModelJson(model, SCALE));
  const t0 = now();
  const pool = await EsrganPool.start(model, SCALE, threads);
  const loadS = (now() - t0) / 1000;
  return {
    label: `${model}, ${threads === 1 ? '1 thread' : `${threads} worker threads`}`,
    pad,
    loadS,
    run: async (img) => ({
      data: await upscaleTiled(img.data, img.width, img.height, { scale: SCALE, tile: tileSize, pad, concurrency: threads, run: pool.run }),
      width: img.width * SCALE,
      height: img.height * SCALE,
    }),
    close: () => pool.close(),
  };
}

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/faces/${name}`, import.meta.url));

console.log(`# Upscaler benchmark (x${SCALE})`);
console.log(
  `node ${process.version}, ${availableParallelism()} CPUs, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), tfjs-wasm (SIMD, single-threaded per thread), tile ${tile} px`,
);

// ---- Quality -----------------------------------------------------------------------------------
const truths: { name: string; img: Image }[] = [];
for (const name of ['astronaut.png', 'group-samples.jpg']) {
  const img = await decode(fixture(name));
  // Even sides so that the 2x round trip lands on the original size.
  const even = { width: img.width - (img.width % SCALE), height: img.height - (img.height % SCALE) };
  truths.push({
    name,
    img:
      even.width === img.width && even.height === img.height
        ? img
        : await decode(
            await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
              .extract({ left: 0, top: 0, ...even })
              .raw()
              .toBuffer(),
            even,
          ),
  });
}
const lows = await Promise.all(truths.map((t) => sharpResize(t.img, t.img.width / SCALE, t.img.height / SCALE, 'cubic')));

console.log(`\n## Quality: 2x upscale of a 2x bicubic downscale vs the original (PSNR RGB, SSIM luma, ${SCALE} px border shaved)\n`);
const qualityRows: string[][] = truths.map(() => []);
const quality = async (u: Upscaler) => {
  for (let i = 0; i < truths.length; i++) {
    const out = await u.run(lows[i]);
    const t = truths[i];
    const best = bestShiftPsnr(out, t.img, SCALE);
    qualityRows[i].push(
      `| ${t.name} ${t.img.width}x${t.img.height} | ${u.label} | ${fmt(psnr(out, t.img, SCALE))} | ${fmt(ssim(out, t.img, SCALE), 4)} | ${fmt(best.db)} at ${best.shift} px |`,
    );
  }
};
await quality(sharpUpscaler);
await quality(engineUpscaler);
await quality(lanczosUpscaler);
for (const model of models) {
  const u = await esrganUpscaler(model, workers);
  try {
    await quality(u);
    if (model === models[0]) {
      // Tiling must not change the picture: compare many small tiles with one whole-image tile.
      const small = lows[0];
      const runOnce = async (threads: number, tileSize: number) => {
        const v = await esrganUpscaler(model, threads, tileSize);
        try {
          return await v.run(small);
        } finally {
          await v.close?.();
        }
      };
      const whole = await runOnce(1, Math.max(small.width, small.height));
      const tiled = await runOnce(workers, 96);
      let maxDiff = 0;
      for (let i = 0; i < whole.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole.data[i] - tiled.data[i]));
      console.log(`(${model}: 96 px tiles with ${u.pad} px of context vs one whole-image pass: max |diff| = ${maxDiff} of 255)\n`);
    }
  } finally {
    await u.close?.();
  }
}

console.log('| image | method | PSNR dB | SSIM | PSNR at best shift |');
console.log('|---|---|---|---|---|');
for (const rows of qualityRows) for (const row of rows) console.log(row);

// ---- Speed -------------------------------------------------------------------------------------
const astronaut = await decode(fixture('astronaut.png'));
const inputs = await Promise.all(sizes.map((s) => sharpResize(astronaut, s, s, 'lanczos3')));
const header = sizes.map((s) => `${s}→${s * SCALE} s`);
const last = `${sizes.at(-1)}→${sizes.at(-1)! * SCALE}`;
// RSS is the whole process's: "before" carries what earlier runs left (freed heaps are not all returned).
console.log(`\n## Speed: seconds per 2x upscale (process RSS before the runs -> peak during them)\n`);
console.log(`| method | ${header.join(' | ')} | × sharp at ${last} | RSS MiB |`);
console.log(`|---|${header.map(() => '---|').join('')}---|---|`);

let sharpLast = NaN;
const speed = async (u: Upscaler, repeats: number, note = '') => {
  const secs: number[] = [];
  const { beforeMiB, peakMiB } = await withPeakRss(async () => {
    await u.run(inputs[0]); // warm-up: libvips/wasm first-call costs are not per-image costs
    for (const img of inputs) {
      const runs: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = now();
        await u.run(img);
        runs.push((now() - t0) / 1000);
      }
      secs.push(median(runs));
    }
  });
  if (u === sharpUpscaler) sharpLast = secs.at(-1)!;
  const ratio = secs.at(-1)! / sharpLast;
  console.log(
    `| ${u.label}${note} | ${secs.map((s) => fmt(s, s < 0.1 ? 3 : 2)).join(' | ')} | ${ratio < 10 ? fmt(ratio, 1) : Math.round(ratio)} | ${Math.round(beforeMiB)} → ${Math.round(peakMiB)} |`,
  );
};
await speed(sharpUpscaler, 5);
await speed(engineUpscaler, 5);
await speed(lanczosUpscaler, 1);
for (const model of models) {
  for (const threads of singles.has(model) && workers > 1 ? [1, workers] : [workers]) {
    const u = await esrganUpscaler(model, threads);
    try {
      await speed(u, 1, ` (model load ${fmt(u.loadS, 1)} s)`);
    } finally {
      await u.close?.();
    }
  }
}
