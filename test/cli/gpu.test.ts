// `opensoul gpu` and the start-up refusal of a CUDA provider that cannot run. Which outcome is
// expected follows from the provider files on disk, so on a GPU machine after `gpu setup` the
// same tests check the working path.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cudaPlatformSupported, cudaProviderInstalled } from '../../src/engine/onnx/index.js';

const root = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-gpu-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });

describe.runIf(cudaPlatformSupported())('opensoul gpu', () => {
  it("setup runs onnxruntime-node's own installer for the chosen CUDA build", () => {
    const r = cli(['gpu', 'setup', '--print']);
    expect(r.status).toBe(0);
    const [node, script, flag] = r.stdout.trim().split(' ');
    expect(node).toBe(process.execPath);
    expect(script).toBe(path.join(root, 'node_modules/onnxruntime-node/script/install.js'));
    expect(fs.existsSync(script)).toBe(true);
    expect(flag).toBe('--onnxruntime-node-install=cuda12');
    const wrong = cli(['gpu', 'setup', '--cuda', '10', '--print']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('offers cuda12 for linux/x64, not cuda10');
  });

  it('check reports whether CUDA starts, naming the setup command when its provider is missing', () => {
    const r = cli(['gpu', 'check']);
    if (cudaProviderInstalled()) {
      // Installed: it works (a GPU machine) or says what else is missing (driver, CUDA, cuDNN).
      expect(r.status === 0 ? r.stdout : r.stderr).toMatch(
        r.status === 0 ? /CUDA execution provider: working/ : /CUDA provider failed to start.*cuDNN/,
      );
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("onnxruntime-node's CUDA provider is not installed");
      expect(r.stderr).toContain('install it with: npx opensoul gpu setup');
    }
  });

  it.runIf(!cudaProviderInstalled())('serve with OPENSOUL_EXECUTION_PROVIDER=cuda refuses to start instead of running on the CPU', () => {
    const r = cli(['serve', '--port', '0'], { OPENSOUL_EXECUTION_PROVIDER: 'cuda' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('OPENSOUL_EXECUTION_PROVIDER=cuda');
    expect(r.stderr).toContain('npx opensoul gpu setup');
    expect(r.stdout).not.toContain('listening on');
  });
});
