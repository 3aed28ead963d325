// What must hold after the soak, read from the database, the bucket, the webhook receiver and
// what the clients saw. Each check names its violations (a few examples each), so a failed run
// says what was lost or doubled.
import pg from 'pg';
import type { Deployment } from './deployment.js';
import type { SetRecord } from './load.js';
import type { WebhookReceiver } from './receiver.js';

export interface Check {
  name: string;
  ok: boolean;
  /** What was counted ("2000 sets"), and examples of violations when not ok. */
  detail: string;
}

const TERMINAL = ['completed', 'failed', 'nsfw', 'canceled'];
const REFUNDED = ['failed', 'nsfw', 'canceled'];

function check(name: string, counted: string, violations: string[]): Check {
  return {
    name,
    ok: violations.length === 0,
    detail: violations.length ? `${violations.length} violation(s) of ${counted}: ${violations.slice(0, 5).join('; ')}` : counted,
  };
}

export async function checkInvariants(dep: Deployment, records: SetRecord[], receiver: WebhookReceiver): Promise<Check[]> {
  const db = new pg.Client({ connectionString: dep.databaseUrl });
  await db.connect();
  const q = async <T = any>(sql: string): Promise<T[]> => (await db.query(sql)).rows as T[];
  try {
    const checks: Check[] = [];
    const jobs = await q<{
      id: string;
      job_set_id: string;
      status: string;
      cost_milli: number;
      results: string | null;
      finished_at: string | null;
    }>('select id, job_set_id, status, cost_milli, results, finished_at from jobs');
    const sets = await q<{ id: string; account_id: string; webhook: string | null; finished_at: string | null }>(
      'select id, account_id, webhook, finished_at from job_sets',
    );
    const ledger = await q<{ account_id: string; delta_milli: number; reason: string; job_set_id: string | null; job_id: string | null }>(
      'select account_id, delta_milli, reason, job_set_id, job_id from ledger',
    );
    const accounts = await q<{ id: string; balance_milli: number }>('select id, balance_milli from accounts');
    const outbox = await q<{ id: string; job_set_id: string; state: string; url: string }>('select id, job_set_id, state, url from outbox');
    const media = await q<{ key: string; kind: string; deleted_at: string | null; expires_at: string | null }>(
      'select key, kind, deleted_at, expires_at from media',
    );
    const jobsOf = new Map<string, typeof jobs>();
    for (const j of jobs) (jobsOf.get(j.job_set_id) ?? jobsOf.set(j.job_set_id, []).get(j.job_set_id)!).push(j);
    const byId = new Map(jobs.map((j) => [j.id, j]));

    // Clients: every set submitted, one set per Idempotency-Key, replays named the same set.
    const submitted = records.filter((r) => r.id);
    checks.push(
      check(
        'every client request got its set and saw it end',
        `${records.length} sets`,
        records.filter((r) => r.error || !r.endedJobs).map((r) => `set ${r.index} (${r.dialect}): ${r.error ?? 'not seen ended'}`),
      ),
    );
    checks.push(
      check(
        'one set per Idempotency-Key (retries and replays never submit twice)',
        `${submitted.length} keys, ${sets.length} sets in the database`,
        [
          ...submitted.filter((r) => r.replayId).map((r) => `set ${r.index}: replay answered ${r.replayId}, first ${r.id}`),
          ...(sets.length !== submitted.length ? [`${sets.length} sets in the database for ${submitted.length} submits`] : []),
        ],
      ),
    );

    // Jobs: none left queued or running; each ended once (what the client saw at the end is what the database holds now).
    checks.push(
      check(
        'no job left queued or in progress',
        `${jobs.length} jobs`,
        jobs.filter((j) => !TERMINAL.includes(j.status) || !j.finished_at).map((j) => `job ${j.id} ${j.status}`),
      ),
    );
    const changed: string[] = [];
    for (const r of submitted) {
      for (const seen of r.endedJobs ?? []) {
        const now = byId.get(seen.id);
        const keys = now?.results
          ? Object.values(JSON.parse(now.results) as Record<string, { key: string }>)
              .map((m) => m.key)
              .sort()
          : [];
        if (!now || now.status !== seen.status || keys.join() !== seen.keys.join())
          changed.push(`job ${seen.id}: seen ${seen.status} [${seen.keys.length} files], now ${now?.status} [${keys.length} files]`);
      }
    }
    // Each process logs a job's end after its commit: a second end line would be a second end.
    const endLines = new Map<string, string[]>();
    for (const l of dep.logLines()) {
      const ev = String(l.event ?? '');
      if (['job.completed', 'job.failed', 'job.nsfw', 'job.canceled'].includes(ev))
        (endLines.get(String(l.job_id)) ?? endLines.set(String(l.job_id), []).get(String(l.job_id))!).push(ev.slice(4));
    }
    for (const [id, ends] of endLines) {
      if (ends.length > 1) changed.push(`job ${id} ended ${ends.length} times (${ends.join(', ')})`);
      else if (byId.get(id)?.status !== ends[0]) changed.push(`job ${id} logged ${ends[0]}, holds ${byId.get(id)?.status}`);
    }
    checks.push(
      check(
        'every job ended exactly once (one end logged; the state and files clients saw at the end never changed)',
        `${jobs.length} jobs, ${endLines.size} end lines`,
        changed,
      ),
    );

    // Money: every charge names a set with its jobs at their price; failed and canceled jobs one exact refund; ledgers sum to balances.
    const chargeViolations: string[] = [];
    const charged = new Map<string, number>();
    for (const l of ledger.filter((l) => l.reason === 'charge'))
      charged.set(l.job_set_id ?? '', (charged.get(l.job_set_id ?? '') ?? 0) - l.delta_milli);
    for (const [setId, amount] of charged) {
      const js = jobsOf.get(setId);
      const price = (js ?? []).reduce((s, j) => s + j.cost_milli, 0);
      if (!js) chargeViolations.push(`charge of ${amount} for missing set ${setId}`);
      else if (price !== amount) chargeViolations.push(`set ${setId} charged ${amount}, jobs cost ${price}`);
    }
    for (const s of sets)
      if (!charged.has(s.id) && (jobsOf.get(s.id) ?? []).some((j) => j.cost_milli > 0)) chargeViolations.push(`set ${s.id} never charged`);
    checks.push(check("every charge has its job set, at its jobs' price", `${charged.size} charges`, chargeViolations));
    const refunds = new Map<string, number[]>();
    for (const l of ledger.filter((l) => l.reason === 'refund'))
      (refunds.get(l.job_id ?? '') ?? refunds.set(l.job_id ?? '', []).get(l.job_id ?? '')!).push(l.delta_milli);
    const refundViolations: string[] = [];
    for (const j of jobs) {
      const got = refunds.get(j.id) ?? [];
      if (REFUNDED.includes(j.status) && (got.length !== 1 || got[0] !== j.cost_milli))
        refundViolations.push(`${j.status} job ${j.id}: refunds [${got}] for cost ${j.cost_milli}`);
      if (!REFUNDED.includes(j.status) && got.length) refundViolations.push(`${j.status} job ${j.id} refunded [${got}]`);
    }
    for (const id of refunds.keys()) if (!byId.has(id)) refundViolations.push(`refund for missing job ${id}`);
    const refundable = jobs.filter((j) => REFUNDED.includes(j.status)).length;
    checks.push(
      check('every failed/canceled job exactly one exact refund, no other refunds', `${refundable} refundable jobs`, refundViolations),
    );
    const sums = new Map<string, number>();
    for (const l of ledger) sums.set(l.account_id, (sums.get(l.account_id) ?? 0) + l.delta_milli);
    checks.push(
      check(
        "each account's ledger sums to its balance",
        `${accounts.length} accounts`,
        accounts
          .filter((a) => (sums.get(a.id) ?? 0) !== a.balance_milli)
          .map((a) => `account ${a.id}: ledger ${sums.get(a.id)}, balance ${a.balance_milli}`),
      ),
    );

    // Webhooks: every ended set with a webhook has one outbox row, delivered, received under one webhook-id.
    const accepted = receiver.accepted();
    const hookViolations: string[] = [];
    const outboxOf = new Map<string, typeof outbox>();
    for (const o of outbox) (outboxOf.get(o.job_set_id) ?? outboxOf.set(o.job_set_id, []).get(o.job_set_id)!).push(o);
    let hooked = 0;
    for (const r of submitted.filter((r) => r.webhook)) {
      hooked++;
      const rows = outboxOf.get(r.id!) ?? [];
      const ids = accepted.get(r.token) ?? new Set();
      if (rows.length !== 1) hookViolations.push(`set ${r.id}: ${rows.length} outbox rows`);
      else if (rows[0].state !== 'delivered') hookViolations.push(`set ${r.id}: outbox ${rows[0].state}`);
      if (ids.size !== 1) hookViolations.push(`set ${r.id} (${r.dialect}): received under ${ids.size} webhook-ids`);
    }
    const unexpected = [...accepted.keys()].filter((t) => !submitted.some((r) => r.token === t && r.webhook));
    hookViolations.push(...unexpected.map((t) => `webhook for unknown token ${t}`));
    checks.push(
      check(
        "every finished set's webhook delivered once (by webhook-id), none lost",
        `${hooked} sets with webhooks, ${receiver.deliveries.length} attempts received`,
        hookViolations,
      ),
    );

    // Media: every object has its row, every live row its object, every output row a job that names it.
    const objects = new Set(await dep.s3!.keys(dep.bucket));
    const live = media.filter((m) => !m.deleted_at);
    const rows = new Set(live.map((m) => m.key));
    const named = new Set(
      jobs.flatMap((j) => (j.results ? Object.values(JSON.parse(j.results) as Record<string, { key: string }>).map((m) => m.key) : [])),
    );
    // Files of a job that ended without results are expired at once: the retention sweep's.
    const swept = (m: (typeof media)[number]) => m.expires_at !== null && Date.parse(m.expires_at) <= Date.now();
    const mediaViolations = [
      ...[...objects].filter((k) => !rows.has(k)).map((k) => `object ${k} has no media row`),
      ...live.filter((m) => !objects.has(m.key)).map((m) => `media row ${m.key} has no object`),
      ...live.filter((m) => m.kind === 'output' && !named.has(m.key) && !swept(m)).map((m) => `output ${m.key} named by no job`),
    ];
    const handed = live.filter((m) => m.kind === 'output' && !named.has(m.key) && swept(m)).length;
    checks.push(
      check(
        'no orphaned media (bucket objects = media rows = job outputs)',
        `${objects.size} objects, ${live.length} media rows (${handed} of jobs that ended without results, expired for the sweep)`,
        mediaViolations,
      ),
    );
    checks.push(
      check(
        'no process crashed (every exit was a fault the soak injected)',
        `${dep.processNames().length} processes`,
        dep.crashes.map(
          (c) =>
            `${c.name} ${c.how}: ${c.logTail
              .split('\n')
              .filter((l) => /error|Error|at /.test(l))
              .slice(0, 3)
              .join(' | ')}`,
        ),
      ),
    );
    return checks;
  } finally {
    await db.end();
  }
}
