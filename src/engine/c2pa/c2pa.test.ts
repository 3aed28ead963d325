import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ffmpegPath } from '../video/ffmpeg-path.js';
import { C2paSigner, createSigningIdentity, verifyAsset } from './index.js';

const identity = createSigningIdentity('opensoul-test');
const signer = new C2paSigner(identity);
const manifest = {
  claim_generator_info: [{ name: 'opensoul', version: 'test' }],
  title: 'output',
  assertions: [
    {
      label: 'c2pa.actions.v2',
      data: {
        actions: [{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' }],
      },
    },
    { label: 'org.opensoul.generation', data: { job_id: 'job-1', prompt: 'a lighthouse', seed: 7 } },
  ],
};

async function mp4(): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2pa-mp4-'));
  try {
    const out = path.join(dir, 'clip.mp4');
    execFileSync(ffmpegPath(), [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=128x128:rate=24',
      '-frames:v',
      '24',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      '-movflags',
      '+faststart',
      out,
    ]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const image = (format: 'png' | 'jpeg') =>
  sharp({ create: { width: 256, height: 192, channels: 3, background: '#4a7' } })
    .toFormat(format)
    .toBuffer();

describe('C2PA content credentials (c2pa-rs wasm)', () => {
  for (const [type, make] of [
    ['image/png', () => image('png')],
    ['image/jpeg', () => image('jpeg')],
    ['video/mp4', mp4],
  ] as const) {
    it(`signs a ${type} that the c2pa-rs reader validates and trusts through our CA`, async () => {
      const signed = await signer.sign(await make(), type, manifest);
      const v = await verifyAsset(signed, identity.caPem);
      expect(v).toMatchObject({ valid: true, trusted: true, state: 'Trusted', failures: [] });
      const assertions = v.manifest!.assertions as { label: string; data: any }[];
      expect(assertions.find((a) => a.label === 'c2pa.actions.v2')!.data.actions[0]).toMatchObject({
        action: 'c2pa.created',
        digitalSourceType: expect.stringContaining('trainedAlgorithmicMedia'),
      });
      expect(assertions.find((a) => a.label === 'org.opensoul.generation')!.data).toEqual({
        job_id: 'job-1',
        prompt: 'a lighthouse',
        seed: 7,
      });
      expect((v.manifest!.signature_info as any).common_name).toBe('opensoul-test content credentials signer');
    }, 60_000);
  }

  it('lists inputs as ingredients, read or only named', async () => {
    const webp = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#f00' } })
      .webp()
      .toBuffer();
    const signed = await signer.sign(await image('png'), 'image/png', manifest, [
      { bytes: await image('jpeg'), title: 'reference' },
      { bytes: webp, title: 'second still' },
    ]);
    const v = await verifyAsset(signed, identity.caPem);
    expect(v).toMatchObject({ valid: true, trusted: true });
    expect(v.manifest!.ingredients).toEqual([
      expect.objectContaining({ title: 'reference', relationship: 'inputTo', format: 'image/jpeg' }),
      expect.objectContaining({ title: 'second still', relationship: 'inputTo' }),
    ]);
  }, 60_000);

  it('a changed pixel fails validation', async () => {
    const signed = Buffer.from(await signer.sign(await image('png'), 'image/png', manifest));
    const idat = signed.indexOf('IDAT');
    signed[idat + 10] ^= 0x01;
    const v = await verifyAsset(signed, identity.caPem);
    expect(v.valid).toBe(false);
    expect(v.failures.map((f) => f.code)).toContain('assertion.dataHash.mismatch');
  }, 60_000);

  it('is valid but not trusted against another CA, and finds nothing in an unsigned file', async () => {
    const signed = await signer.sign(await image('jpeg'), 'image/jpeg', manifest);
    const other = createSigningIdentity('someone-else');
    const v = await verifyAsset(signed, other.caPem);
    expect(v.trusted).toBe(false);
    expect(v.state).not.toBe('Trusted');
    const none = await verifyAsset(await image('png'), identity.caPem);
    expect(none).toMatchObject({ valid: false, manifest: null });
  }, 60_000);
});
