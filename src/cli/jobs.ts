/**
 * `opensoul jobs …`: the operator's view of the queue, on the server's own database (like
 * `keys`): list recent job sets, watch one with a progress bar until it ends, cancel one.
 * Cancel goes through GenerationService.cancel, so queued jobs end and are refunded at once and a
 * running job stops at its worker's next heartbeat, whichever process runs it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { type AppContext, createContext } from '../context.js';
import { isTerminal, jobSetStatus } from '../domain/job.js';
import type { StoredJobSet } from '../store/repos/jobs.js';

export interface JobsCommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

async function withContext<T>(config: Config, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createContext({ ...config, workers: 0 }, { runners: [] });
  try {
    return await fn(ctx);
  } finally {
    await ctx.db.close();
  }
}

/** Share of the set's work done: ended jobs count whole, running ones by their step. */
export function setProgress(set: StoredJobSet): number {
  if (set.jobs.length === 0) return 1;
  const parts = set.jobs.map((j) =>
    isTerminal(j.status) ? 1 : j.progress && j.progress.total > 0 ? j.progress.step / j.progress.total : 0,
  );
  return parts.reduce((a, b) => a + b, 0) / set.jobs.length;
}

export function progressBar(fraction: number, width = 30): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

function watchLine(set: StoredJobSet): string {
  const done = set.jobs.filter((j) => isTerminal(j.status)).length;
  return `${progressBar(setProgress(set))}  ${jobSetStatus(set.jobs)}  ${done}/${set.jobs.length} jobs ended`;
}

async function findSet(ctx: AppContext, id: string): Promise<StoredJobSet> {
  const set = await ctx.generation.findSetForOperator(id);
  if (!set) throw new Error(`no job set ${id}`);
  return set;
}

const LIST_HEADER = ['created_at', 'job_set_id', 'account_id', 'dialect', 'model', 'status', 'jobs', 'progress'];

export function registerJobsCommands(
  program: Command,
  getConfig: () => Config,
  io: JobsCommandIO = { stdout: process.stdout, stderr: process.stderr },
) {
  const jobs = program.command('jobs').description('job sets in the queue: list, watch, cancel');

  jobs
    .command('list')
    .description('recent job sets, newest first (tab-separated, with a header row)')
    .option('--account <id>', 'only this account (account or key id)')
    .option('--open', 'only sets with a job still queued or running')
    .option('--limit <n>', 'rows', '20')
    .action(async (o: { account?: string; open?: boolean; limit: string }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
      await withContext(getConfig(), async (ctx) => {
        const accountId = o.account ? await ctx.accounts.resolveAccount(o.account) : undefined;
        const sets = await ctx.generation.recentSets({ accountId, open: o.open, limit });
        io.stdout.write(LIST_HEADER.join('\t') + '\n');
        for (const s of sets) {
          io.stdout.write(
            [
              s.createdAt,
              s.id,
              s.accountId,
              s.dialect,
              s.model,
              jobSetStatus(s.jobs),
              String(s.jobs.length),
              `${Math.floor(setProgress(s) * 100)}%`,
            ].join('\t') + '\n',
          );
        }
      });
    });

  jobs
    .command('watch <jobSetId>')
    .description('follow a job set (or one of its job ids) with a progress bar until it ends; exits 1 unless it completed')
    .option('--interval <ms>', 'poll interval', '500')
    .action(async (id: string, o: { interval: string }) => {
      const every = Math.max(50, Number(o.interval) || 500);
      await withContext(getConfig(), async (ctx) => {
        let set = await findSet(ctx, id);
        io.stderr.write(`${set.id} (${set.model}, ${set.dialect}, account ${set.accountId})\n`);
        let last = '';
        for (;;) {
          const line = watchLine(set);
          // A terminal redraws one line; a pipe or log gets a line per change.
          if (io.stderr.isTTY) io.stderr.write(`\r${line}`);
          else if (line !== last) io.stderr.write(`${line}\n`);
          last = line;
          if (set.jobs.every((j) => isTerminal(j.status))) break;
          await sleep(every);
          set = await findSet(ctx, set.id);
        }
        if (io.stderr.isTTY) io.stderr.write('\n');
        const status = jobSetStatus(set.jobs);
        io.stdout.write(`${status}\n`);
        for (const j of set.jobs) if (j.error) io.stderr.write(`job ${j.id}: ${j.status}: ${j.error}\n`);
        if (status !== 'completed') process.exitCode = 1;
      });
    });

  jobs
    .command('cancel <jobSetId>')
    .description('cancel a job set: queued jobs end now (refunded), running ones stop at their next step')
    .action(async (id: string) => {
      await withContext(getConfig(), async (ctx) => {
        const set = await findSet(ctx, id);
        if (set.jobs.every((j) => isTerminal(j.status))) {
          io.stderr.write(`job set ${set.id} already ended: ${jobSetStatus(set.jobs)}\n`);
          process.exitCode = 1;
          return;
        }
        const after = await ctx.generation.cancel(set.id, set.accountId);
        const running = after.jobs.filter((j) => j.status === 'in_progress').length;
        io.stdout.write(`${jobSetStatus(after.jobs)}\n`);
        if (running > 0) io.stderr.write(`${running} running job(s) will stop at their worker's next heartbeat\n`);
      });
    });
}
