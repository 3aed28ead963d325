import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerModelsCommands, splitPatterns } from '../../src/cli/models.js';
import { fakeFilesFromDir, startFakeHub, type FakeHub, sameBytes } from '../engine/hub/fake-hub.js';

let modelsDir: string;
let hub: FakeHub;
let out: string;
let err: string;

function cli(): Command {
  const program = new Command().exitOverride();
  registerModelsCommands(program, () => ({ modelsDir }), {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
  });
  return program;
}

const run = (...args: string[]) => cli().parseAsync(['node', 'opensoul', ...args]);

beforeEach(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'models-cli-'));
  hub = await startFakeHub();
  out = '';
  err = '';
  process.env.HF_ENDPOINT = hub.url;
  delete process.env.HF_TOKEN;
});
afterEach(async () => {
  delete process.env.HF_ENDPOINT;
  await hub.close();
  await rm(modelsDir, { recursive: true, force: true });
});

describe('opensoul models', () => {
  it('pull REPO --only downloads the matching files and prints the folder; list shows it', async () => {
    await run('models', 'pull', `${hub.repo}@main`, '--only', 'unet/*,model_index.json');
    const dir = join(modelsDir, 'acme--tiny-sd', 'main');
    expect(out.trim()).toBe(dir);
    expect(existsSync(join(dir, 'unet/model.onnx'))).toBe(true);
    expect(existsSync(join(dir, 'vae_decoder/model.onnx'))).toBe(false);
    expect(err).toContain(`Pulling ${hub.repo}@main`);
    expect(err).toContain('Done: ');

    out = '';
    await run('models', 'list');
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^MODEL\s+COMMIT\s+FILES\s+SIZE\s+SET\s+PATH$/);
    expect(lines[1]).toMatch(new RegExp(`^acme/tiny-sd@main\\s+c0ffee0000\\s+2\\s+\\S+ kB\\s+partial\\s+${dir}$`));

    out = '';
    await run('models', 'list', '--json');
    expect(JSON.parse(out)).toEqual([expect.objectContaining({ repo: hub.repo, revision: 'main', files: 2 })]);
  });

  it('list says how to install a model when the cache is empty', async () => {
    await run('models', 'list');
    expect(out).toContain('opensoul models pull');
  });

  it('pull reports hub errors', async () => {
    await expect(run('models', 'pull', 'acme/absent')).rejects.toThrow(/not found/);
  });

  it('make-fixture rejects an unknown family', async () => {
    await expect(run('models', 'make-fixture', join(modelsDir, 'fx'), '--family', 'sd3')).rejects.toThrow(/--family/);
  });

  it('make-fixture writes a loadable model folder', async () => {
    const dir = join(modelsDir, 'fixture-sd');
    await run('models', 'make-fixture', dir, '--family', 'sd');
    expect(out.trim()).toBe(dir);
    for (const f of ['model_index.json', 'unet/model.onnx', 'tokenizer/vocab.json', 'scheduler/scheduler_config.json']) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
  });

  it('pulls a generated fixture model served the way the hub serves it, byte for byte', async () => {
    const source = join(modelsDir, 'fixture-lcm');
    await run('models', 'make-fixture', source, '--family', 'lcm');
    const files = await fakeFilesFromDir(source);
    expect(files.some((f) => f.path === 'unet/model.onnx' && f.lfs)).toBe(true);
    await hub.close();
    hub = await startFakeHub(files, 5);
    process.env.HF_ENDPOINT = hub.url;
    out = '';
    await run('models', 'pull', hub.repo);
    const dir = out.trim();
    for (const f of files) expect(sameBytes(await readFile(join(dir, f.path)), f.content), f.path).toBe(true);
  });

  it('splits comma and space separated patterns', () => {
    expect(splitPatterns(['a/*,b.json', ' c/ '])).toEqual(['a/*', 'b.json', 'c/']);
    expect(splitPatterns(undefined)).toEqual([]);
  });
});
