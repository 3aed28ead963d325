// The README's curl examples, run as written by bash against a real server: every request a
// newcomer copies must be accepted (HTTP 200), not answered 422 for a guessed field. Jobs are
// not run (no workers): this checks the request shapes, auth headers and paths, not outputs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dopRoutes } from '../../src/api/surfaces/dop-routes.js';
import { pixazoDialect } from '../../src/api/surfaces/pixazo.js';
import { segmindDialect } from '../../src/api/surfaces/segmind.js';
import { waveSpeedDialect } from '../../src/api/surfaces/wavespeed.js';
import type { CharacterEngine } from '../../src/services/characters.js';
import { hfHeaders, startServer, type TestServer } from '../helpers/server.js';

function run(script: string): Promise<{ stdout: string; stderr: string }> {
  const child = spawn('bash', ['-e', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  return new Promise((resolve) => child.on('close', () => resolve(out)));
}

const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
const useIt = readme.slice(readme.indexOf('## Use it'), readme.indexOf('## Command line'));
const blocks = [...useIt.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);

// Never asked to build: no worker runs. Present so Soul ID requests are accepted at submit.
const engine: CharacterEngine = {
  build: () => Promise.reject(new Error('not in this test')),
  identityStatus: async () => ({ engine: 'mesh-warp', message: 'test' }),
  transfer: () => Promise.reject(new Error('not in this test')),
};

let s: TestServer;
let key = '';
const ids: Record<string, string> = {};
beforeAll(async () => {
  s = await startServer({
    workers: false,
    characterEngine: engine,
    surfaces: [dopRoutes(async () => Buffer.alloc(0)), waveSpeedDialect(), segmindDialect(), pixazoDialect()],
    config: { maxInFlightPerAccount: 100 },
  });
  const a = await s.account(1000);
  key = a.credential;
  // Real values for the README's placeholders: an uploaded image, a job set, a character.
  const slot = (await (
    await fetch(`${s.url}/files/generate-upload-url`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ content_type: 'image/png' }),
    })
  ).json()) as { upload_url: string; public_url: string };
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
  expect(
    (await fetch(slot.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status,
  ).toBe(200);
  const set = (await (
    await fetch(`${s.url}/v1/text2image/soul`, { method: 'POST', headers: hfHeaders(a), body: JSON.stringify({ params: { prompt: 'x' } }) })
  ).json()) as { id: string };
  const character = (await (
    await fetch(`${s.url}/v1/custom-references`, {
      method: 'POST',
      headers: hfHeaders(a),
      body: JSON.stringify({ name: 'c', input_images: [{ type: 'image_url', image_url: slot.public_url }] }),
    })
  ).json()) as { id: string };
  Object.assign(ids, {
    IMAGE_URL: slot.public_url,
    PHOTO_URL_1: slot.public_url,
    PHOTO_URL_2: slot.public_url,
    JOB_SET_ID: set.id,
    REQUEST_ID: set.id,
    CHARACTER_ID: character.id,
  });
});
afterAll(async () => s?.close());

describe('README curl examples', () => {
  it('finds the examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('block %i is accepted as written', async (_i, block) => {
    // Commands that save a synchronous answer (`-o file`) need a worker to render it: not run here.
    const commands = block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => !(l.startsWith('curl ') && / -o \S/.test(l)));
    let script = commands.join('\n').replaceAll('http://127.0.0.1:8787', s.url).replaceAll('KEY=KEY_ID:KEY_SECRET', `KEY=${key}`);
    for (const [placeholder, value] of Object.entries(ids)) script = script.replaceAll(placeholder, value);
    // Each curl prints its status and path instead of the body.
    const prelude = `curl() { command curl -sS -o /dev/null -w '%{http_code} %{url_effective}\\n' "$@"; }\nKEY='${key}'\n`;
    // Asynchronous: the server answering these requests lives in this process.
    const r = await run(prelude + script);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(commands.filter((l) => l.startsWith('curl ')).length);
    // Not checked here: Soul with the character (this test's character never builds, so it is
    // refused); test/integration/soul-id.test.ts runs that flow.
    for (const line of lines) {
      const [code, url] = line.split(' ');
      if (/\/v1\/text2image\/soul$/.test(url) && block.includes('custom_reference_id')) continue;
      expect(`${code} ${new URL(url).pathname}`).toBe(`200 ${new URL(url).pathname}`);
    }
  });
});
