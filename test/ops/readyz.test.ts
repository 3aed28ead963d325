// /readyz status codes: ready (200) only when every part works; degraded (503) names each
// missing part and its fix, and an engine still loading at start keeps it at 503.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { EngineWarmup } from '../../src/services/warmup.js';
import { startServer, type TestServer, waitFor } from '../helpers/server.js';

let s: TestServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

type Ready = {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string; fix?: string }>;
  execution_provider: { requested: string; in_use: string | null };
};
async function readyz(): Promise<{ code: number; body: Ready }> {
  const r = await fetch(`${s!.url}/readyz`);
  return { code: r.status, body: (await r.json()) as Ready };
}

describe('/readyz', () => {
  it('is ready (200) when every part works, and says no engine runs in this process', async () => {
    s = await startServer({ readiness: { diffusion_model: async () => ({ ready: true, model: 'owner/model' }) } });
    const { code, body } = await readyz();
    expect(code).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.diffusion_model).toEqual({ ok: true, detail: 'owner/model' });
    expect(body.execution_provider).toEqual({ requested: 'cpu', in_use: null });
  });

  it('is degraded (503) naming each missing part and the command that installs it', async () => {
    s = await startServer({
      readiness: {
        diffusion_model: async () => ({
          ready: false,
          reason: 'diffusion model a/b is not installed',
          fix: 'npx opensoul models pull a/b',
        }),
        identity_models: async () => ({ ready: false, reason: 'swapper missing', fix: 'npx opensoul models pull c/d' }),
        other: async () => {
          throw new Error('probe blew up');
        },
      },
    });
    const { code, body } = await readyz();
    expect(code).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.checks.diffusion_model).toEqual({
      ok: false,
      detail: 'diffusion model a/b is not installed',
      fix: 'npx opensoul models pull a/b',
    });
    expect(body.checks.identity_models.fix).toBe('npx opensoul models pull c/d');
    expect(body.checks.other).toEqual({ ok: false, detail: 'Error: probe blew up' });
    expect(body.checks.database.ok).toBe(true);
  });

  it('stays 503 while engines load at start, 200 once loaded; a failed load names its fix and is retried', async () => {
    let finishLoad!: () => void;
    const loading = new Promise<void>((r) => (finishLoad = r));
    let identityInstalled = false;
    const missing = Object.assign(new Error('identity models are not installed'), { command: 'npx opensoul models pull x/y' });
    const warmup = new EngineWarmup(
      [
        { name: 'diffusion_model', load: async () => (await loading, 'fixture') },
        {
          name: 'identity_models',
          load: async () => {
            if (!identityInstalled) throw missing;
          },
        },
      ],
      silentLogger(),
      0, // retry on the next readiness call
    );
    s = await startServer({ readiness: warmup.readiness({ diffusion_model: async () => ({ ready: true, model: 'fixture' }) }) });
    const started = warmup.start();
    let r = await readyz();
    expect(r.code).toBe(503);
    expect(r.body.status).toBe('degraded');
    expect(r.body.checks.diffusion_model.ok).toBe(false);
    expect(r.body.checks.diffusion_model.detail).toMatch(/^loading for \d+ s$/);
    finishLoad();
    await started;
    r = await readyz();
    expect(r.code).toBe(503);
    expect(r.body.checks.diffusion_model).toMatchObject({ ok: true, detail: 'fixture loaded' });
    expect(r.body.checks.identity_models).toEqual({
      ok: false,
      detail: 'identity models are not installed',
      fix: 'npx opensoul models pull x/y',
    });
    // The models get pulled while the server runs: the next look retries the load.
    identityInstalled = true;
    // The retry runs in the background of a readiness call; a later call sees its result.
    r = await waitFor(async () => {
      const next = await readyz();
      return next.code === 200 && next;
    }, 5000);
    expect(r.code).toBe(200);
    expect(r.body.status).toBe('ready');
    expect(warmup.ready).toBe(true);
  });
});
