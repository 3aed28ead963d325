// A second API process for the webhook outbox tests: wired as `opensoul serve` is (workers and the
// webhook delivery loop) over the database in OPENSOUL_DATABASE_URL, with the TEST-ONLY runner.
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { testSoulRunner } from './test-runner.js';

const config = loadConfig(process.env, { port: 0, allowPrivateUrls: true, leaseMs: 2000, heartbeatMs: 200, maxInFlightPerAccount: 100 });
const ctx = await createContext(config, { runners: [testSoulRunner()] });
const app = await buildApp(ctx);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
ctx.setBaseUrl(address);
ctx.workers?.start(config.workers);
ctx.webhooks.start(100);
process.stdout.write(JSON.stringify({ url: address }) + '\n');
async function shutdown() {
  await app.close();
  await ctx.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
