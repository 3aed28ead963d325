import { createHash, randomBytes } from 'node:crypto';

/**
 * RFC 3161 time stamps for C2PA signatures: a TimeStampReq (SHA-256 imprint, nonce, certReq)
 * POSTed to a time-stamping authority, and the TimeStampToken taken from its TimeStampResp.
 * DER is written and read by hand: the two structures are small and fixed.
 */

const SHA256_OID = Buffer.from('0609608648016503040201', 'hex'); // OID 2.16.840.1.101.3.4.2.1, DER

function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : n < 0x10000
          ? Buffer.from([0x82, n >> 8, n & 0xff])
          : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** DER INTEGER of non-negative big-endian bytes. */
function derUint(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1] < 0x80) b = b.subarray(1);
  return der(0x02, b[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

/** TimeStampReq for `data` (RFC 3161 §2.4.1): version 1, SHA-256 imprint, a nonce, certReq TRUE. */
export function timeStampRequest(data: Uint8Array, nonce: Buffer = randomBytes(8)): Buffer {
  const imprint = der(
    0x30,
    Buffer.concat([
      der(0x30, Buffer.concat([SHA256_OID, Buffer.from([0x05, 0x00])])),
      der(0x04, createHash('sha256').update(data).digest()),
    ]),
  );
  return der(0x30, Buffer.concat([derUint(Buffer.from([1])), imprint, derUint(nonce), Buffer.from([0x01, 0x01, 0xff])]));
}

/** One DER element at `at`: its tag, where its content starts and where it ends. */
function readTlv(buf: Buffer, at: number): { tag: number; start: number; end: number } {
  if (at + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[at];
  let len = buf[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  if (start + len > buf.length) throw new Error('truncated DER');
  return { tag, start, end: start + len };
}

/**
 * The TimeStampToken (a CMS ContentInfo, DER) of a TimeStampResp; throws with the PKIStatus
 * when the authority did not grant one (status 0 granted, 1 grantedWithMods).
 */
export function timeStampToken(resp: Buffer): Buffer {
  const outer = readTlv(resp, 0);
  if (outer.tag !== 0x30) throw new Error('not a TimeStampResp');
  const statusInfo = readTlv(resp, outer.start);
  const status = readTlv(resp, statusInfo.start);
  if (status.tag !== 0x02) throw new Error('not a TimeStampResp');
  const code = resp.readUIntBE(status.start, Math.min(6, status.end - status.start));
  if (code !== 0 && code !== 1) throw new Error(`the time-stamping authority refused the request (PKIStatus ${code})`);
  if (statusInfo.end >= outer.end) throw new Error('the time-stamping authority sent no token');
  const token = readTlv(resp, statusInfo.end);
  return Buffer.from(resp.subarray(statusInfo.end, token.end));
}

/** POSTs a request for `data` to the authority at `url` and returns the token. */
export async function fetchTimeStampToken(url: string, data: Uint8Array, timeoutMs = 10_000): Promise<Buffer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
    body: new Uint8Array(timeStampRequest(data)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`the time-stamping authority answered HTTP ${res.status}`);
  return timeStampToken(Buffer.from(await res.arrayBuffer()));
}
