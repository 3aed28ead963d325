import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, parseDataKey } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals with a fresh nonce each time and opens back', () => {
    const a = box.seal('whsec_abc');
    const b = box.seal('whsec_abc');
    expect(a).toMatch(/^enc:v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('abc');
    expect(box.open(a)).toBe('whsec_abc');
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('ünïcödé ✓'))).toBe('ünïcödé ✓');
  });

  it('passes legacy plain values through and reseals only those', () => {
    expect(box.open('whsec_plain')).toBe('whsec_plain');
    const sealed = box.reseal('whsec_plain');
    expect(box.open(sealed)).toBe('whsec_plain');
    expect(box.reseal(sealed)).toBe(sealed);
  });

  it('refuses a changed value and a value sealed under another key, naming the key', () => {
    const sealed = box.seal('whsec_abc');
    const raw = Buffer.from(sealed.slice(7), 'base64url');
    raw[14] ^= 1;
    expect(() => box.open('enc:v1:' + raw.toString('base64url'))).toThrow(`does not open with data key ${box.keyId}`);
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/does not open with data key [0-9a-f]{12}/);
    expect(() => box.open('enc:v1:abc')).toThrow('truncated');
  });

  it('reads keys as base64, base64url or hex of exactly 32 bytes', () => {
    const key = randomBytes(32);
    expect(parseDataKey(key.toString('base64'))).toEqual(key);
    expect(parseDataKey(key.toString('base64url'))).toEqual(key);
    expect(parseDataKey(key.toString('hex') + '\n')).toEqual(key);
    expect(parseDataKey(randomBytes(16).toString('base64'))).toBeNull();
    expect(parseDataKey('not a key')).toBeNull();
    // The key id names a key without revealing it: another key, another id and check; no part of the key in either.
    const other = randomBytes(32);
    expect(new SecretBox(other).keyId).not.toBe(new SecretBox(key).keyId);
    expect(new SecretBox(other).check).not.toBe(new SecretBox(key).check);
    expect(key.toString('hex')).not.toContain(new SecretBox(key).keyId);
  });
});
