import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SEALED_PREFIX } from '../domain/sealed.js';
import { secretCheck } from './checked-secret.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Binds every sealed value to this use of the key. */
const AAD = Buffer.from('opensoul secret v1');

/** Reads a data key given as base64 (44 characters) or hex (64): exactly 32 bytes, else null. */
export function parseDataKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}

/**
 * Secrets that must be usable again (webhook signing secrets, per-request webhook secrets) are
 * kept sealed with AES-256-GCM under the data key: `enc:v1:` + base64url(nonce ‖ ciphertext ‖ tag),
 * a fresh random nonce per value. Values written before sealing existed have no prefix: `open`
 * returns them as they are, so no stored webhook becomes unusable (start-up seals them too).
 */
export class SecretBox {
  /** A short public name of the key (from an HMAC, not the key): what start-up errors compare. */
  readonly keyId: string;
  /** HMAC of a fixed text under the key, stored in the database to catch a different key at start. */
  readonly check: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the data key must be 32 bytes');
    ({ keyId: this.keyId, check: this.check } = secretCheck(key, 'data key'));
  }

  static isSealed(value: string): boolean {
    return value.startsWith(SEALED_PREFIX);
  }

  seal(plain: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Seals a value unless it already is (legacy plain values written by older versions). */
  reseal(value: string): string {
    return SecretBox.isSealed(value) ? value : this.seal(value);
  }

  /** The plain value; legacy unsealed values pass through. Throws on a value this key did not seal. */
  open(value: string): string {
    if (!SecretBox.isSealed(value)) return value;
    const raw = Buffer.from(value.slice(SEALED_PREFIX.length), 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`sealed secret does not open with data key ${this.keyId} (sealed under another key, or changed)`);
    }
  }
}
