import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTsa, type LocalTsa } from '../../../test/helpers/local-tsa.js';
import { C2paSigner, createSigningIdentity, fetchTimeStampToken, verifyAsset } from './index.js';
import { timeStampRequest, timeStampToken } from './timestamp.js';

let tsa: LocalTsa;
beforeAll(async () => {
  tsa = await startLocalTsa();
});
afterAll(async () => {
  await tsa?.close();
});

const identity = createSigningIdentity('opensoul-test');
const anchors = () =>
  identity.chainPem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .slice(1)
    .join('');
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
  ],
};
const png = () =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#4a7' } })
    .png()
    .toBuffer();
const signatureTime = (v: Awaited<ReturnType<typeof verifyAsset>>) => (v.manifest?.signature_info as { time?: string } | undefined)?.time;

describe('RFC 3161 time stamps in C2PA signatures', () => {
  it('a signature stamped by a local TSA validates in c2pa-rs and carries the stamped time', async () => {
    const before = tsa.requests;
    const signer = new C2paSigner(identity, (d) => fetchTimeStampToken(tsa.url, d));
    const t0 = Date.now();
    const v = await verifyAsset(await signer.sign(await png(), 'image/png', manifest), anchors() + tsa.caPem);
    expect(tsa.requests).toBe(before + 1);
    expect(v).toMatchObject({ valid: true, trusted: true, failures: [] });
    const time = Date.parse(signatureTime(v)!);
    expect(Math.abs(time - t0)).toBeLessThan(60_000);
  });

  it('without a TSA there is no signature time', async () => {
    const v = await verifyAsset(await new C2paSigner(identity).sign(await png(), 'image/png', manifest), anchors());
    expect(v).toMatchObject({ valid: true, trusted: true });
    expect(signatureTime(v)).toBeUndefined();
  });

  it("a time stamp over other bytes is not accepted as this signature's", async () => {
    // The authority stamps what it is sent: a stamper that sends the wrong bytes yields no valid time.
    const signer = new C2paSigner(identity, () => fetchTimeStampToken(tsa.url, new Uint8Array([1, 2, 3])));
    const v = await verifyAsset(await signer.sign(await png(), 'image/png', manifest), anchors() + tsa.caPem);
    expect(signatureTime(v)).toBeUndefined();
  });

  it('reads the token out of a response and refuses a rejection', async () => {
    const req = timeStampRequest(new Uint8Array([9]), Buffer.from('0102030405060708', 'hex'));
    // openssl ts, the authority here, parses the request and grants it.
    const res = await fetch(tsa.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: new Uint8Array(req),
    });
    const token = timeStampToken(Buffer.from(await res.arrayBuffer()));
    // A CMS ContentInfo of signedData (1.2.840.113549.1.7.2).
    expect(token[0]).toBe(0x30);
    expect(token.includes(Buffer.from('06092a864886f70d010702', 'hex'))).toBe(true);
    // PKIStatusInfo { status 2 (rejection) }
    expect(() => timeStampToken(Buffer.from('30053003020102', 'hex'))).toThrow('refused the request (PKIStatus 2)');
    await expect(fetchTimeStampToken(tsa.url.replace('/tsa', '/nope').replace(/:\d+/, ':1'), new Uint8Array([1]), 2000)).rejects.toThrow();
  });
});
