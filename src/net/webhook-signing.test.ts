import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  newWebhookId,
  signStandardWebhook,
  signWaveSpeedWebhook,
  standardWebhookHeaders,
  verifyStandardWebhook,
  verifyWaveSpeedWebhook,
} from './webhook-signing.js';

// A fixed key so the vectors below are reproducible by anyone with an HMAC tool.
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const SECRET = 'whsec_' + KEY.toString('base64');
const ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
const TS = 1_758_798_328;
const BODY = '{"status":"completed","request_id":"9417a243","images":[{"url":"https://x/ü.png"}]}';
const NOW = new Date(TS * 1000);

describe('Standard Webhooks', () => {
  it('signs id.timestamp.body with the base64-decoded key, base64 output', () => {
    const expected = createHmac('sha256', KEY).update(`${ID}.${TS}.${BODY}`).digest('base64');
    expect(signStandardWebhook({ id: ID, timestamp: TS, body: BODY, secret: SECRET })).toBe(`v1,${expected}`);
    // A Buffer body signs the same bytes.
    expect(signStandardWebhook({ id: ID, timestamp: TS, body: Buffer.from(BODY), secret: SECRET })).toBe(`v1,${expected}`);
  });

  it('builds the three headers', () => {
    const h = standardWebhookHeaders({ id: ID, timestamp: TS, body: BODY, secret: SECRET });
    expect(h['webhook-id']).toBe(ID);
    expect(h['webhook-timestamp']).toBe(String(TS));
    expect(h['webhook-signature']).toBe(signStandardWebhook({ id: ID, timestamp: TS, body: BODY, secret: SECRET }));
  });

  it('verifies its own signatures from a plain header object or a Headers instance', () => {
    const h = standardWebhookHeaders({ id: ID, timestamp: TS, body: BODY, secret: SECRET });
    expect(verifyStandardWebhook(h, BODY, SECRET, 300, NOW)).toBe('ok');
    expect(verifyStandardWebhook(new Headers(h), Buffer.from(BODY), SECRET, 300, NOW)).toBe('ok');
    const upper = {
      'Webhook-Id': h['webhook-id'],
      'Webhook-Timestamp': h['webhook-timestamp'],
      'Webhook-Signature': h['webhook-signature'],
    };
    expect(verifyStandardWebhook(upper, BODY, SECRET, 300, NOW)).toBe('ok');
  });

  it('accepts any matching signature among several (key rotation)', () => {
    const h = standardWebhookHeaders({ id: ID, timestamp: TS, body: BODY, secret: SECRET });
    const other = signStandardWebhook({ id: ID, timestamp: TS, body: BODY, secret: generateWebhookSecret() });
    const multi = { ...h, 'webhook-signature': `${other} v2,abc ${h['webhook-signature']}` };
    expect(verifyStandardWebhook(multi, BODY, SECRET, 300, NOW)).toBe('ok');
  });

  it('refuses tampered bodies, ids, timestamps, signatures and the wrong secret', () => {
    const h = standardWebhookHeaders({ id: ID, timestamp: TS, body: BODY, secret: SECRET });
    expect(verifyStandardWebhook(h, BODY.replace('completed', 'failed'), SECRET, 300, NOW)).toBe('bad_signature');
    expect(verifyStandardWebhook(h, BODY + ' ', SECRET, 300, NOW)).toBe('bad_signature');
    expect(verifyStandardWebhook({ ...h, 'webhook-id': 'msg_other' }, BODY, SECRET, 300, NOW)).toBe('bad_signature');
    expect(verifyStandardWebhook({ ...h, 'webhook-timestamp': String(TS + 1) }, BODY, SECRET, 300, NOW)).toBe('bad_signature');
    const sig = h['webhook-signature'];
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    expect(verifyStandardWebhook({ ...h, 'webhook-signature': flipped }, BODY, SECRET, 300, NOW)).toBe('bad_signature');
    expect(verifyStandardWebhook({ ...h, 'webhook-signature': sig.replace('v1,', 'v3,') }, BODY, SECRET, 300, NOW)).toBe('bad_signature');
    expect(verifyStandardWebhook(h, BODY, generateWebhookSecret(), 300, NOW)).toBe('bad_signature');
  });

  it('refuses stale and future timestamps outside the tolerance', () => {
    const h = standardWebhookHeaders({ id: ID, timestamp: TS, body: BODY, secret: SECRET });
    expect(verifyStandardWebhook(h, BODY, SECRET, 300, new Date((TS + 300) * 1000))).toBe('ok');
    expect(verifyStandardWebhook(h, BODY, SECRET, 300, new Date((TS + 301) * 1000))).toBe('expired');
    expect(verifyStandardWebhook(h, BODY, SECRET, 300, new Date((TS - 301) * 1000))).toBe('bad_timestamp');
    expect(verifyStandardWebhook(h, BODY, SECRET, 3600, new Date((TS + 1000) * 1000))).toBe('ok');
    expect(verifyStandardWebhook({ ...h, 'webhook-timestamp': '12.5' }, BODY, SECRET, 300, NOW)).toBe('bad_timestamp');
  });

  it('reports missing headers', () => {
    const h = standardWebhookHeaders({ id: ID, timestamp: TS, body: BODY, secret: SECRET });
    expect(verifyStandardWebhook({ ...h, 'webhook-signature': undefined }, BODY, SECRET, 300, NOW)).toBe('missing_headers');
    expect(verifyStandardWebhook({}, BODY, SECRET, 300, NOW)).toBe('missing_headers');
  });

  it('generates distinct whsec_ secrets of 32 random bytes and distinct ids', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(newWebhookId()).not.toBe(newWebhookId());
  });

  it('rejects unusable inputs', () => {
    expect(() => signStandardWebhook({ id: ID, timestamp: TS, body: BODY, secret: 'whsec_' })).toThrow();
    expect(() => signStandardWebhook({ id: ID, timestamp: 1.5, body: BODY, secret: SECRET })).toThrow();
  });
});

describe('WaveSpeed variant', () => {
  it('uses the secret text after whsec_ as the key (not base64-decoded) and hex output', () => {
    const secret = 'whsec_abcDEF123+/=';
    const expected = createHmac('sha256', Buffer.from('abcDEF123+/=', 'utf8')).update(`${ID}.${TS}.${BODY}`).digest('hex');
    expect(signWaveSpeedWebhook({ id: ID, timestamp: TS, body: BODY, secret })).toBe(`v3,${expected}`);
    // It is a different MAC from the Standard Webhooks one for the same secret.
    expect(signWaveSpeedWebhook({ id: ID, timestamp: TS, body: BODY, secret: SECRET }).slice(3)).not.toBe(
      Buffer.from(signStandardWebhook({ id: ID, timestamp: TS, body: BODY, secret: SECRET }).slice(3), 'base64').toString('hex'),
    );
  });

  it('verifies, and refuses tampering and expiry', () => {
    const secret = generateWebhookSecret();
    const headers = {
      'webhook-id': ID,
      'webhook-timestamp': String(TS),
      'webhook-signature': signWaveSpeedWebhook({ id: ID, timestamp: TS, body: BODY, secret }),
    };
    expect(verifyWaveSpeedWebhook(headers, BODY, secret, 300, NOW)).toBe('ok');
    expect(verifyWaveSpeedWebhook(headers, BODY.replace('9417', '9418'), secret, 300, NOW)).toBe('bad_signature');
    expect(verifyWaveSpeedWebhook(headers, BODY, secret, 300, new Date((TS + 301) * 1000))).toBe('expired');
    // A Standard Webhooks signature is not a WaveSpeed one.
    const std = { ...headers, 'webhook-signature': signStandardWebhook({ id: ID, timestamp: TS, body: BODY, secret }) };
    expect(verifyWaveSpeedWebhook(std, BODY, secret, 300, NOW)).toBe('bad_signature');
  });
});
