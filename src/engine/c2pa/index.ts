import { createPrivateKey, type KeyObject } from 'node:crypto';
import { WasmBuilder, WasmReader } from '@contentauth/c2pa-wasm';
import { coseSign1, type TimeStamper } from './cose.js';
import { pemToDer } from './certs.js';
import { BytesBlob, ensureC2paWasm } from './wasm.js';

export { createSigningIdentity, pemToDer, type SigningIdentity } from './certs.js';
export { fetchTimeStampToken } from './timestamp.js';
export type { TimeStamper } from './cose.js';

/** Media types c2pa-rs embeds manifests in that opensoul produces. */
export const SIGNABLE_TYPES = ['image/png', 'image/jpeg', 'video/mp4'] as const;
export const isSignable = (contentType: string) => (SIGNABLE_TYPES as readonly string[]).includes(contentType);

/** Bytes reserved for the COSE signature box: a two-certificate P-256 chain fits with room. */
const SIGNATURE_RESERVE = 10_000;
/** With a time stamp: the token carries the authority's certificates too (RSA chains run to several KB). */
const STAMPED_SIGNATURE_RESERVE = 24_000;

/** An input the asset was made from. */
export interface Ingredient {
  bytes: Uint8Array;
  title: string;
}

/** A C2PA ManifestDefinition (c2pa-rs JSON): claim generator, title, assertions. */
export type ManifestDefinition = Record<string, unknown>;

/** Embeds signed manifests with one signing identity (ES256 key + certificate chain). */
export class C2paSigner {
  private readonly key: KeyObject;
  private readonly chain: Uint8Array[];

  /** `timeStamper`: RFC 3161 time stamps in every signature (OPENSOUL_C2PA_TSA_URL); none when absent. */
  constructor(
    identity: { keyPem: string; chainPem: string },
    private readonly timeStamper?: TimeStamper,
  ) {
    ensureC2paWasm();
    this.key = createPrivateKey(identity.keyPem);
    this.chain = pemToDer(identity.chainPem).map((d) => new Uint8Array(d));
    if (!this.chain.length) throw new Error('the C2PA certificate chain has no certificate');
  }

  /** The asset with `manifest` embedded and signed. */
  async sign(bytes: Uint8Array, contentType: string, manifest: ManifestDefinition, ingredients: Ingredient[] = []): Promise<Buffer> {
    const builder = WasmBuilder.fromJson(JSON.stringify({ ...manifest, format: contentType }));
    try {
      for (const ing of ingredients) {
        const type = sniffType(ing.bytes);
        const json = JSON.stringify({ title: ing.title, relationship: 'inputTo' });
        // c2pa-rs reads PNG, JPEG and MP4 ingredients (and their own manifests); others are named only.
        if (type) await builder.addIngredientFromBlob(json, type, new BytesBlob(ing.bytes));
        else builder.addIngredient(json);
      }
      const reserve = this.timeStamper ? STAMPED_SIGNATURE_RESERVE : SIGNATURE_RESERVE;
      const signer = {
        alg: 'es256',
        reserveSize: reserve,
        sign: async (claim: Uint8Array) =>
          (await coseSign1(claim, this.chain, this.key, reserve, this.timeStamper)) as Uint8Array<ArrayBuffer>,
      };
      return Buffer.from(await builder.sign(signer, [], contentType, new BytesBlob(bytes)));
    } finally {
      builder.free();
    }
  }
}

export interface Verification {
  /** A manifest was found and every check passed (signature, hashes, certificate). */
  valid: boolean;
  /** Signed by a certificate that chains to `trustAnchorsPem`. */
  trusted: boolean;
  /** c2pa-rs's validation state: Invalid, Valid or Trusted. */
  state: string;
  failures: { code: string; explanation?: string }[];
  manifest: Record<string, unknown> | null;
}

/** Sniffs the media type c2pa-rs should parse. */
export function sniffType(bytes: Uint8Array): string | null {
  const b = Buffer.from(bytes.subarray(0, 12));
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4';
  return null;
}

/** Reads and validates the asset's manifest store with c2pa-rs; trust is judged against the given anchors. */
export async function verifyAsset(bytes: Uint8Array, trustAnchorsPem: string): Promise<Verification> {
  ensureC2paWasm();
  const type = sniffType(bytes);
  if (!type)
    return {
      valid: false,
      trusted: false,
      state: 'Unsupported',
      failures: [{ code: 'format.unsupported', explanation: 'not a PNG, JPEG or MP4 file' }],
      manifest: null,
    };
  let reader: WasmReader;
  try {
    // No network: OCSP and remote manifests are not fetched.
    const trust = trustAnchorsPem.trim() ? { trust: { trust_anchors: trustAnchorsPem } } : {};
    reader = await WasmReader.fromBytes(
      type,
      bytes,
      JSON.stringify({ verify: { verify_trust: true, ocsp_fetch: false, remote_manifest_fetch: false }, ...trust }),
    );
  } catch (e) {
    return {
      valid: false,
      trusted: false,
      state: 'Invalid',
      failures: [{ code: 'manifest.unreadable', explanation: String(e) }],
      manifest: null,
    };
  }
  try {
    const store = JSON.parse(reader.json()) as {
      validation_state?: string;
      validation_results?: { activeManifest?: { failure?: { code: string; explanation?: string }[] } };
    };
    const state = store.validation_state ?? 'Invalid';
    const failures = store.validation_results?.activeManifest?.failure ?? [];
    return {
      valid: state !== 'Invalid' && failures.length === 0,
      trusted: state === 'Trusted',
      state,
      failures,
      manifest: reader.activeManifest() as Record<string, unknown>,
    };
  } finally {
    reader.free();
  }
}
