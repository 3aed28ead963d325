// bench/cold-start.ts — first-job and second-job latency (submit → completed over HTTP) on the
// fixture model, with the engines loaded lazily by the first job (as before start-up loading)
// and loaded at start (what `opensoul serve` / `worker` do now). Each mode runs in its own
// process so both pay ONNX Runtime's one-time initialisation the same way.
// Run: npx tsx bench/cold-start.ts
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

type Mode = 'lazy' | 'at-start';
interface Figures {
  mode: Mode;
  startLoadMs: number;
  firstJobMs: number;
  secondJobMs: number;
}

async function runMode(mode: Mode, modelPath: string): Promise<Figures> {
  const { buildApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { createContext } = await import('../src/context.js');
  const { productionRunners, productionWarmTargets } = await import('../src/production.js');
  const { EngineWarmup } = await import('../src/services/warmup.js');
  const { silentLogger } = await import('../src/log/logger.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-bench-cold-'));
  const config = loadConfig({}, { dataDir, port: 0, workers: 1, modelPath, rateLimitPerMinute: 0 });
  try {
    const ctx = await createContext(config, { runners: productionRunners(config) });
    const app = await buildApp(ctx);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    ctx.setBaseUrl(url);
    let startLoadMs = 0;
    if (mode === 'at-start') {
      // A Soul job needs only the diffusion engine; the other targets would load in parallel.
      const warmup = new EngineWarmup(
        productionWarmTargets(config).filter((t) => t.name === 'diffusion_model'),
        silentLogger(),
      );
      const t0 = performance.now();
      await warmup.start();
      if (!warmup.ready) throw new Error('the fixture model did not load');
      startLoadMs = performance.now() - t0;
    }
    ctx.workers!.start(1);
    const a = await ctx.accounts.createAccountWithKey('bench', 1000);
    const headers = { 'hf-api-key': a.keyId, 'hf-secret': a.secret, 'content-type': 'application/json' };
    const job = async (seed: number) => {
      const t0 = performance.now();
      const r = await fetch(`${url}/v1/text2image/soul`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ params: { prompt: 'a lighthouse at dawn', width_and_height: '1536x1536', quality: '720p', seed } }),
      });
      const { id } = (await r.json()) as { id: string };
      for (;;) {
        const set = (await (await fetch(`${url}/v1/job-sets/${id}`, { headers })).json()) as { jobs: { status: string; error?: string }[] };
        const s = set.jobs[0].status;
        if (s === 'completed') return performance.now() - t0;
        if (s !== 'queued' && s !== 'in_progress') throw new Error(`job ended ${s}: ${JSON.stringify(set.jobs[0])}`);
        await new Promise((res) => setTimeout(res, 5));
      }
    };
    const firstJobMs = await job(1);
    const secondJobMs = await job(2);
    await app.close();
    await ctx.close();
    return { mode, startLoadMs, firstJobMs, secondJobMs };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const self = fileURLToPath(import.meta.url);
const child = process.argv.indexOf('--mode');
if (child > 0) {
  const figures = await runMode(process.argv[child + 1] as Mode, process.argv[child + 2]);
  process.stdout.write(JSON.stringify(figures) + '\n');
  process.exit(0);
}

const { makeFixtureModel } = await import('../src/engine/diffusion/fixture/index.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-bench-fixture-'));
try {
  const modelPath = path.join(tmp, 'lcm');
  await makeFixtureModel(modelPath, 'lcm');
  console.log(
    `opensoul bench/cold-start — fixture LCM model, ${os.cpus().length} cores, one Soul 720p 1:1 image per job, submit → completed over HTTP`,
  );
  const rows: Figures[] = [];
  for (const mode of ['lazy', 'at-start'] as Mode[]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--mode', mode, modelPath], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${mode} run failed:\n${r.stderr}`);
    rows.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures);
  }
  const f = (ms: number) => `${ms.toFixed(0).padStart(7)} ms`;
  console.log('mode       load at start   first job   second job   first/second');
  for (const r of rows)
    console.log(
      `${r.mode.padEnd(9)} ${f(r.startLoadMs)}   ${f(r.firstJobMs)}  ${f(r.secondJobMs)}   ${(r.firstJobMs / r.secondJobMs).toFixed(2)}x`,
    );
  const [lazy, warm] = rows;
  console.log(`first job after start: ${(lazy.firstJobMs / warm.firstJobMs).toFixed(2)}x faster with the engines loaded at start`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
