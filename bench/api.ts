// bench/api.ts — API throughput and queue pick-up latency on this machine.
// Run: npx tsx bench/api.ts [seconds]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { readSoulParams } from '../src/domain/soul.js';
import type { JobRunner } from '../src/worker/runner.js';
import { load, loadInThread, percentile } from './load.js';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = 16;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-bench-'));

// A runner that only timestamps its start: the bench measures the queue, not an engine.
const starts = new Map<string, number>();
const noop: JobRunner = {
  kind: 'soul',
  async run(ctx) {
    starts.set(ctx.job.id, performance.now());
    throw new Error('bench: not generating');
  },
};

const config = loadConfig({}, { dataDir, port: 0, workers: 0, maxInFlightPerAccount: 1e9, rateLimitPerMinute: 0 });
const ctx = await createContext(config, { runners: [noop] });
const app = await buildApp(ctx);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
ctx.setBaseUrl(url);
const a = await ctx.accounts.createAccountWithKey('bench', 1e9);
const headers = { 'hf-api-key': a.keyId, 'hf-secret': a.secret, 'content-type': 'application/json' };

const bare = Fastify();
bare.get('/json', async () => ({ status: 'queued', request_id: 'x', images: [] }));
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

console.log(`opensoul bench/api — ${os.cpus().length} cores, ${seconds}s per phase, ${concurrency} keep-alive clients, SQLite WAL`);
const submit = await load({
  url: `${url}/v1/text2image/soul`,
  method: 'POST',
  headers,
  body: () => JSON.stringify({ params: { prompt: 'bench', quality: '720p' } }),
  concurrency,
  seconds,
});
console.log(`submit            ${submit.rps.toFixed(0).padStart(7)} req/s  (${submit.bad} non-200)`);

const setId = (await ctx.generation.repo().listSetIds(a.accountId, 1))[0];
const poll = await load({ url: `${url}/v1/job-sets/${setId}`, headers, concurrency, seconds });
console.log(`status poll (v1)  ${poll.rps.toFixed(0).padStart(7)} req/s  (${poll.bad} non-200)`);
const pollV2 = await load({
  url: `${url}/requests/${setId}/status`,
  headers: { authorization: `Key ${a.keyId}:${a.secret}` },
  concurrency,
  seconds,
});
console.log(`status poll (v2)  ${pollV2.rps.toFixed(0).padStart(7)} req/s  (${pollV2.bad} non-200)`);
const base = await load({ url: `${bareUrl}/json`, concurrency, seconds });
console.log(`bare Fastify JSON ${base.rps.toFixed(0).padStart(7)} req/s`);
console.log(
  `poll/bare ratio   ${(poll.rps / base.rps).toFixed(2)} (v1)  ${(pollV2.rps / base.rps).toFixed(2)} (v2)   target >= 0.5   [client on the server's event loop]`,
);
// Same phases with the client in its own thread: the server's event loop does only server work.
const pollT = await loadInThread({ url: `${url}/v1/job-sets/${setId}`, headers, concurrency, seconds });
const baseT = await loadInThread({ url: `${bareUrl}/json`, concurrency, seconds });
console.log(
  `status poll (v1)  ${pollT.rps.toFixed(0).padStart(7)} req/s, bare ${baseT.rps.toFixed(0)} req/s, ratio ${(pollT.rps / baseT.rps).toFixed(2)}   [client in a worker thread]`,
);

// Pick-up latency: drain the backlog first, then submit one job at a time into an idle worker.
await ctx.db.db.updateTable('jobs').set({ status: 'canceled' }).where('status', '=', 'queued').execute();
ctx.workers = null;
const { WorkerPool } = await import('../src/worker/worker.js');
const pool = new WorkerPool({ config, generation: ctx.generation, media: ctx.media, runners: [noop] });
pool.start(1);
const latencies: number[] = [];
const params = readSoulParams({ prompt: 'latency', quality: '720p' }, ['body']);
for (let i = 0; i < 200; i++) {
  await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  const set = await ctx.soul.submit(a.accountId, params, { model: 'soul', dialect: 'higgsfield', webhook: null });
  const id = set.jobs[0].id;
  while (!starts.has(id)) await new Promise((r) => setImmediate(r));
  latencies.push(starts.get(id)! - t0);
}
console.log(
  `queue pick-up     p50 ${percentile(latencies, 50).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms  (submit call to runner start, 200 jobs)  target p50 < 10 ms`,
);
await pool.stop(1000);
await app.close();
await bare.close();
await ctx.db.close();
fs.rmSync(dataDir, { recursive: true, force: true });
