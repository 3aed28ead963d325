// A real server process for crash tests: same wiring as `opensoul serve`, with the TEST-ONLY runner.
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { testSoulRunner } from './test-runner.js';

const config = loadConfig(process.env, { port: 0, allowPrivateUrls: true, leaseMs: 1500, heartbeatMs: 200 });
const ctx = await createContext(config, {
  runners: [testSoulRunner({ steps: Number(process.env.TEST_STEPS ?? 20), stepMs: Number(process.env.TEST_STEP_MS ?? 100) })],
});
const app = await buildApp(ctx);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
ctx.setBaseUrl(address);
ctx.workers?.start(config.workers);
process.stdout.write(JSON.stringify({ url: address }) + '\n');
async function shutdown() {
  await app.close();
  await ctx.close(Number(process.env.TEST_GRACE_MS ?? 10_000));
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
