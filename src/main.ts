#!/usr/bin/env node
import { Command } from 'commander';
import { type Config, loadConfig } from './config.js';
import { checkConfig } from './config-check.js';
import { registerKeyCommands } from './cli/keys.js';
import { registerModelsCommands } from './cli/models.js';
import { registerVerifyCommand } from './cli/verify.js';
import { registerGpuCommands } from './cli/gpu.js';
import { registerJobsCommands } from './cli/jobs.js';

const program = new Command();
program
  .name('opensoul')
  .description('Self-hosted Higgsfield Soul / DoP compatible generation API')
  .option('--data-dir <dir>', 'data directory (OPENSOUL_DATA_DIR)');

const getConfig = (): Config => {
  const o = program.opts<{ dataDir?: string }>();
  return loadConfig(process.env, o.dataDir ? { dataDir: o.dataDir } : {});
};

program
  .command('serve')
  .description('HTTP API with in-process workers (embedded: SQLite, local media)')
  .option('--port <n>', 'port (OPENSOUL_PORT)')
  .option('--host <host>', 'host (OPENSOUL_HOST)')
  .option('--workers <n>', 'in-process workers (OPENSOUL_WORKERS)')
  .option('--no-workers', 'API only; run `npx opensoul worker` processes separately')
  .action(async (o: { port?: string; host?: string; workers?: string | boolean }) => {
    const c = getConfig();
    if (o.port) c.port = Number(o.port);
    if (o.host) c.host = o.host;
    if (typeof o.workers === 'string') c.workers = Number(o.workers);
    checkConfig(c);
    // Engines load only for the commands that run jobs.
    const { serve } = await import('./cli/serve.js');
    await serve(c, { workers: o.workers !== false });
  });

program
  .command('worker')
  .description('worker process only (scaled deployments)')
  .option('--concurrency <n>', 'lease loops')
  .action(async (o: { concurrency?: string }) => {
    const c = getConfig();
    if (o.concurrency) c.workers = Number(o.concurrency);
    checkConfig(c);
    const { worker } = await import('./cli/serve.js');
    await worker(c);
  });

registerKeyCommands(program, getConfig);
registerVerifyCommand(program, getConfig);
registerModelsCommands(program, () => ({ modelsDir: getConfig().modelsDir }));
registerGpuCommands(program);
registerJobsCommands(program, getConfig);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
