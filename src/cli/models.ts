/**
 * `opensoul models …`: pull diffusion models from the Hugging Face hub into the local cache,
 * list what is installed, and write tiny fixture models for tests and benchmarks.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_MODELS } from '../engine/diffusion/default-models.js';
import { makeFixtureModel } from '../engine/diffusion/fixture/index.js';
import { createProgressReporter, formatBytes, listModels, parseRepoRef, pullModel } from '../engine/hub/index.js';

const FAMILIES = ['sd', 'sdxl', 'lcm'] as const;
type Family = (typeof FAMILIES)[number];

/** `--only a,b --only c` → ['a', 'b', 'c'] (E2's pull hints pass one comma-separated list). */
export function splitPatterns(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Known default repos hold PyTorch weights too: without --only, pull just their ONNX files. */
function defaultFilesFor(repo: string): string[] | undefined {
  return Object.values(DEFAULT_MODELS).find((m) => m.repo === repo)?.files;
}

export interface ModelsCommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

export function registerModelsCommands(
  program: Command,
  getConfig: () => { modelsDir: string },
  io: ModelsCommandIO = { stdout: process.stdout, stderr: process.stderr },
): void {
  const models = program.command('models').description('diffusion models: download from the Hugging Face hub, list, make fixtures');

  models
    .command('pull')
    .description('download REPO (owner/name, optionally @revision) into the models cache; honours HF_ENDPOINT and HF_TOKEN')
    .argument('<repo>', 'hub repository, e.g. SimianLuo/LCM_Dreamshaper_v7 or owner/name@revision')
    .option('--only <patterns...>', "only files matching these fnmatch patterns (comma or space separated), e.g. 'unet/*,model_index.json'")
    .option('--all', 'every file of the repository, even for known defaults that carry PyTorch weights too')
    .option('--endpoint <url>', 'hub base URL (default $HF_ENDPOINT or https://huggingface.co)')
    .action(async (ref: string, o: { only?: string[]; all?: boolean; endpoint?: string }) => {
      const { repo, revision } = parseRepoRef(ref);
      let only = splitPatterns(o.only);
      if (only.length === 0 && !o.all) {
        const defaults = defaultFilesFor(repo);
        if (defaults) {
          only = defaults;
          io.stderr.write(`Pulling the ONNX files only (${defaults.length} patterns); add --all for every file.\n`);
        }
      }
      const controller = new AbortController();
      const onSigint = () => controller.abort(new Error('interrupted; run the same command again to resume'));
      process.once('SIGINT', onSigint);
      try {
        const result = await pullModel({
          repo,
          revision,
          only,
          cacheDir: getConfig().modelsDir,
          endpoint: o.endpoint,
          signal: controller.signal,
          onProgress: createProgressReporter({ stream: io.stderr }),
        });
        io.stdout.write(`${result.dir}\n`);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });

  models
    .command('list')
    .description('installed models')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const installed = await listModels(getConfig().modelsDir);
      if (o.json) {
        io.stdout.write(`${JSON.stringify(installed, null, 2)}\n`);
        return;
      }
      if (installed.length === 0) {
        io.stdout.write(`No models in ${resolve(getConfig().modelsDir)}. Install one with: npx opensoul models pull OWNER/NAME\n`);
        return;
      }
      const rows = installed.map((m) => [
        `${m.repo}@${m.revision}`,
        m.commit.slice(0, 10),
        String(m.files),
        formatBytes(m.totalBytes),
        m.only ? 'partial' : 'full',
        m.dir,
      ]);
      const header = ['MODEL', 'COMMIT', 'FILES', 'SIZE', 'SET', 'PATH'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const row of [header, ...rows])
        io.stdout.write(
          `${row
            .map((c, i) => c.padEnd(widths[i]))
            .join('  ')
            .trimEnd()}\n`,
        );
    });

  models
    .command('make-fixture')
    .description('write a complete tiny model (every component, tokenizer files, scheduler config) for tests and benchmarks')
    .argument('<dir>', 'output folder')
    .option('--family <family>', `model family: ${FAMILIES.join(' | ')}`, 'sd')
    .action(async (dir: string, o: { family: string }) => {
      if (!(FAMILIES as readonly string[]).includes(o.family)) throw new Error(`--family must be one of ${FAMILIES.join(', ')}`);
      const out = resolve(dir);
      await makeFixtureModel(out, o.family as Family);
      io.stdout.write(`${out}\n`);
    });
}
