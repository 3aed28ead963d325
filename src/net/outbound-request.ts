// One HTTP request to a user-supplied URL: syntax checks, DNS resolution done here, every
// resolved address checked against the policy, and the socket pinned to those checked
// addresses so a second DNS answer (rebinding) can never change where we connect.
import { promises as dns } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isHostAllowlisted, isMetadataHostname, normalizeHost, refusedCategory, type AddressPolicy } from './ip-policy.js';
import { SafeFetchError } from './safe-fetch-error.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. Tests inject one; production uses the OS resolver. */
export type LookupFn = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundPolicy extends AddressPolicy {
  lookup?: LookupFn;
}

/** A URL that passed every check, with the addresses the connection must use (null for IP literals). */
export interface CheckedTarget {
  url: URL;
  addresses: ResolvedAddress[] | null;
}

const systemLookup: LookupFn = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Syntax checks that need no network: http(s) only, no credentials, a host present. */
export function parseUserUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : new URL(input.href);
  } catch {
    throw new SafeFetchError('bad_url', 'The URL is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SafeFetchError('bad_url', `URL scheme ${url.protocol.replace(':', '')} is not allowed; use http or https`);
  }
  if (url.username || url.password) {
    throw new SafeFetchError('bad_url', 'URLs with embedded credentials are not allowed');
  }
  if (!url.hostname) throw new SafeFetchError('bad_url', 'The URL has no host');
  return url;
}

function blocked(detail: string): SafeFetchError {
  return new SafeFetchError(
    'blocked_address',
    'The URL points to a private, loopback, link-local, metadata or reserved address, which is not allowed',
    { detail },
  );
}

/** Resolves the URL's host and refuses it unless every address is allowed by the policy. */
export async function resolveTarget(url: URL, policy: OutboundPolicy): Promise<CheckedTarget> {
  const host = normalizeHost(url.hostname);
  const allowlisted = isHostAllowlisted(host, policy.allowedHosts);
  if (isIP(host)) {
    const category = allowlisted ? null : refusedCategory(host, policy);
    if (category) throw blocked(`${host} is ${category}`);
    return { url, addresses: null };
  }
  if (!allowlisted && isMetadataHostname(host)) throw blocked(`${host} is a metadata host name`);
  let addresses: ResolvedAddress[];
  try {
    addresses = await (policy.lookup ?? systemLookup)(host);
  } catch (err) {
    throw new SafeFetchError('network', `Could not resolve the host ${host}`, { detail: String(err), cause: err });
  }
  if (addresses.length === 0) throw new SafeFetchError('network', `Could not resolve the host ${host}`);
  if (!allowlisted) {
    // Every address must pass: the connection may use any of them.
    for (const a of addresses) {
      const category = refusedCategory(a.address, policy);
      if (category) throw blocked(`${host} resolves to ${a.address} (${category})`);
    }
  }
  return { url, addresses };
}

/** Parse + resolve + check in one step; useful to validate a URL when it is submitted. */
export async function checkUserUrl(input: string | URL, policy: OutboundPolicy = {}): Promise<URL> {
  const url = parseUserUrl(input);
  await resolveTarget(url, policy);
  return url;
}

/** A lookup that only ever answers with the addresses we already checked. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      address?: string | ResolvedAddress[],
      family?: number,
    ) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { family?: number; all?: boolean };
    const list = opts.family === 4 || opts.family === 6 ? addresses.filter((a) => a.family === opts.family) : addresses;
    if (list.length === 0) {
      const err: NodeJS.ErrnoException = new Error('No checked address of the requested family');
      err.code = 'ENOTFOUND';
      cb(err);
      return;
    }
    if (opts.all) cb(null, list);
    else cb(null, list[0].address, list[0].family);
  }) as LookupFunction;
}

export interface PinnedRequest {
  target: CheckedTarget;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
}

/** Sends the request to the checked addresses and resolves with the response head. */
export function sendPinned(req: PinnedRequest): Promise<http.IncomingMessage> {
  const { url, addresses } = req.target;
  const mod = url.protocol === 'https:' ? https : http;
  const hostname = normalizeHost(url.hostname);
  return new Promise((resolve, reject) => {
    const request = mod.request({
      protocol: url.protocol,
      hostname,
      port: url.port ? Number(url.port) : undefined,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: { ...req.headers, host: url.host },
      // A fresh connection per request: no pooled socket from another resolution is reused.
      agent: false,
      signal: req.signal,
      ...(addresses ? { lookup: pinnedLookup(addresses) } : {}),
      // SNI and certificate checks use the real host name, not the pinned address.
      ...(url.protocol === 'https:' && !isIP(hostname) ? { servername: hostname } : {}),
    });
    request.once('response', resolve);
    // A persistent listener: a late error (after the response arrived) must not crash the process.
    request.on('error', reject);
    request.end(req.body);
  });
}

/** Reads a response body, refusing it as soon as it exceeds maxBytes (declared or streamed). */
export function readLimited(res: http.IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const declared = res.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    res.destroy();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onAbort = () => {
      res.destroy();
      reject(signal.reason);
    };
    const finish = (fn: () => void) => {
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    res.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        res.destroy();
        finish(() => reject(tooLarge(maxBytes)));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => finish(() => resolve(Buffer.concat(chunks, total))));
    res.on('error', (err) => finish(() => reject(err)));
    // A socket closed before 'end' means the body was cut short.
    res.once('close', () => {
      if (!res.complete) finish(() => reject(new SafeFetchError('network', 'The connection closed before the response was complete')));
    });
  });
}

export function tooLarge(maxBytes: number): SafeFetchError {
  return new SafeFetchError('too_large', `The response is larger than the limit of ${maxBytes} bytes`);
}

/** Maps low-level socket/TLS errors to a user-presentable SafeFetchError. */
export function networkError(err: unknown): SafeFetchError {
  if (err instanceof SafeFetchError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reason =
    code === 'ECONNREFUSED'
      ? 'the connection was refused'
      : code === 'ECONNRESET'
        ? 'the connection was reset'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the host could not be resolved'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'the host is unreachable'
            : code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL')
              ? 'the TLS handshake failed'
              : 'a network error occurred';
  return new SafeFetchError('network', `Could not complete the request: ${reason}`, {
    detail: code || String(err),
    cause: err,
  });
}
