import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-cli-'));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENSOUL_MODELS_DIR: path.join(dataDir, 'models') },
  });

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('opensoul keys / credits', () => {
  it('keys create prints KEY_ID:KEY_SECRET and nothing else on stdout; list, grant and revoke work', () => {
    const created = cli('keys', 'create', '--name', 'alice', '--credits', '12.5');
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/^[0-9a-f-]{36}:[0-9a-f]{64}\n$/);
    const [keyId, secret] = created.stdout.trim().split(':');
    const list = cli('keys', 'list');
    expect(list.stdout).toContain(keyId);
    expect(list.stdout).toContain('credits=12.5');
    expect(list.stdout).not.toContain(secret);
    const grant = cli('credits', 'grant', keyId, '7.5');
    expect(grant.stdout.trim()).toBe('balance: 20');
    const [header, ...ledger] = cli('credits', 'ledger', keyId)
      .stdout.trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(header).toEqual(['time', 'reason', 'credits', 'balance_after', 'job_set_id', 'job_id', 'note']);
    expect(ledger.map((c) => c.slice(1, 4))).toEqual([
      ['grant', '7.5', '20'],
      ['grant', '12.5', '12.5'],
    ]);
    expect(cli('keys', 'revoke', keyId).status).toBe(0);
    expect(cli('keys', 'list').stdout).toMatch(/revoked=/);
    expect(cli('keys', 'revoke', keyId).status).toBe(1);
  });

  it('keys create --compact prints one os_ token that names the same kind of key', () => {
    const created = cli('keys', 'create', '--name', 'bob', '--compact');
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/^os_[0-9a-f]{32}[0-9a-f]{64}\n$/);
    const id = created.stdout.slice(3, 35);
    const dashed = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
    expect(cli('keys', 'list').stdout).toContain(dashed);
  });
});

describe('opensoul serve', () => {
  it('prints where it listens and a working API key line', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'src/main.ts'),
        '--data-dir',
        fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-serve-')),
        'serve',
        '--port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENSOUL_EXECUTION_PROVIDER: '', OPENSOUL_MODEL_PATH: '' } },
    );
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const deadline = Date.now() + 60_000;
      while (!/API key: \S+/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const url = /listening on (\S+)/.exec(out)![1];
      const key = /API key: (\S+)/.exec(out)![1];
      const res = await fetch(`${url}/v1/account`, { headers: { authorization: `Key ${key}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { credits: number }).credits).toBe(1000);
      const readyRes = await fetch(`${url}/readyz`);
      const ready = (await readyRes.json()) as {
        status: string;
        checks: Record<string, { ok: boolean; detail?: string; fix?: string }>;
        execution_provider: unknown;
      };
      // No diffusion model is installed here: not ready (503, degraded), and it names the pull command.
      expect(readyRes.status).toBe(503);
      expect(ready.status).toBe('degraded');
      expect(ready.checks.diffusion_model.ok).toBe(false);
      expect(ready.checks.diffusion_model.detail).toContain('opensoul models pull');
      expect(ready.checks.diffusion_model.fix).toMatch(/^npx opensoul models pull SimianLuo\/LCM_Dreamshaper_v7 --only /);
      expect(ready.execution_provider).toEqual({ requested: 'cpu', in_use: 'cpu' });
      // The banner says how to get the model.
      expect(out).toMatch(/Soul model: not installed[^\n]*\n\s+npx opensoul models pull SimianLuo\/LCM_Dreamshaper_v7/);
      // Nor the optional InsightFace swapper: Soul ID is still ready, on the shipped mesh-warp engine.
      expect(ready.checks.identity_engine).toEqual({ ok: true, detail: expect.stringContaining('mesh-warp') });
      expect(ready.checks.identity_engine.detail).toContain('opensoul models pull ezioruan/inswapper_128.onnx');
      // Moderation runs by default (block) on the classifier bundled with nsfwjs.
      expect(ready.checks.moderation_model).toEqual({ ok: true, detail: 'nsfwjs MobileNetV2Mid' });
      // SIGTERM runs the one shutdown sequence (HTTP, workers, webhooks, dispatch, database) to the end: exit 0.
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('SIGTERM: draining');
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  });
});
