import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUserUrl, safeFetch, SafeFetchError, type LookupFn, type SafeFetchOptions } from './safe-fetch.js';
import { startLocalServer, type LocalServer } from '../../test/helpers/local-http-server.js';

const PAYLOAD = Buffer.from('not really a png, just bytes \x00\x01\x02', 'latin1');

/** A DNS table for tests; a lookup for a name missing from it fails the test. */
function fakeDns(table: Record<string, string[]>): LookupFn & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string) => {
    calls.push(hostname);
    const addrs = table[hostname];
    if (!addrs) throw new Error(`unexpected DNS lookup for ${hostname}`);
    return addrs.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(fn, { calls });
}

async function expectFetchError(p: Promise<unknown>, code: SafeFetchError['code']): Promise<SafeFetchError> {
  const err = await p.then(
    () => {
      throw new Error(`expected SafeFetchError ${code}, but the fetch succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SafeFetchError);
  expect((err as SafeFetchError).code).toBe(code);
  return err as SafeFetchError;
}

const base: SafeFetchOptions = { maxBytes: 1024 * 1024, timeoutMs: 5000 };

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    switch (u.pathname) {
      case '/image.png':
        res.writeHead(200, { 'content-type': 'image/png' }).end(PAYLOAD);
        return;
      case '/redirect': {
        res.writeHead(Number(u.searchParams.get('status') ?? 302), { location: u.searchParams.get('to') ?? '' }).end();
        return;
      }
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
        return;
      case '/exact': {
        const n = Number(u.searchParams.get('n'));
        res.writeHead(200, { 'content-length': String(n) }).end(Buffer.alloc(n, 7));
        return;
      }
      case '/declared-huge':
        // Declares 10 MB; the client must refuse on the header alone.
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        res.write(Buffer.alloc(10)); // then stalls: only the header check can answer in time
        return;
      case '/host':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(String(req.headers.host));
        return;
      default:
        res.writeHead(500).end();
    }
  });
});
afterAll(() => server.close());

describe('URL syntax', () => {
  it.each([
    ['not a url'],
    ['ftp://example.com/a.png'],
    ['file:///etc/passwd'],
    ['data:image/png;base64,AAAA'],
    ['gopher://example.com/'],
    ['http://user:pass@example.com/a.png'],
    ['http://user@example.com/a.png'],
  ])('refuses %s as bad_url', async (url) => {
    await expectFetchError(safeFetch(url, base), 'bad_url');
  });
});

describe('address checks', () => {
  it('refuses a public-looking host name that resolves to 127.0.0.1, without connecting', async () => {
    const before = server.received.length;
    const lookup = fakeDns({ 'images.example.com': ['127.0.0.1'] });
    const err = await expectFetchError(safeFetch(server.url('/image.png', 'images.example.com'), { ...base, lookup }), 'blocked_address');
    expect(lookup.calls).toEqual(['images.example.com']);
    expect(server.received.length).toBe(before);
    // The user-facing message must not reveal the internal address; the detail is for logs.
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.detail).toContain('127.0.0.1');
  });

  it('refuses a host when any one of its addresses is private', async () => {
    const lookup = fakeDns({ 'mixed.example.com': ['93.184.216.34', '10.0.0.5'] });
    await expectFetchError(safeFetch('http://mixed.example.com/a.png', { ...base, lookup }), 'blocked_address');
  });

  it.each([
    'http://127.0.0.1/',
    'http://127.1.2.3:8080/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.0.10/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://2130706433/', // decimal 127.0.0.1
    'http://0x7f.1/', // hex/short 127.0.0.1
    'http://017700000001/', // octal 127.0.0.1
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[fd00::1]/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:a00:1::]/',
    'http://[ff02::1]/',
    'https://[fd00:ec2::254]/',
  ])('refuses the literal address in %s without DNS', async (url) => {
    const lookup = fakeDns({});
    await expectFetchError(safeFetch(url, { ...base, lookup }), 'blocked_address');
    expect(lookup.calls).toEqual([]);
  });

  it.each(['http://metadata.google.internal/computeMetadata/v1/', 'http://metadata/', 'http://instance-data./'])(
    'refuses the metadata host name %s without DNS, even with allowPrivate',
    async (url) => {
      const lookup = fakeDns({});
      await expectFetchError(safeFetch(url, { ...base, lookup, allowPrivate: true }), 'blocked_address');
      expect(lookup.calls).toEqual([]);
    },
  );

  it('keeps cloud metadata addresses refused with allowPrivate', async () => {
    const lookup = fakeDns({ 'sneaky.example.com': ['169.254.169.254'] });
    await expectFetchError(safeFetch('http://169.254.169.254/', { ...base, allowPrivate: true }), 'blocked_address');
    await expectFetchError(safeFetch('http://sneaky.example.com/', { ...base, lookup, allowPrivate: true }), 'blocked_address');
  });

  it('checkUserUrl validates a URL up front with the same rules', async () => {
    const lookup = fakeDns({ 'ok.example.com': ['93.184.216.34'], 'bad.example.com': ['192.168.1.1'] });
    await expect(checkUserUrl('https://ok.example.com/hook', { lookup })).resolves.toBeInstanceOf(URL);
    await expectFetchError(checkUserUrl('https://bad.example.com/hook', { lookup }), 'blocked_address');
    await expectFetchError(checkUserUrl('javascript:alert(1)', { lookup }), 'bad_url');
  });
});

describe('fetching from local servers', () => {
  it('allowPrivate lets loopback through and returns bytes, declared type and final URL', async () => {
    const r = await safeFetch(server.url('/image.png'), { ...base, allowPrivate: true });
    expect(r.bytes.equals(PAYLOAD)).toBe(true);
    expect(r.contentType).toBe('image/png');
    expect(r.finalUrl).toBe(server.url('/image.png'));
  });

  it('an allowlisted host connects to the address that was checked (pinned), keeping its Host header', async () => {
    // The OS resolver knows nothing of pinned.test: success proves the connection used our lookup.
    const lookup = fakeDns({ 'pinned.test': ['127.0.0.1'] });
    const r = await safeFetch(server.url('/host', 'pinned.test'), { ...base, lookup, allowedHosts: ['pinned.test'] });
    expect(r.bytes.toString()).toBe(`pinned.test:${server.port}`);
    expect(lookup.calls).toEqual(['pinned.test']);
  });

  it('the allowlist exempts only the hosts it names', async () => {
    const lookup = fakeDns({ 'pinned.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
    await expectFetchError(
      safeFetch(server.url('/image.png', 'other.test'), { ...base, lookup, allowedHosts: ['pinned.test'] }),
      'blocked_address',
    );
  });

  it('https: SNI and certificate checks use the host name while the socket goes to the pinned address', async (ctx) => {
    // A throwaway self-signed certificate; no CA trusts it, so the fetch must fail on TLS.
    const dir = mkdtempSync(join(tmpdir(), 'opensoul-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=secure.test',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      rmSync(dir, { recursive: true, force: true });
      ctx.skip();
      return;
    }
    const sniSeen: string[] = [];
    const tlsServer = https.createServer(
      {
        key: readFileSync(join(dir, 'key.pem')),
        cert: readFileSync(join(dir, 'cert.pem')),
        SNICallback: (name, cb) => {
          sniSeen.push(name);
          cb(null);
        },
      },
      (_req, res) => res.end('should not be reached'),
    );
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    try {
      const port = (tlsServer.address() as AddressInfo).port;
      const lookup = fakeDns({ 'secure.test': ['127.0.0.1'] });
      const err = await expectFetchError(
        safeFetch(`https://secure.test:${port}/a.png`, { ...base, lookup, allowedHosts: ['secure.test'] }),
        'network',
      );
      expect(err.message).toMatch(/TLS/);
      expect(sniSeen).toEqual(['secure.test']);
    } finally {
      tlsServer.closeAllConnections();
      await new Promise<void>((r) => tlsServer.close(() => r()));
    }
  });

  it('fetches over IPv6 loopback when the machine has it', async (ctx) => {
    let v6: LocalServer;
    try {
      v6 = await startLocalServer((_req, res) => res.end('v6'), '::1');
    } catch {
      ctx.skip();
      return;
    }
    try {
      const r = await safeFetch(v6.url('/'), { ...base, allowPrivate: true });
      expect(r.bytes.toString()).toBe('v6');
      await expectFetchError(safeFetch(v6.url('/'), base), 'blocked_address');
    } finally {
      await v6.close();
    }
  });

  it('reports a non-2xx answer as http_status with the status', async () => {
    const err = await expectFetchError(safeFetch(server.url('/missing'), { ...base, allowPrivate: true }), 'http_status');
    expect(err.status).toBe(404);
  });

  it('reports a refused connection as network', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    await expectFetchError(safeFetch(`http://127.0.0.1:${port}/`, { ...base, allowPrivate: true }), 'network');
  });
});

describe('redirects', () => {
  it('follows redirects (absolute and relative) and reports the final URL', async () => {
    const hop2 = server.url('/redirect?status=307&to=' + encodeURIComponent('/image.png'));
    const hop1 = server.url('/redirect?status=301&to=' + encodeURIComponent(hop2));
    const r = await safeFetch(hop1, { ...base, allowPrivate: true });
    expect(r.bytes.equals(PAYLOAD)).toBe(true);
    expect(r.finalUrl).toBe(server.url('/image.png'));
  });

  it('refuses a redirect from an allowed server to a private address, before connecting to it', async () => {
    const target = await startLocalServer((_req, res) => res.end('secret'));
    try {
      const lookup = fakeDns({ 'good.test': ['127.0.0.1'], 'internal.test': ['10.0.0.5'] });
      const opts = { ...base, lookup, allowedHosts: ['good.test'] };
      // To a literal loopback address.
      const toLiteral = server.url('/redirect?to=' + encodeURIComponent(target.url('/secret')), 'good.test');
      await expectFetchError(safeFetch(toLiteral, opts), 'blocked_address');
      // To a name that resolves to a private address.
      const toName = server.url('/redirect?to=' + encodeURIComponent('http://internal.test/secret'), 'good.test');
      await expectFetchError(safeFetch(toName, opts), 'blocked_address');
      // To the metadata service.
      const toMeta = server.url('/redirect?to=' + encodeURIComponent('http://169.254.169.254/latest/'), 'good.test');
      await expectFetchError(safeFetch(toMeta, opts), 'blocked_address');
      expect(target.received).toHaveLength(0);
      expect(lookup.calls).toContain('internal.test');
    } finally {
      await target.close();
    }
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const url = server.url('/redirect?to=' + encodeURIComponent('file:///etc/passwd'));
    await expectFetchError(safeFetch(url, { ...base, allowPrivate: true }), 'bad_url');
  });

  it('stops after maxRedirects hops', async () => {
    const before = server.received.length;
    await expectFetchError(safeFetch(server.url('/loop'), { ...base, allowPrivate: true, maxRedirects: 2 }), 'too_many_redirects');
    expect(server.received.length - before).toBe(3);
    await expectFetchError(
      safeFetch(server.url('/redirect?to=/image.png'), { ...base, allowPrivate: true, maxRedirects: 0 }),
      'too_many_redirects',
    );
  });

  it('reports a redirect without Location as http_status', async () => {
    const err = await expectFetchError(safeFetch(server.url('/redirect?to='), { ...base, allowPrivate: true }), 'http_status');
    expect(err.status).toBe(302);
  });
});

describe('size limits', () => {
  it('accepts a body of exactly maxBytes and refuses one byte more', async () => {
    const ok = await safeFetch(server.url('/exact?n=4096'), { ...base, allowPrivate: true, maxBytes: 4096 });
    expect(ok.bytes.length).toBe(4096);
    await expectFetchError(safeFetch(server.url('/exact?n=4097'), { ...base, allowPrivate: true, maxBytes: 4096 }), 'too_large');
  });

  it('refuses on a declared Content-Length before reading the body', async () => {
    await expectFetchError(safeFetch(server.url('/declared-huge'), { ...base, allowPrivate: true, maxBytes: 1000 }), 'too_large');
  });

  it('aborts a chunked stream as soon as it exceeds maxBytes', async () => {
    const cap = 64 * 1024 * 1024;
    let written = 0;
    let closed!: () => void;
    const closedP = new Promise<void>((r) => (closed = r));
    const streamer = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' }); // no Content-Length: chunked
      const chunk = Buffer.alloc(16 * 1024, 1);
      const pump = () => {
        while (written < cap && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => closed());
      pump();
    });
    try {
      await expectFetchError(safeFetch(streamer.url('/'), { ...base, allowPrivate: true, maxBytes: 100_000 }), 'too_large');
      await closedP;
      // The client hung up long before the server could push the whole stream.
      expect(written).toBeLessThan(cap);
    } finally {
      await streamer.close();
    }
  });
});

describe('time limits and cancellation', () => {
  it('times out when the server never answers', async () => {
    const silent = await startLocalServer(() => {
      /* never responds */
    });
    try {
      await expectFetchError(safeFetch(silent.url('/'), { ...base, allowPrivate: true, timeoutMs: 300 }), 'timeout');
    } finally {
      await silent.close();
    }
  });

  it('times out when the body stalls after the headers', async () => {
    const staller = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(10));
    });
    try {
      await expectFetchError(safeFetch(staller.url('/'), { ...base, allowPrivate: true, timeoutMs: 300 }), 'timeout');
    } finally {
      await staller.close();
    }
  });

  it('times out when DNS never answers', async () => {
    const lookup: LookupFn = () => new Promise(() => {});
    await expectFetchError(safeFetch('http://slow-dns.example.com/', { ...base, lookup, timeoutMs: 200 }), 'timeout');
  });

  it("reports the caller's abort as aborted", async () => {
    const silent = await startLocalServer(() => {});
    try {
      const controller = new AbortController();
      const p = safeFetch(silent.url('/'), { ...base, allowPrivate: true, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expectFetchError(p, 'aborted');
      const already = AbortSignal.abort();
      await expectFetchError(safeFetch(silent.url('/'), { ...base, allowPrivate: true, signal: already }), 'aborted');
    } finally {
      await silent.close();
    }
  });
});

describe('resolveLocal', () => {
  const OWN = 'https://media.opensoul.test';
  const resolveLocal = async (url: URL) =>
    url.origin === OWN && url.pathname.startsWith('/media/') ? Buffer.from(`local:${url.pathname}`) : null;

  it('serves this server’s own media without DNS or HTTP', async () => {
    const lookup = fakeDns({});
    const r = await safeFetch(`${OWN}/media/abc.png?exp=1&sig=x`, { ...base, lookup, resolveLocal });
    expect(r.bytes.toString()).toBe('local:/media/abc.png');
    expect(r.contentType).toBeNull();
    expect(r.finalUrl).toBe(`${OWN}/media/abc.png?exp=1&sig=x`);
    expect(lookup.calls).toEqual([]);
  });

  it('falls through to the network rules for other URLs', async () => {
    const lookup = fakeDns({ 'elsewhere.test': ['10.9.9.9'] });
    await expectFetchError(safeFetch('http://elsewhere.test/media/x.png', { ...base, lookup, resolveLocal }), 'blocked_address');
  });

  it('applies to redirect targets too, and to the size limit', async () => {
    const url = server.url('/redirect?to=' + encodeURIComponent(`${OWN}/media/r.png`));
    const r = await safeFetch(url, { ...base, allowPrivate: true, resolveLocal });
    expect(r.bytes.toString()).toBe('local:/media/r.png');
    await expectFetchError(safeFetch(`${OWN}/media/big.png`, { ...base, maxBytes: 5, resolveLocal }), 'too_large');
  });
});
