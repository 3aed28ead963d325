import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signMediaPath, verifyMediaSignature } from './signed-url.js';

const SECRET = 'media-secret-for-tests';
const PATH = '/media/out/3c90c3cc-0d44-4b50-8888-8dd25736052a/raw.png';
const EXP = new Date('2030-01-01T00:00:00Z');
const BEFORE = new Date('2029-12-31T23:59:59Z');

function split(signed: string): [string, string] {
  const q = signed.indexOf('?');
  return [signed.slice(0, q), signed.slice(q + 1)];
}

describe('signMediaPath / verifyMediaSignature', () => {
  it('appends exp (Unix seconds) and an HMAC-SHA256 sig computable independently', () => {
    const signed = signMediaPath(PATH, { secret: SECRET, expiresAt: EXP });
    const exp = String(EXP.getTime() / 1000);
    const sig = createHmac('sha256', SECRET).update(`opensoul-media-url:v1\n${PATH}\n${exp}`).digest('base64url');
    expect(signed).toBe(`${PATH}?exp=${exp}&sig=${sig}`);
  });

  it('accepts its own URL from a query string, URLSearchParams or a parsed object', () => {
    const [path, query] = split(signMediaPath(PATH, { secret: SECRET, expiresAt: EXP }));
    expect(verifyMediaSignature(path, query, SECRET, BEFORE)).toBe('ok');
    expect(verifyMediaSignature(path, '?' + query, SECRET, BEFORE)).toBe('ok');
    const params = new URLSearchParams(query);
    expect(verifyMediaSignature(path, params, SECRET, BEFORE)).toBe('ok');
    expect(verifyMediaSignature(path, Object.fromEntries(params), Buffer.from(SECRET), BEFORE)).toBe('ok');
  });

  it('reports expiry at and after exp', () => {
    const [path, query] = split(signMediaPath(PATH, { secret: SECRET, expiresAt: EXP }));
    expect(verifyMediaSignature(path, query, SECRET, EXP)).toBe('expired');
    expect(verifyMediaSignature(path, query, SECRET, new Date(EXP.getTime() + 86_400_000))).toBe('expired');
  });

  it('refuses another path, an extended expiry, a wrong secret and a forged or missing sig', () => {
    const [path, query] = split(signMediaPath(PATH, { secret: SECRET, expiresAt: EXP }));
    const q = new URLSearchParams(query);
    expect(verifyMediaSignature(path.replace('raw.png', 'min.png'), q, SECRET, BEFORE)).toBe('bad_signature');
    expect(verifyMediaSignature(path + '/', q, SECRET, BEFORE)).toBe('bad_signature');
    const later = new URLSearchParams(q);
    later.set('exp', String(Number(q.get('exp')) + 3600));
    expect(verifyMediaSignature(path, later, SECRET, BEFORE)).toBe('bad_signature');
    expect(verifyMediaSignature(path, q, 'other-secret', BEFORE)).toBe('bad_signature');
    const forged = new URLSearchParams(q);
    const s = q.get('sig')!;
    forged.set('sig', (s[0] === 'A' ? 'B' : 'A') + s.slice(1));
    expect(verifyMediaSignature(path, forged, SECRET, BEFORE)).toBe('bad_signature');
    expect(verifyMediaSignature(path, { exp: q.get('exp') }, SECRET, BEFORE)).toBe('bad_signature');
    expect(verifyMediaSignature(path, { sig: s }, SECRET, BEFORE)).toBe('bad_signature');
    expect(verifyMediaSignature(path, { exp: [q.get('exp'), q.get('exp')], sig: s }, SECRET, BEFORE)).toBe('bad_signature');
    expect(verifyMediaSignature(path, { exp: '1e20', sig: s }, SECRET, BEFORE)).toBe('bad_signature');
  });

  it('checks the signature before the expiry, so a forged expired link says bad_signature', () => {
    expect(verifyMediaSignature(PATH, { exp: '1', sig: 'AAAA' }, SECRET, BEFORE)).toBe('bad_signature');
  });

  it('refuses to sign what it could not verify unambiguously', () => {
    expect(() => signMediaPath('/media/a.png?x=1', { secret: SECRET, expiresAt: EXP })).toThrow();
    expect(() => signMediaPath('media/a.png', { secret: SECRET, expiresAt: EXP })).toThrow();
    expect(() => signMediaPath(PATH, { secret: '', expiresAt: EXP })).toThrow();
    expect(() => signMediaPath(PATH, { secret: SECRET, expiresAt: new Date(NaN) })).toThrow();
  });
});
