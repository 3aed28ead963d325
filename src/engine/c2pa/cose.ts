import { type KeyObject, sign } from 'node:crypto';
import { encode } from 'cborg';

const COSE_ALG = 1;
const ES256 = -7;
const X5CHAIN = 33;
const COSE_SIGN1_TAG = 0xd2; // CBOR tag 18

/** Gets an RFC 3161 TimeStampToken (DER) over the given bytes from a time-stamping authority; null = sign without one. */
export type TimeStamper = (data: Uint8Array) => Promise<Uint8Array | null>;

/**
 * A complete, tagged COSE_Sign1 (RFC 9052) over a detached C2PA claim: ES256, the certificate
 * chain in the protected header, and an unprotected `pad` that brings it to exactly `size`
 * bytes, the space c2pa-rs reserved for the signature box. With a `timeStamper`, the
 * unprotected header also carries `sigTst2` (C2PA 2.x): a time stamp over the countersignature
 * structure of the signature, so the manifest stays verifiable after the certificate expires.
 */
export async function coseSign1(
  claim: Uint8Array,
  chain: Uint8Array[],
  key: KeyObject,
  size: number,
  timeStamper?: TimeStamper,
): Promise<Uint8Array> {
  const protectedHeader = encode(
    new Map<number, unknown>([
      [COSE_ALG, ES256],
      [X5CHAIN, chain.length === 1 ? chain[0] : chain],
    ]),
  );
  const toBeSigned = encode(['Signature1', protectedHeader, new Uint8Array(0), claim]);
  // COSE wants the raw r||s form, not X.509's DER.
  const signature = new Uint8Array(sign('sha256', toBeSigned, { key, dsaEncoding: 'ieee-p1363' }));
  const unprotected = new Map<string, unknown>();
  if (timeStamper) {
    // What the authority stamps: Sig_structure("CounterSignature", protected, no aad, bstr(signature)).
    const countersigned = encode(['CounterSignature', protectedHeader, new Uint8Array(0), encode(signature)]);
    const token = await timeStamper(countersigned);
    if (token) unprotected.set('sigTst2', { tstTokens: [{ val: token }] });
  }
  const build = (pad: number) => {
    const body = encode([protectedHeader, new Map([...unprotected, ['pad', new Uint8Array(pad)]]), null, signature]);
    const out = new Uint8Array(body.length + 1);
    out[0] = COSE_SIGN1_TAG;
    out.set(body, 1);
    return out;
  };
  let pad = 0;
  let out = build(pad);
  // The pad's own length prefix grows with it, so settle in a few steps.
  for (let i = 0; i < 4 && out.length !== size; i++) {
    pad = Math.max(0, pad + size - out.length);
    out = build(pad);
  }
  if (out.length > size) throw new Error(`the COSE signature needs ${out.length} bytes, more than the ${size} reserved`);
  if (out.length !== size) throw new Error(`could not pad the COSE signature to ${size} bytes`);
  return out;
}
