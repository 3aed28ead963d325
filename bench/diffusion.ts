/**
 * Diffusion engine benchmark: per-step milliseconds, peak RSS, and the pipeline's overhead as
 * wall time / sum of ONNX Runtime session.run time (target <= 1.05), on generated fixture models
 * and on every real model installed in the models cache (CPU; CUDA too when it starts).
 *
 *   npx tsx bench/diffusion.ts [--runs 3] [--steps 4] [--size 512] [--threads N] [--spinning] [--models-dir DIR]
 *
 * The ratio is the mean pipeline time over the mean ONNX time; the median of the per-run ratios is
 * printed beside it because a shared machine's occasional descheduling lifts the mean.
 *
 * "pipeline" = tokenize + encode text + denoise + VAE decode (the engine's own work);
 * "end-to-end" adds the Lanczos resize to the output size and PNG encoding.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { makeFixtureModel } from '../src/engine/diffusion/fixture/index.js';
import { createDiffusionEngine, type SoulRenderResult } from '../src/engine/diffusion/index.js';
import { missingModelFiles } from '../src/engine/diffusion/model-files.js';
import { listModels } from '../src/engine/hub/cache.js';
import { cudaProviderInstalled, ExecutionProviderError, type ExecutionProviderName } from '../src/engine/onnx/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    steps: { type: 'string', default: '4' },
    size: { type: 'string', default: '512' },
    threads: { type: 'string' },
    spinning: { type: 'boolean', default: false },
    'models-dir': { type: 'string' },
  },
});
const runs = Number(values.runs);
const steps = Number(values.steps);
const size = Number(values.size);
const threads = values.threads ? Number(values.threads) : availableParallelism();
const config = loadConfig();
const modelsDir = values['models-dir'] ? resolve(values['models-dir']) : config.modelsDir;

const spinning = values.spinning ?? false;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmt = (x: number, d = 1) => x.toFixed(d);
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

interface Row {
  model: string;
  provider: string;
  gen: string;
  stepMs: number;
  onnxMs: number;
  pipelineMs: number;
  totalMs: number;
  pipelineRatio: number;
  pipelineRatioMedian: number;
  totalRatio: number;
  loadMs: number;
  rssMiB: number;
}

async function bench(
  label: string,
  modelPath: string,
  provider: ExecutionProviderName,
  extra: { batchSize?: 1 | 4; guidanceScale?: number } = {},
): Promise<Row | null> {
  const logs: string[] = [];
  const engine = createDiffusionEngine({
    modelPath,
    modelsDir,
    defaultModel: label,
    provider,
    threads,
    spinning,
    log: (m) => logs.push(m),
  });
  try {
    const req = {
      prompt: 'a lighthouse on a cliff at dusk, dramatic clouds, 35mm photo',
      width: size,
      height: size,
      seed: 7,
      steps,
      ...extra,
    };
    let warm: SoulRenderResult;
    try {
      warm = await engine.render(req); // loads sessions and warms ORT's allocators
    } catch (err) {
      if (!(err instanceof ExecutionProviderError)) throw err;
      console.log(`  ${label}: CUDA did not start (${err.message}); skipped`);
      return null;
    }
    const results: SoulRenderResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await engine.render({ ...req, seed: 100 + i }));
    const t = results.map((r) => r.timings);
    const onnx = mean(t.map((x) => x.onnxMs));
    const pipe = mean(t.map((x) => x.pipelineMs));
    const total = mean(t.map((x) => x.totalMs));
    return {
      model: label,
      provider,
      gen: `${t[0].generationWidth}x${t[0].generationHeight}${extra.batchSize === 4 ? ' x4' : ''}${(extra.guidanceScale ?? 0) > 1 ? ' cfg' : ''}`,
      stepMs: mean(t.flatMap((x) => x.stepMs)),
      onnxMs: onnx,
      pipelineMs: pipe,
      totalMs: total,
      pipelineRatio: pipe / onnx,
      pipelineRatioMedian: median(t.map((x) => x.pipelineMs / x.onnxMs)),
      totalRatio: total / onnx,
      loadMs: warm.timings.loadMs,
      rssMiB: peakRssMiB(),
    };
  } finally {
    await engine.close();
  }
}

function print(rows: Row[]): void {
  const head = [
    'model',
    'ep',
    'gen size',
    'ms/step',
    'onnx ms',
    'pipeline ms',
    'wall/onnx (pipeline)',
    'median run',
    'total ms',
    'wall/onnx (end-to-end)',
    'load ms',
    'peak RSS MiB',
  ];
  const body = rows.map((r) => [
    r.model,
    r.provider,
    r.gen,
    fmt(r.stepMs, 2),
    fmt(r.onnxMs),
    fmt(r.pipelineMs),
    fmt(r.pipelineRatio, 3),
    fmt(r.pipelineRatioMedian, 3),
    fmt(r.totalMs),
    fmt(r.totalRatio, 3),
    fmt(r.loadMs, 0),
    fmt(r.rssMiB, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  console.log(
    `diffusion bench: ${runs} runs, ${steps} steps, ${size}x${size} output, ${threads} threads, ORT spinning ${spinning ? 'on' : 'off'}, node ${process.version}`,
  );
  const rows: Row[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'opensoul-bench-'));
  try {
    // The test fixture (tiny) and a wider one at 512 native whose ORT time is large enough for the ratio to mean something.
    await makeFixtureModel(join(tmp, 'tiny'), 'sd', { seed: 1 });
    await makeFixtureModel(join(tmp, 'wide'), 'sd', { seed: 1, sampleSize: 64, unetChannels: 96, vaeChannels: 32 });
    await makeFixtureModel(join(tmp, 'wide-xl'), 'sdxl', { seed: 1, sampleSize: 64, unetChannels: 96, vaeChannels: 32 });
    const push = (r: Row | null) => r && rows.push(r);
    push(await bench('fixture-sd-tiny', join(tmp, 'tiny'), 'cpu'));
    push(await bench('fixture-sd-wide', join(tmp, 'wide'), 'cpu'));
    push(await bench('fixture-sd-wide', join(tmp, 'wide'), 'cpu', { batchSize: 4, guidanceScale: 4 }));
    push(await bench('fixture-sdxl-wide', join(tmp, 'wide-xl'), 'cpu', { guidanceScale: 4 }));

    const installed = await listModels(modelsDir);
    const extra = config.modelPath ? [{ repo: config.modelPath, dir: config.modelPath }] : [];
    const real = [...installed, ...extra].filter((m) => missingModelFiles(m.dir).length === 0);
    if (real.length === 0) console.log(`no real model installed in ${modelsDir} (opensoul models pull ...); fixture figures only`);
    for (const m of real) {
      push(await bench(m.repo, m.dir, 'cpu'));
      if (cudaProviderInstalled()) push(await bench(m.repo, m.dir, 'cuda'));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  print(rows);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
