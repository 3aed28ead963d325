// bench/queue-worker.ts — the worker process of bench/queue.ts: config from OPENSOUL_* env, a
// runner that only reports when it starts (over IPC, with this process's clock).
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { JobFailure, type JobRunner } from '../src/worker/runner.js';

const clock = () => performance.timeOrigin + performance.now();
const noop: JobRunner = {
  kind: 'soul',
  async run(ctx) {
    process.send!({ started: ctx.job.id, t: clock() });
    throw new JobFailure('bench: not generating');
  },
};
const config = loadConfig(process.env);
const ctx = await createContext(config, { runners: [noop] });
async function onMessage(m: { ping?: number; stop?: boolean }) {
  if (m.ping !== undefined) process.send!({ pong: m.ping, t: clock() });
  if (m.stop) {
    await ctx.close();
    process.exit(0);
  }
}
process.on('message', (m: { ping?: number; stop?: boolean }) => void onMessage(m));
ctx.workers!.start(config.workers);
process.send!({ ready: true });
