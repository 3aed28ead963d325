import { describe, expect, it } from 'vitest';
import { redact, redactDeep } from './redact.js';

describe('redact', () => {
  it('hides media signatures and presigned credentials but keeps the rest of the URL', () => {
    expect(redact('GET /media/output/a/b.png?exp=1700000000&sig=AbC_-123 200')).toBe(
      'GET /media/output/a/b.png?exp=1700000000&sig=[REDACTED] 200',
    );
    expect(redact('https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=deadbeef&X-Amz-Expires=300')).toBe(
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&X-Amz-Expires=300',
    );
  });

  it('hides API keys in every form', () => {
    expect(redact('authorization: Key 0b8e1a2c-1111-2222-3333-444455556666:s3cr3t')).toBe('authorization: Key [REDACTED]');
    expect(redact('sent Bearer abc:def')).toBe('sent Bearer [REDACTED]');
    expect(redact('token os_0123456789abcdef0123456789abcdefSECRET')).toBe('token os_[REDACTED]');
    expect(redact('{"hf-secret":"xyz","x":1}')).toBe('{"hf-secret":"[REDACTED]","x":1}');
  });

  it('hides webhook secrets and URL passwords', () => {
    expect(redact('secret whsec_AbCd+/==')).toContain('whsec_[REDACTED]');
    expect(redact('redis://user:hunter2@cache:6379/0')).toBe('redis://user:[REDACTED]@cache:6379/0');
    // Per-request secrets as the outbox sends them, and the server's own keys by config name.
    expect(redact('{"X-Webhook-Secret-Key":"hook-pass","url":"https://x"}')).toBe(
      '{"X-Webhook-Secret-Key":"[REDACTED]","url":"https://x"}',
    );
    expect(redact('OPENSOUL_DATA_KEY=q1w2e3 OPENSOUL_MEDIA_SECRET=abc OPENSOUL_OPERATOR_TOKEN=tok')).toBe(
      'OPENSOUL_DATA_KEY=[REDACTED] OPENSOUL_MEDIA_SECRET=[REDACTED] OPENSOUL_OPERATOR_TOKEN=[REDACTED]',
    );
    expect(redact('{"dataKey":"q1w2e3","mediaSecret":"abc","operatorToken":"tok"}')).toBe(
      '{"dataKey":"[REDACTED]","mediaSecret":"[REDACTED]","operatorToken":"[REDACTED]"}',
    );
  });

  it('walks log records', () => {
    expect(redactDeep({ url: '/media/x?sig=abc', n: 3, nested: [{ auth: 'Bearer q' }] })).toEqual({
      url: '/media/x?sig=[REDACTED]',
      n: 3,
      nested: [{ auth: 'Bearer [REDACTED]' }],
    });
  });
});
