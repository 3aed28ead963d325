// A worker-only process (what `opensoul worker` runs: workers and webhook delivery, no HTTP) over
// the database and media of OPENSOUL_DATA_DIR / OPENSOUL_DATABASE_URL, with the TEST-ONLY runner.
import { resellerDialects } from '../../src/api/dialects.js';
import { installWebhookRenderers } from '../../src/api/webhook-renderers.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { testSoulRunner } from './test-runner.js';

const config = loadConfig(process.env, { allowPrivateUrls: true, leaseMs: 2000, heartbeatMs: 200 });
const n = Math.max(1, config.workers);
const ctx = await createContext(
  { ...config, workers: n },
  { runners: [testSoulRunner({ steps: Number(process.env.TEST_STEPS ?? 3), stepMs: Number(process.env.TEST_STEP_MS ?? 5) })] },
);
installWebhookRenderers(ctx, resellerDialects());
ctx.workers!.start(n);
ctx.webhooks.start(100);
process.stdout.write('ready\n');
async function shutdown() {
  await ctx.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
