// One webhook delivery attempt, plus the retry schedule the outbox follows.
// The receiver URL is user-supplied, so the POST obeys the same address rules as safeFetch;
// redirects are never followed for a POST (a 3xx counts as a failed attempt).
import { createDeadline, raceAbort } from './deadline.js';
import { networkError, parseUserUrl, readLimited, resolveTarget, sendPinned, type OutboundPolicy } from './outbound-request.js';
import { SafeFetchError } from './safe-fetch-error.js';

export interface DeliverWebhookInput {
  url: string;
  body: string;
  /** Extra headers (Standard Webhooks headers, X-Webhook-Secret-Key, ...). Content-Type defaults to JSON. */
  headers: Record<string, string>;
  timeoutMs: number;
  /** The address rules the POST goes through: same operator switches as safeFetch. */
  fetchVia?: OutboundPolicy;
  signal?: AbortSignal;
}

export interface DeliveryResult {
  /** True only for a 2xx answer. */
  ok: boolean;
  status?: number;
  /** Why the attempt failed, fit to store and show to the account owner. */
  error?: string;
  durationMs: number;
}

// Receivers' answers are ignored; read a little so the connection ends cleanly, never more.
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Performs one POST. Never throws: every outcome is a DeliveryResult. */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliveryResult> {
  const started = performance.now();
  const deadline = createDeadline(input.timeoutMs, input.signal);
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const url = parseUserUrl(input.url);
    const target = await raceAbort(resolveTarget(url, input.fetchVia ?? {}), deadline.signal);
    const headers: Record<string, string> = { 'user-agent': 'opensoul-webhooks/1' };
    for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
    headers['content-type'] ??= 'application/json';
    const res = await sendPinned({ target, method: 'POST', headers, body: input.body, signal: deadline.signal });
    const status = res.statusCode ?? 0;
    await readLimited(res, MAX_RESPONSE_BYTES, deadline.signal).catch(() => undefined);
    if (status >= 200 && status <= 299) return { ok: true, status, durationMs: elapsed() };
    const error =
      status >= 300 && status <= 399
        ? `The receiver answered a redirect (HTTP ${status}); webhook redirects are not followed`
        : `The receiver answered HTTP ${status}`;
    return { ok: false, status, error, durationMs: elapsed() };
  } catch (err) {
    const e: SafeFetchError = deadline.toError(err, networkError);
    return { ok: false, error: e.message, durationMs: elapsed() };
  } finally {
    deadline.dispose();
  }
}

/**
 * Retry schedule: the delay after failed attempt n (1-based). Attempts happen at about
 * 0, +5 s, +30 s, +2 min, +10 min, +30 min, +1 h, +15 min after the previous one, i.e. roughly
 * 0 s, 5 s, 35 s, 2.6 min, 12.6 min, 42.6 min, 1 h 42.6 min and 1 h 57.6 min after the first.
 * Jitter only shortens a delay (by up to 20 %) so the whole schedule always fits in
 * WEBHOOK_RETRY_WINDOW_MS while spreading retries from many deliveries apart.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [5_000, 30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000, 60 * 60_000, 15 * 60_000];
/** Total attempts including the first. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;
/** Retries end within this long after the first attempt (Higgsfield documents "up to 2 hours"). */
export const WEBHOOK_RETRY_WINDOW_MS = 2 * 60 * 60_000;
const JITTER_FRACTION = 0.2;

/**
 * Milliseconds to wait after failed attempt `attempt` (1 = the first attempt failed) before
 * the next one, or null when the schedule is over and the delivery should be marked failed.
 */
export function nextRetryDelay(attempt: number, random: () => number = Math.random): number | null {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > WEBHOOK_RETRY_DELAYS_MS.length) return null;
  const base = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
  return Math.round(base * (1 - JITTER_FRACTION * random()));
}
