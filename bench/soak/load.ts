// The soak's bounded load: `sets` job sets from the accounts, every dialect in turn, paced over
// `durationMs` by `clients` concurrent clients. Each submit carries an Idempotency-Key (retried
// with the same key on failover); some sets are submitted twice on purpose (the replay must name
// the same set) and some are canceled. Each client polls its set until it ends and records what
// it saw then, so the end state can be compared with what the database holds at the end.
import { cancelCall, DIALECTS, type SoakAccount, v1Read } from './dialects.js';
import type { FailoverClient } from './client.js';
import type { WebhookReceiver } from './receiver.js';

export interface LoadOptions {
  sets: number;
  durationMs: number;
  clients: number;
  /** Every n-th set is canceled right after submit (0 = none). */
  cancelEvery: number;
  /** Every n-th set is submitted a second time with the same Idempotency-Key (0 = none). */
  replayEvery: number;
  pollMs: number;
  runTag: string;
  /** Counts the load keeps up to date while it runs, for progress lines. */
  progress?: LoadProgress;
}

export interface LoadProgress {
  submitted: number;
  ended: number;
  errors: number;
}

export interface SetRecord {
  index: number;
  token: string;
  dialect: string;
  account: SoakAccount;
  webhook: boolean;
  id: string | null;
  submittedAt: number;
  /** The replay answered another set id (an idempotency violation). */
  replayId?: string;
  cancel?: number;
  /** What the dialect said when the set was first seen ended. */
  ended?: string;
  endedAt?: number;
  /** Job statuses and result URLs' media keys as v1 rendered them at that moment. */
  endedJobs?: { id: string; status: string; keys: string[] }[];
  error?: string;
}

export const mediaKeysOf = (results: unknown): string[] =>
  Object.values((results ?? {}) as Record<string, { url?: string }>)
    .map((r) => (r?.url ? /\/media\/([^?]+)/.exec(r.url)?.[1] : undefined))
    .filter((k): k is string => !!k)
    .sort();

export async function runLoad(
  client: FailoverClient,
  accounts: SoakAccount[],
  receiver: WebhookReceiver,
  opts: LoadOptions,
  t0: number,
): Promise<SetRecord[]> {
  const records: SetRecord[] = [];
  let next = 0;
  const gap = opts.durationMs / opts.sets;

  async function one(i: number, rec: SetRecord): Promise<void> {
    const dialect = DIALECTS[i % DIALECTS.length];
    const { account, token } = rec;
    // Four images now and then (the dialects that take batch_size take 1 or 4).
    const batch = i % 8 === 0 ? 4 : 1;
    const call = dialect.submit(account, `soak set ${i}`, batch, receiver.url(token));
    const prefer = i;
    const sub = await client.send(call, { prefer, kind: 'submit', idempotencyKey: token, conflictRetry: true });
    if (sub.status !== 200) throw new Error(`${dialect.name} submit answered ${sub.status}: ${JSON.stringify(sub.body)}`);
    rec.id = dialect.submitId(sub.body);
    if (opts.replayEvery && i % opts.replayEvery === 1) {
      // The same request again through the other process: the first answer, replayed.
      const again = await client.send(call, { prefer: prefer + 1, idempotencyKey: token, conflictRetry: true });
      const id = again.status === 200 ? dialect.submitId(again.body) : `HTTP ${again.status}`;
      if (id !== rec.id) rec.replayId = id;
    }
    if (opts.cancelEvery && i % opts.cancelEvery === 2) {
      await new Promise((r) => setTimeout(r, (i * 37) % 400));
      rec.cancel = (await client.send(cancelCall(account, rec.id!), { prefer })).status;
    }
    for (let n = 0; ; n++) {
      await new Promise((r) => setTimeout(r, opts.pollMs));
      const p = await client.send(dialect.poll(account, rec.id!), { prefer: prefer + n, kind: 'poll' });
      const ended = dialect.ended(p.status, p.body);
      if (ended) {
        rec.ended = ended;
        rec.endedAt = Date.now() - t0;
        break;
      }
    }
    const seen = await client.send(v1Read(account, rec.id!), { prefer });
    rec.endedJobs = (seen.body.jobs as any[]).map((j) => ({ id: j.id, status: j.status, keys: mediaKeysOf(j.results) }));
  }

  async function lane() {
    for (;;) {
      const i = next++;
      if (i >= opts.sets) return;
      const due = t0 + i * gap;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const dialect = DIALECTS[i % DIALECTS.length];
      const rec: SetRecord = {
        index: i,
        token: `${opts.runTag}-${i}`,
        dialect: dialect.name,
        account: accounts[i % accounts.length],
        webhook: dialect.webhook,
        id: null,
        submittedAt: Date.now() - t0,
      };
      records.push(rec);
      if (opts.progress) opts.progress.submitted++;
      await one(i, rec).catch((e) => (rec.error = String(e)));
      if (opts.progress) opts.progress[rec.error ? 'errors' : 'ended']++;
    }
  }

  await Promise.all(Array.from({ length: opts.clients }, lane));
  return records.sort((a, b) => a.index - b.index);
}
