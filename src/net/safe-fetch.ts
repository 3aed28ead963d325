// The single SSRF-safe fetcher every user-supplied URL (image_url, reference images, ...) goes
// through. Redirects are followed by hand so that every hop is re-checked and re-pinned.
import { createDeadline, raceAbort } from './deadline.js';
import { networkError, parseUserUrl, readLimited, resolveTarget, sendPinned, tooLarge, type LookupFn } from './outbound-request.js';
import { SafeFetchError } from './safe-fetch-error.js';

export { SafeFetchError, type SafeFetchErrorCode } from './safe-fetch-error.js';
export { checkUserUrl, type LookupFn, type OutboundPolicy, type ResolvedAddress } from './outbound-request.js';

export interface SafeFetchOptions {
  /** Largest body accepted, checked against Content-Length and while streaming. */
  maxBytes: number;
  /** Budget for the whole fetch: DNS, connects, every redirect hop and the body. */
  timeoutMs: number;
  /** Redirect hops followed before failing with 'too_many_redirects' (default 3). */
  maxRedirects?: number;
  /** Operator switch: allow loopback/private/link-local/unique-local targets (metadata stays refused). */
  allowPrivate?: boolean;
  /** Operator allowlist: these hosts skip every address check. `*.example.com` matches subdomains. */
  allowedHosts?: string[];
  signal?: AbortSignal;
  /** Serves URLs of this server's own media without HTTP; return null for any other URL. */
  resolveLocal?: (url: URL) => Promise<Buffer | null>;
  /** DNS override (tests). */
  lookup?: LookupFn;
}

export interface SafeFetchResult {
  bytes: Buffer;
  /** The declared Content-Type, or null; never trust it for images (sniff the bytes). */
  contentType: string | null;
  /** The URL the bytes came from after redirects. */
  finalUrl: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_MAX_REDIRECTS = 3;

export async function safeFetch(url: string, opts: SafeFetchOptions): Promise<SafeFetchResult> {
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const policy = { allowPrivate: opts.allowPrivate, allowedHosts: opts.allowedHosts, lookup: opts.lookup };
  const deadline = createDeadline(opts.timeoutMs, opts.signal);
  const { signal } = deadline;
  try {
    let current = parseUserUrl(url);
    for (let hop = 0; ; hop++) {
      if (opts.resolveLocal) {
        const local = await raceAbort(opts.resolveLocal(current), signal);
        if (local) {
          if (local.length > opts.maxBytes) throw tooLarge(opts.maxBytes);
          return { bytes: local, contentType: null, finalUrl: current.href };
        }
      }
      const target = await raceAbort(resolveTarget(current, policy), signal);
      const res = await sendPinned({
        target,
        method: 'GET',
        headers: { accept: 'image/*, */*;q=0.5', 'user-agent': 'opensoul-fetch/1', 'accept-encoding': 'identity' },
        signal,
      });
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        res.destroy();
        const location = res.headers.location;
        if (!location) {
          throw new SafeFetchError('http_status', `The URL answered a redirect (HTTP ${status}) without a Location`, { status });
        }
        if (hop >= maxRedirects) {
          throw new SafeFetchError('too_many_redirects', `The URL redirected more than ${maxRedirects} times`);
        }
        try {
          current = parseUserUrl(new URL(location, current));
        } catch (err) {
          if (err instanceof SafeFetchError) throw err;
          throw new SafeFetchError('bad_url', 'The URL redirected to an invalid location');
        }
        continue;
      }
      if (status < 200 || status > 299) {
        res.destroy();
        throw new SafeFetchError('http_status', `The URL answered HTTP ${status}`, { status });
      }
      const bytes = await readLimited(res, opts.maxBytes, signal);
      const contentType = res.headers['content-type'] ?? null;
      return { bytes, contentType, finalUrl: current.href };
    }
  } catch (err) {
    throw deadline.toError(err, networkError);
  } finally {
    deadline.dispose();
  }
}
