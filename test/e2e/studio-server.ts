import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { stylePreviewRoutes } from '../../src/api/surfaces/style-previews.js';
import { createDiffusionEngine, makeFixtureModel } from '../../src/engine/diffusion/index.js';
import { createStylePreviews } from '../../src/engine/diffusion/style-preview.js';
import { faceCharacterEngine } from '../../src/engine/identity/character-engine.js';
import { makeIdentityFixtureModels } from '../helpers/identity-fixture.js';
import { renderMotionPreview } from '../../src/engine/video/index.js';
import type { JobRunner } from '../../src/worker/runner.js';
import { dopRunner } from '../../src/worker/runners/dop-runner.js';
import { soulRunner } from '../../src/worker/runners/soul-runner.js';
import { seriesClipRunner, seriesConcatRunner } from '../../src/worker/runners/series-runner.js';
import { identityHook, soulIdRunner } from '../../src/worker/runners/soul-id-runner.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { testSoulRunner } from '../helpers/test-runner.js';

/**
 * The real app for the browser tests: Soul on the fixture ONNX model, DoP, Soul ID on the
 * fixture identity models, style and motion previews, the creator workflows' series runners. Prompts starting with "SLOW" run on the
 * test runner's slow steps instead, so a test can cancel a job while it runs.
 */
export async function startStudioServer(): Promise<{ server: TestServer; cleanup: () => Promise<void> }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-studio-e2e-'));
  const [identity] = await Promise.all([
    makeIdentityFixtureModels(path.join(tmp, 'identity')),
    makeFixtureModel(path.join(tmp, 'sd'), 'sd', { seed: 3 }),
  ]);
  const diffusion = createDiffusionEngine({
    modelPath: path.join(tmp, 'sd'),
    modelsDir: tmp,
    defaultModel: 'fixture/sd',
    provider: 'cpu',
    threads: 1,
  });
  const faces = faceCharacterEngine({ modelsDir: path.join(tmp, 'no-models'), provider: 'cpu', locate: async () => identity });
  const styles = createStylePreviews({ engine: diffusion, model: async () => 'fixture-sd' });
  const slow = testSoulRunner({ steps: 400, stepMs: 50 });
  const server = await startServer({
    config: { workers: 2 },
    characterEngine: faces,
    surfaces: [dopRoutes((id) => renderMotionPreview(id)), stylePreviewRoutes((id) => styles.get(id))],
    runners: (ctx) => {
      // The engine's most steps (MAX_STEPS, 100): the run lasts long enough for the page to see the bar mid-way.
      const real = soulRunner({ engine: diffusion, steps: 100, identity: identityHook(ctx.characters, faces) });
      const soul: JobRunner = {
        kind: 'soul',
        run: (job) => ((job.job.input as { prompt: string }).prompt.startsWith('SLOW') ? slow.run(job) : real.run(job)),
      };
      return [soul, dopRunner(), soulIdRunner(ctx.characters, faces), seriesClipRunner({ soul }), seriesConcatRunner()];
    },
  });
  return {
    server,
    async cleanup() {
      await server.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
