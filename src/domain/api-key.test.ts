import { describe, expect, it } from 'vitest';
import { compactToken, parseKey } from './api-key.js';

// Every scheme that carries a key as one value (`Key …`, `Bearer …`, reseller headers) reads it here.
describe('parseKey', () => {
  it('splits id:secret at the first colon and trims each side', () => {
    expect(parseKey('abc:de:f')).toEqual({ keyId: 'abc', secret: 'de:f' });
    expect(parseKey(' abc : s3cret ')).toEqual({ keyId: 'abc', secret: 's3cret' });
  });

  it('has no key without an id before the colon', () => {
    for (const v of [undefined, '', 'no-colon', ':secret', '  :secret']) expect(parseKey(v)).toBeNull();
  });

  it('reads the compact one-word form back to the same key', () => {
    const keyId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(parseKey(compactToken(keyId, 'S3cr3t'))).toEqual({ keyId, secret: 'S3cr3t' });
  });
});
