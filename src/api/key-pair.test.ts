import { describe, expect, it } from 'vitest';
import { splitKeyPair } from './auth.js';
import { compactToken, parseKey } from './surfaces/reseller-common.js';

// Higgsfield's `Key id:secret` and the reseller dialects' keys split the pair the same way.
describe('id:secret', () => {
  it('splits at the first colon and trims each side', () => {
    expect(splitKeyPair('abc:de:f')).toEqual({ keyId: 'abc', secret: 'de:f' });
    expect(splitKeyPair(' abc : s3cret ')).toEqual({ keyId: 'abc', secret: 's3cret' });
    expect(parseKey(' abc : s3cret ')).toEqual({ keyId: 'abc', secret: 's3cret' });
  });

  it('has no key without an id before the colon', () => {
    for (const v of [undefined, '', 'no-colon', ':secret']) {
      expect(splitKeyPair(v)).toBeNull();
      expect(parseKey(v)).toBeNull();
    }
    // The reseller form trims first, so leading blanks never pass for an id.
    expect(parseKey('  :secret')).toBeNull();
  });

  it('reseller keys also come in the compact one-word form', () => {
    const keyId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(parseKey(compactToken(keyId, 'S3cr3t'))).toEqual({ keyId, secret: 'S3cr3t' });
  });
});
