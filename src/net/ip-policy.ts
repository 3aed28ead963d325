// Which IP addresses and host names a user-supplied URL may reach.
// Pure functions: no I/O, so the SSRF rules can be tested exhaustively.
import { isIP } from 'node:net';

/** Why an address is not a plain public unicast address; null means public. */
export type AddressCategory =
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link_local'
  | 'unique_local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'documentation'
  | 'reserved';

/** Operator switches shared by every outbound request to a user-supplied URL. */
export interface AddressPolicy {
  /** Allow loopback, RFC 1918, CGNAT, link-local and unique-local targets (never metadata, multicast or reserved). */
  allowPrivate?: boolean;
  /**
   * Host names (or IP literals) exempt from every address check, e.g. an internal image
   * store. Exact match, case-insensitive; `*.example.com` matches any subdomain.
   */
  allowedHosts?: string[];
}

/** Categories that `allowPrivate` lets through: addresses of the operator's own networks. */
const PRIVATE_LIKE: ReadonlySet<AddressCategory> = new Set(['loopback', 'private', 'cgnat', 'link_local', 'unique_local']);

// Cloud instance-metadata endpoints. Refused even with allowPrivate: credentials live there.
const METADATA_V4 = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OCI, DigitalOcean, ...
  '169.254.170.2', // AWS ECS task credentials
  '100.100.100.200', // Alibaba Cloud
  '168.63.129.16', // Azure WireServer (a public-looking address that is special on Azure VMs)
]);
const METADATA_V6 = new Set(['fd00:ec2:0:0:0:0:0:254']); // AWS IMDS over IPv6
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
]);

type V4Rule = [base: number, prefix: number, category: AddressCategory];
const V4_RULES: V4Rule[] = [
  [ip4('0.0.0.0'), 8, 'unspecified'],
  [ip4('10.0.0.0'), 8, 'private'],
  [ip4('100.64.0.0'), 10, 'cgnat'],
  [ip4('127.0.0.0'), 8, 'loopback'],
  [ip4('169.254.0.0'), 16, 'link_local'],
  [ip4('172.16.0.0'), 12, 'private'],
  [ip4('192.0.0.0'), 24, 'reserved'],
  [ip4('192.0.2.0'), 24, 'documentation'],
  [ip4('192.88.99.0'), 24, 'reserved'],
  [ip4('192.168.0.0'), 16, 'private'],
  [ip4('198.18.0.0'), 15, 'reserved'],
  [ip4('198.51.100.0'), 24, 'documentation'],
  [ip4('203.0.113.0'), 24, 'documentation'],
  [ip4('224.0.0.0'), 4, 'multicast'],
  [ip4('240.0.0.0'), 4, 'reserved'],
];

function ip4(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

function inV4(addr: number, base: number, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (addr & mask) >>> 0 === base;
}

function classifyV4(addr: number): AddressCategory | null {
  const dotted = [addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255].join('.');
  if (METADATA_V4.has(dotted)) return 'metadata';
  for (const [base, prefix, category] of V4_RULES) {
    if (inV4(addr, base, prefix)) return category;
  }
  return null;
}

/** Parses a textual IPv6 address (optionally with an embedded IPv4 tail or a zone id) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array | null {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return null;
  const out = new Uint8Array(16);
  let tailV4: number | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    tailV4 = ip4(s.slice(lastColon + 1));
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, null];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === null ? headGroups : [...headGroups, ...new Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  if (groups.length !== 8) return null;
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 255;
  });
  if (tailV4 !== null) {
    out[12] = tailV4 >>> 24;
    out[13] = (tailV4 >>> 16) & 255;
    out[14] = (tailV4 >>> 8) & 255;
    out[15] = tailV4 & 255;
  }
  return out;
}

function v4At(b: Uint8Array, offset: number): number {
  return ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;
}

function startsWith(b: Uint8Array, prefixBytes: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const bit = 7 - (i & 7);
    if (((b[byte] >> bit) & 1) !== ((prefixBytes[byte] >> bit) & 1)) return false;
  }
  return true;
}

function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function canonicalV6(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16));
  return groups.join(':');
}

function classifyV6(b: Uint8Array): AddressCategory | null {
  if (METADATA_V6.has(canonicalV6(b))) return 'metadata';
  // ::/96 family: unspecified, loopback, IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d).
  if (allZero(b, 0, 10)) {
    if (b[10] === 0xff && b[11] === 0xff) return classifyV4(v4At(b, 12));
    if (allZero(b, 10, 12)) {
      if (allZero(b, 12, 15) && b[15] === 0) return 'unspecified';
      if (allZero(b, 12, 15) && b[15] === 1) return 'loopback';
      // Deprecated IPv4-compatible form: never a legitimate destination.
      return classifyV4(v4At(b, 12)) ?? 'reserved';
    }
    return 'reserved';
  }
  // NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address.
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b], 32) && allZero(b, 4, 12)) return classifyV4(v4At(b, 12));
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return 'private'; // local-use NAT64
  // 6to4 2002::/16 embeds the IPv4 address of the relay target.
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(v4At(b, 2));
  if (startsWith(b, [0xfc], 7)) return 'unique_local';
  if (startsWith(b, [0xfe, 0x80], 10)) return 'link_local';
  if (startsWith(b, [0xfe, 0xc0], 10)) return 'private'; // deprecated site-local
  if (b[0] === 0xff) return 'multicast';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'documentation';
  if (startsWith(b, [0x3f, 0xff], 20)) return 'documentation';
  // 2001::/23: IETF protocol assignments (Teredo, ORCHID, ...): not image hosts.
  if (startsWith(b, [0x20, 0x01, 0x00], 23)) return 'reserved';
  // Everything outside global unicast 2000::/3 is unassigned or special-purpose.
  if (!startsWith(b, [0x20], 3)) return 'reserved';
  return null;
}

/** Classifies an IP literal (v4 or v6, with or without brackets). Non-IP input is 'reserved'. */
export function classifyAddress(address: string): AddressCategory | null {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(a) === 4) return classifyV4(ip4(a));
  const v6 = parseIPv6(a);
  if (v6) return classifyV6(v6);
  return 'reserved';
}

/** Normalises a URL host name for comparison: lower case, no brackets, no trailing dot. */
export function normalizeHost(hostname: string): string {
  let h = hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** True when the operator's allowlist names this host. */
export function isHostAllowlisted(hostname: string, allowedHosts: readonly string[] | undefined): boolean {
  if (!allowedHosts?.length) return false;
  const host = normalizeHost(hostname);
  return allowedHosts.some((entry) => {
    const e = normalizeHost(entry.trim());
    if (e.startsWith('*.')) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
    return host === e;
  });
}

/** True for well-known cloud metadata host names, which never need DNS to be refused. */
export function isMetadataHostname(hostname: string): boolean {
  return METADATA_HOSTS.has(normalizeHost(hostname));
}

/** Returns the category that makes this address unreachable under the policy, or null when allowed. */
export function refusedCategory(address: string, policy: AddressPolicy): AddressCategory | null {
  const category = classifyAddress(address);
  if (category === null) return null;
  if (policy.allowPrivate && PRIVATE_LIKE.has(category)) return null;
  return category;
}
