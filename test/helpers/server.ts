import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { type AppSurface, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type AppContext, type ContextOptions, createContext } from '../../src/context.js';
import type { CharacterEngine } from '../../src/services/characters.js';
import type { ModerationService } from '../../src/services/moderation.js';
import { testSoulRunner } from './test-runner.js';

export interface TestServer {
  ctx: AppContext;
  app: FastifyInstance;
  url: string;
  dataDir: string;
  /** A fresh account + key: `{keyId, secret, accountId, credential}`. */
  account(credits?: number): Promise<{ keyId: string; secret: string; accountId: string; credential: string }>;
  close(): Promise<void>;
}

export async function startServer(
  opts: {
    config?: Partial<Config>;
    runners?: ContextOptions['runners'];
    surfaces?: AppSurface[];
    workers?: boolean;
    characterEngine?: CharacterEngine;
    /** Output moderation; tests run without it unless they pass one (its policy becomes the config's). */
    moderation?: ModerationService;
    logger?: ContextOptions['logger'];
    readiness?: ContextOptions['readiness'];
    /** Sees every route the app registers (the OpenAPI coverage check). */
    onRoute?: (route: RouteOptions) => void;
  } = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-test-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      port: 0,
      workers: 2,
      heartbeatMs: 200,
      leaseMs: 2000,
      // Tests fetch images and post webhooks to servers on loopback.
      allowPrivateUrls: true,
      rateLimitPerMinute: 10_000,
      moderation: opts.moderation?.policy ?? { mode: 'off', thresholds: {} },
      inputModeration: opts.moderation?.inputMode ?? 'off',
      // Content credentials cost a wasm load and a signature per output: tests that check them turn them on.
      c2pa: { enabled: false, chainPath: null, keyPath: null },
      ...opts.config,
    },
  );
  const ctx = await createContext(config, {
    runners: opts.runners ?? [testSoulRunner()],
    characterEngine: opts.characterEngine,
    moderation: opts.moderation,
    logger: opts.logger,
    readiness: opts.readiness,
  });
  const app = await buildApp(ctx, { surfaces: opts.surfaces, onRoute: opts.onRoute });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  ctx.setBaseUrl(address);
  if (opts.workers !== false) ctx.workers?.start(config.workers);
  ctx.webhooks.start(100);
  return {
    ctx,
    app,
    url: address,
    dataDir,
    async account(credits = 100) {
      const k = await ctx.accounts.createAccountWithKey(`acct-${Math.random().toString(36).slice(2, 8)}`, credits);
      return { ...k, credential: `${k.keyId}:${k.secret}` };
    },
    async close() {
      await app.close();
      await ctx.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function hfHeaders(a: { keyId: string; secret: string }) {
  return { 'hf-api-key': a.keyId, 'hf-secret': a.secret, 'content-type': 'application/json' };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
