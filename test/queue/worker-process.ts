// A real `opensoul worker` process for kill tests: same wiring as src/cli/serve.ts#worker, with
// the TEST-ONLY runner. Config comes from OPENSOUL_* env; prints one line when its slots run.
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { resellerDialects } from '../../src/api/dialects.js';
import { installWebhookRenderers } from '../../src/api/webhook-renderers.js';
import { testSoulRunner } from '../helpers/test-runner.js';

const config = loadConfig(process.env);
const ctx = await createContext(config, {
  runners: [testSoulRunner({ steps: Number(process.env.TEST_STEPS ?? 50), stepMs: Number(process.env.TEST_STEP_MS ?? 100) })],
});
installWebhookRenderers(ctx, resellerDialects());
ctx.workers!.start(config.workers);
process.stdout.write(JSON.stringify({ ready: ctx.workers!.id, dispatch: ctx.generation.dispatcher.kind }) + '\n');
