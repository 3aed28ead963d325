// Webhook signatures: Standard Webhooks (https://www.standardwebhooks.com) and WaveSpeed's
// variant of it (api-contracts.md §2 "Webhooks"). Both sign `{id}.{timestamp}.{raw body}`
// with HMAC-SHA256; they differ in how the key is derived and how the MAC is encoded.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface WebhookSignInput {
  /** The webhook-id header: one id per message, kept across retries. */
  id: string;
  /** Unix time in whole seconds (the webhook-timestamp header). */
  timestamp: number;
  /** The exact bytes sent as the request body. */
  body: string | Buffer;
  /** `whsec_` + base64 key. */
  secret: string;
}

export type WebhookHeaderBag = Headers | Record<string, string | string[] | undefined>;

export type WebhookVerifyResult = 'ok' | 'missing_headers' | 'bad_timestamp' | 'expired' | 'bad_signature';

const SECRET_PREFIX = 'whsec_';

/** A fresh signing secret in the Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** A fresh message id for the webhook-id header. */
export function newWebhookId(): string {
  return 'msg_' + randomBytes(16).toString('base64url');
}

function stripPrefix(secret: string): string {
  return secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
}

/** Standard Webhooks key: the base64 part of the secret, decoded. */
function standardKey(secret: string): Buffer {
  const key = Buffer.from(stripPrefix(secret), 'base64');
  if (key.length === 0) throw new Error('The webhook secret is empty or not base64');
  return key;
}

/** WaveSpeed key: the secret minus `whsec_`, used as UTF-8 text (not base64-decoded). */
function waveSpeedKey(secret: string): Buffer {
  const key = Buffer.from(stripPrefix(secret), 'utf8');
  if (key.length === 0) throw new Error('The webhook secret is empty');
  return key;
}

function mac(key: Buffer, id: string, timestamp: number | string, body: string | Buffer): Buffer {
  return createHmac('sha256', key)
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest();
}

function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error('The webhook timestamp must be whole Unix seconds');
}

/** `v1,<base64 HMAC-SHA256>` for the webhook-signature header. */
export function signStandardWebhook(input: WebhookSignInput): string {
  checkTimestamp(input.timestamp);
  return 'v1,' + mac(standardKey(input.secret), input.id, input.timestamp, input.body).toString('base64');
}

/** The three Standard Webhooks headers for one delivery. */
export function standardWebhookHeaders(input: WebhookSignInput): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signStandardWebhook(input),
  };
}

/** `v3,<hex HMAC-SHA256>`: WaveSpeed's signature, keyed with the secret text itself. */
export function signWaveSpeedWebhook(input: WebhookSignInput): string {
  checkTimestamp(input.timestamp);
  return 'v3,' + mac(waveSpeedKey(input.secret), input.id, input.timestamp, input.body).toString('hex');
}

function header(headers: WebhookHeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

interface Scheme {
  version: string;
  encoding: 'base64' | 'hex';
  key: (secret: string) => Buffer;
}

function verify(
  scheme: Scheme,
  headers: WebhookHeaderBag,
  body: string | Buffer,
  secret: string,
  toleranceS: number,
  now: Date,
): WebhookVerifyResult {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sig = header(headers, 'webhook-signature');
  if (!id || !ts || !sig) return 'missing_headers';
  if (!/^\d{1,15}$/.test(ts)) return 'bad_timestamp';
  const timestamp = Number(ts);
  const nowS = Math.floor(now.getTime() / 1000);
  if (timestamp > nowS + toleranceS) return 'bad_timestamp';
  if (timestamp < nowS - toleranceS) return 'expired';
  // Compared as canonical text: lenient base64 decoding would accept several spellings of one MAC.
  const expected = Buffer.from(mac(scheme.key(secret), id, ts, body).toString(scheme.encoding), 'ascii');
  // The header may carry several space-separated signatures (key rotation); any match is enough.
  let matched = false;
  for (const part of sig.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== scheme.version) continue;
    const text = part.slice(comma + 1);
    const candidate = Buffer.from(scheme.encoding === 'hex' ? text.toLowerCase() : text, 'ascii');
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched ? 'ok' : 'bad_signature';
}

const STANDARD: Scheme = { version: 'v1', encoding: 'base64', key: standardKey };
const WAVESPEED: Scheme = { version: 'v3', encoding: 'hex', key: waveSpeedKey };

/** Verifies Standard Webhooks headers against the raw body; timestamps outside ±toleranceS fail. */
export function verifyStandardWebhook(
  headers: WebhookHeaderBag,
  body: string | Buffer,
  secret: string,
  toleranceS = 300,
  now: Date = new Date(),
): WebhookVerifyResult {
  return verify(STANDARD, headers, body, secret, toleranceS, now);
}

/** Verifies WaveSpeed's `v3,<hex>` signature (same headers as Standard Webhooks). */
export function verifyWaveSpeedWebhook(
  headers: WebhookHeaderBag,
  body: string | Buffer,
  secret: string,
  toleranceS = 300,
  now: Date = new Date(),
): WebhookVerifyResult {
  return verify(WAVESPEED, headers, body, secret, toleranceS, now);
}
