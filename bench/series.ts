/**
 * Video series benchmark: a 90 s tutorial series (20 clips of 5 s) on this machine, stage by
 * stage as the jobs run them: plan, keyframes (Soul runner), clips (DoP at the resolution's tier; 720p: turbo, 720x1280),
 * concat (ffmpeg cross-fades + captions). One clip at a time, as one worker slot runs them.
 * Run: npx tsx bench/series.ts [--target 90] [--clip 5] [--resolution 480p|720p|1080p] [--model DIR] [--steps N]
 *
 * Without --model it renders keyframes on the tiny generated fixture model (what the tests use),
 * so the keyframe row measures the pipeline, not a production model. The plan is the template
 * planner's unless OPENSOUL_PROMPT_ENHANCER_URL is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job } from '../src/domain/job.js';
import {
  readVideoSeries,
  SERIES_RENDER,
  seriesKeyframeSize,
  type SeriesResolution,
  type SeriesClipInput,
} from '../src/domain/video-series.js';
import { createDiffusionEngine, makeFixtureModel } from '../src/engine/diffusion/index.js';
import { concatClips } from '../src/engine/video/concat.js';
import { DOP_FPS, PREVIEW_SHORT_SIDE, renderDop } from '../src/engine/video/index.js';
import { planVideoSeries } from '../src/services/social-planner.js';
import { VideoSeriesService } from '../src/services/video-series-service.js';
import { PriceTable } from '../src/domain/pricing.js';
import type { GenerationService } from '../src/services/generation.js';
import { soulRunner } from '../src/worker/runners/soul-runner.js';
import type { RunContext } from '../src/worker/runner.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const target = Number(flag('target', '90'));
const clipS = Number(flag('clip', '5'));
const steps = Number(flag('steps', '2'));
const resolution = flag('resolution', '720p') as SeriesResolution;
const s = (ms: number) => (ms / 1000).toFixed(1);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-series-'));
let modelPath = flag('model', '');
if (!modelPath) {
  modelPath = path.join(tmp, 'sd');
  await makeFixtureModel(modelPath, 'sd', { seed: 3 });
}
const engine = createDiffusionEngine({
  modelPath,
  modelsDir: tmp,
  defaultModel: 'bench/model',
  provider: 'cpu',
  threads: Math.max(1, os.cpus().length - 1),
});
const soul = soulRunner({ engine, steps });
console.log(
  `video series bench: ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'}), load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `tutorial, target ${target} s, ${clipS} s clips, keyframes on ${flag('model', '') || 'the fixture model'} (${steps} steps), clips ${resolution} (DoP ${SERIES_RENDER[resolution].tier})\n`,
);

const times: Record<string, number> = {};
const total = performance.now();

let t = performance.now();
const req = readVideoSeries('tutorial', {
  topic: 'how to repot a houseplant',
  seed: 7,
  target_duration: target,
  clip_duration: clipS,
  resolution,
});
const plan = await planVideoSeries(req, {
  endpoint: process.env.OPENSOUL_PROMPT_ENHANCER_URL ?? null,
  model: process.env.OPENSOUL_PROMPT_ENHANCER_MODEL ?? null,
});
// The job inputs exactly as the service builds them (its submit is not called: no database here).
const submit = new VideoSeriesService(null as unknown as GenerationService, new PriceTable(), () => null).plan(req, plan, {
  model: 'bench',
  dialect: 'bench',
  webhook: null,
});
const inputs = submit.jobs.filter((j) => !j.waiting).map((j) => j.input as unknown as SeriesClipInput);
times.plan = performance.now() - t;
console.log(
  `plan       ${s(times.plan).padStart(7)} s  ${plan.scenes.length} scenes by the ${plan.planner} planner${plan.fallback_reason ? ` (${plan.fallback_reason})` : ''}`,
);

const ctxFor = (input: Record<string, unknown>): RunContext => ({
  job: {
    id: 'bench',
    jobSetId: 'bench',
    accountId: 'bench',
    kind: 'soul',
    index: 0,
    status: 'in_progress',
    priority: 0,
    input,
    results: null,
    error: null,
    cost: 0,
    progress: null,
    extras: {},
    attempts: 1,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
  } satisfies Job,
  signal: new AbortController().signal,
  progress: () => {},
  loadImage: async () => {
    throw new Error('no references in this bench');
  },
  readSet: async () => ({ jobs: [], output: async () => Buffer.alloc(0) }),
  log: () => {},
});

t = performance.now();
const keyframes: Buffer[] = [];
for (const input of inputs) keyframes.push((await soul.run(ctxFor(input.keyframe as unknown as Record<string, unknown>))).raw.bytes);
times.keyframes = performance.now() - t;
console.log(
  `keyframes  ${s(times.keyframes).padStart(7)} s  ${keyframes.length} x ${seriesKeyframeSize(resolution).width}x${seriesKeyframeSize(resolution).height}, ${(times.keyframes / keyframes.length / 1000).toFixed(2)} s each`,
);

t = performance.now();
const clips: Buffer[] = [];
let size = { width: 0, height: 0 };
for (const [i, input] of inputs.entries()) {
  const clip = await renderDop({
    image: keyframes[i],
    motions: input.motions,
    prompt: input.camera,
    tier: input.tier,
    seed: input.seed,
    durationS: input.durationS,
  });
  clips.push(clip.video);
  size = { width: clip.width, height: clip.height };
}
times.clips = performance.now() - t;
console.log(
  `clips      ${s(times.clips).padStart(7)} s  ${clips.length} x ${size.width}x${size.height} ${clipS} s, ${(times.clips / clips.length / 1000).toFixed(2)} s each (first includes the matte model load)`,
);

t = performance.now();
const joined = await concatClips({
  clips: clips.map((video, i) => ({ video, caption: plan.scenes[i].caption })),
  clipS,
  transitionS: plan.transition_s,
  ...size,
  fps: DOP_FPS,
  previewShortSide: PREVIEW_SHORT_SIDE,
});
times.concat = performance.now() - t;
console.log(
  `concat     ${s(times.concat).padStart(7)} s  ${joined.durationS} s video, ${joined.transitions.kind}${joined.transitions.fallback_reason ? ` (${joined.transitions.fallback_reason})` : ''}, ${(joined.video.length / 1e6).toFixed(1)} MB`,
);
console.log(`total      ${s(performance.now() - total).padStart(7)} s  (one worker slot; clips of a set run in parallel across slots)`);
fs.rmSync(tmp, { recursive: true, force: true });
