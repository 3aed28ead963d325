import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config-check.js';
import { loadConfig } from '../../src/config.js';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-config-'));

describe('configuration is checked at start', () => {
  it('accepts the defaults', () => {
    expect(() => loadConfig({}, { dataDir: dataDir() })).not.toThrow();
  });

  it('lists every bad value, naming its variable', () => {
    let err: unknown;
    try {
      loadConfig(
        {
          OPENSOUL_SOUL_STEPS: '800',
          OPENSOUL_PORT: '70000',
          OPENSOUL_WORKERS: '1.5',
          OPENSOUL_LEASE_MS: '1000',
          OPENSOUL_HEARTBEAT_MS: '5000',
          OPENSOUL_LOG_LEVEL: 'verbose',
          OPENSOUL_PRICES: '{"soul.9000p":1}',
          OPENSOUL_PUBLIC_URL: 'ftp://x',
          OPENSOUL_CORS_ORIGINS: 'https://ok.example,not an origin',
          OPENSOUL_OPERATOR_TOKEN: 'short',
          OPENSOUL_DATA_KEY: 'not-a-key',
          OPENSOUL_C2PA_TSA_URL: 'ftp://tsa.example',
        },
        { dataDir: dataDir() },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of [
      'OPENSOUL_SOUL_STEPS must be an integer from 0 to 100',
      'OPENSOUL_PORT',
      'OPENSOUL_WORKERS',
      'OPENSOUL_HEARTBEAT_MS (5000) must be shorter than OPENSOUL_LEASE_MS',
      'OPENSOUL_LOG_LEVEL',
      'OPENSOUL_PRICES has unknown key "soul.9000p"',
      'OPENSOUL_PUBLIC_URL',
      'OPENSOUL_CORS_ORIGINS',
      'OPENSOUL_OPERATOR_TOKEN',
      'OPENSOUL_DATA_KEY must be 32 bytes',
      'OPENSOUL_C2PA_TSA_URL must be an http(s) URL',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('refuses values that used to fall back silently', () => {
    expect(() => loadConfig({ OPENSOUL_EXECUTION_PROVIDER: 'gpu' }, { dataDir: dataDir() })).toThrow(
      'OPENSOUL_EXECUTION_PROVIDER must be one of cpu, cuda, got "gpu"',
    );
    expect(() => loadConfig({ OPENSOUL_ALLOW_PRIVATE_URLS: 'ture' }, { dataDir: dataDir() })).toThrow(
      'OPENSOUL_ALLOW_PRIVATE_URLS must be true or false',
    );
    expect(() => loadConfig({ OPENSOUL_PRICES: '{bad' }, { dataDir: dataDir() })).toThrow('OPENSOUL_PRICES must be a JSON object');
    expect(() => loadConfig({ OPENSOUL_MODERATION: 'strict' }, { dataDir: dataDir() })).toThrow(
      'OPENSOUL_MODERATION must be one of off, flag, block',
    );
    expect(() => loadConfig({ OPENSOUL_INPUT_MODERATION: 'strict' }, { dataDir: dataDir() })).toThrow(
      'OPENSOUL_INPUT_MODERATION must be one of off, flag, block',
    );
    expect(() => loadConfig({ OPENSOUL_MEDIA_SECRET: 'short' }, { dataDir: dataDir() })).toThrow(
      'OPENSOUL_MEDIA_SECRET must be 16 to 512 printable characters without spaces (got 5)',
    );
    // A copy-paste that kept a space or newline would differ from the file's trimmed value.
    expect(() => loadConfig({ OPENSOUL_MEDIA_SECRET: 'a long enough secret' }, { dataDir: dataDir() })).toThrow(
      'OPENSOUL_MEDIA_SECRET must be 16 to 512',
    );
    expect(() => loadConfig({ OPENSOUL_MEDIA_SECRET: 'x'.repeat(64) + '\n' }, { dataDir: dataDir() })).toThrow(
      'OPENSOUL_MEDIA_SECRET must be 16 to 512',
    );
    expect(loadConfig({ OPENSOUL_MEDIA_SECRET: 'f'.repeat(64) }, { dataDir: dataDir() }).mediaSecret).toBe('f'.repeat(64));
    // The input mode follows the output mode unless set.
    expect(loadConfig({ OPENSOUL_MODERATION: 'flag' }, { dataDir: dataDir() }).inputModeration).toBe('flag');
    expect(loadConfig({ OPENSOUL_MODERATION: 'flag', OPENSOUL_INPUT_MODERATION: 'off' }, { dataDir: dataDir() }).inputModeration).toBe(
      'off',
    );
  });

  it('`opensoul serve` with OPENSOUL_SOUL_STEPS=800 exits non-zero with the reason, before listening', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/main.ts'), '--data-dir', dataDir(), 'serve', '--port', '0'],
      {
        encoding: 'utf8',
        env: { ...process.env, OPENSOUL_SOUL_STEPS: '800' },
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('OPENSOUL_SOUL_STEPS must be an integer from 0 to 100 (0 = the model family default), got 800');
    expect(r.stdout).not.toContain('listening');
  }, 70_000);

  it('checks CLI flags too', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/main.ts'), '--data-dir', dataDir(), 'serve', '--port', 'http'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('OPENSOUL_PORT must be an integer from 0 to 65535');
  }, 70_000);
});
