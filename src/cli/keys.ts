import type { Command } from 'commander';
import type { Config } from '../config.js';
import { createContext } from '../context.js';
import { fromMilli } from '../domain/pricing.js';
import { compactToken } from '../domain/api-key.js';

async function withContext<T>(config: Config, fn: (ctx: Awaited<ReturnType<typeof createContext>>) => Promise<T>): Promise<T> {
  const ctx = await createContext({ ...config, workers: 0 }, { runners: [] });
  try {
    return await fn(ctx);
  } finally {
    await ctx.db.close();
  }
}

export function registerKeyCommands(program: Command, getConfig: () => Config) {
  const keys = program.command('keys').description('API keys and accounts');
  keys
    .command('create')
    .description('create an account with a key; prints KEY_ID:KEY_SECRET and nothing else on stdout')
    .requiredOption('--name <name>', 'account name')
    .option('--credits <n>', 'initial credits', '0')
    .option('--account <id>', 'add the key to an existing account instead')
    .option('--compact', 'print the key as one opaque token (os_…) for clients that take a single word, e.g. WaveSpeed or Segmind SDKs')
    .action(async (o: { name: string; credits: string; account?: string; compact?: boolean }) => {
      const print = (k: { keyId: string; secret: string }) =>
        process.stdout.write(`${o.compact ? compactToken(k.keyId, k.secret) : `${k.keyId}:${k.secret}`}\n`);
      await withContext(getConfig(), async (ctx) => {
        if (o.account) {
          print(await ctx.accounts.createKey(await ctx.accounts.resolveAccount(o.account), o.name));
          return;
        }
        const credits = Number(o.credits);
        if (!Number.isFinite(credits) || credits < 0) throw new Error('--credits must be a non-negative number');
        print(await ctx.accounts.createAccountWithKey(o.name, credits));
      });
    });
  keys
    .command('list')
    .description('list keys (secrets are never shown: only their hashes are stored)')
    .action(async () => {
      await withContext(getConfig(), async (ctx) => {
        const rows = await ctx.accounts.listKeys();
        for (const r of rows) {
          console.log(
            [
              r.id,
              r.name,
              `account=${r.account_id}`,
              `credits=${fromMilli(Number(r.balance_milli))}`,
              r.revoked_at ? `revoked=${r.revoked_at}` : 'active',
            ].join('\t'),
          );
        }
      });
    });
  keys
    .command('revoke <keyId>')
    .description('revoke a key')
    .action(async (keyId: string) => {
      await withContext(getConfig(), async (ctx) => {
        if (!(await ctx.accounts.revokeKey(keyId))) {
          console.error(`no active key ${keyId}`);
          process.exitCode = 1;
        } else console.log(`revoked ${keyId}`);
      });
    });

  const credits = program.command('credits').description('account credits');
  credits
    .command('grant <accountOrKeyId> <amount>')
    .description('add (or, negative, remove) credits; written to the ledger')
    .option('--note <text>', 'ledger note', 'grant')
    .action(async (id: string, amount: string, o: { note: string }) => {
      await withContext(getConfig(), async (ctx) => {
        const n = Number(amount);
        if (!Number.isFinite(n)) throw new Error('amount must be a number');
        const balance = await ctx.accounts.grant(id, n, o.note);
        console.log(`balance: ${balance}`);
      });
    });
  credits
    .command('ledger <accountOrKeyId>')
    .description(
      'credit movements, newest first, tab-separated under a header row: time, reason, credits, balance after, job set, job, note',
    )
    .option('--limit <n>', 'rows', '50')
    .action(async (id: string, o: { limit: string }) => {
      await withContext(getConfig(), async (ctx) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
        const rows = await ctx.accounts.ledger(await ctx.accounts.resolveAccount(id), limit);
        console.log(['time', 'reason', 'credits', 'balance_after', 'job_set_id', 'job_id', 'note'].join('\t'));
        for (const r of rows) {
          console.log(
            [
              r.created_at,
              r.reason,
              fromMilli(Number(r.delta_milli)),
              fromMilli(Number(r.balance_after_milli)),
              r.job_set_id ?? '-',
              r.job_id ?? '-',
              r.note ?? '',
            ].join('\t'),
          );
        }
      });
    });
}
