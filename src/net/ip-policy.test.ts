import { describe, expect, it } from 'vitest';
import { classifyAddress, isHostAllowlisted, parseIPv6, refusedCategory } from './ip-policy.js';

describe('classifyAddress', () => {
  const table: Array<[string, string | null]> = [
    ['8.8.8.8', null],
    ['93.184.216.34', null],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', null],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', null],
    ['169.254.1.1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', null],
    ['::127.0.0.1', 'loopback'],
    ['::8.8.8.8', 'reserved'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456::1', 'unique_local'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::808:808', null],
    ['2002:7f00:1::', 'loopback'],
    ['2002:0808:0808::1', null],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2606:4700:4700::1111', null],
    ['2a00:1450:4001:81c::200e', null],
    ['not-an-ip', 'reserved'],
  ];
  it.each(table)('%s -> %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('parseIPv6', () => {
  it('expands compressed forms and embedded IPv4 tails', () => {
    expect(Array.from(parseIPv6('::1')!)).toEqual([...new Array(15).fill(0), 1]);
    expect(Array.from(parseIPv6('::ffff:1.2.3.4')!.slice(10))).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(Array.from(parseIPv6('2001:db8::ff00:42:8329')!)).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29,
    ]);
    expect(parseIPv6('1.2.3.4')).toBeNull();
    expect(parseIPv6('::g')).toBeNull();
  });
});

describe('policy', () => {
  it('allowPrivate admits the operator networks but never metadata, multicast or reserved', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '100.64.0.1', '169.254.1.1', 'fd00::1', '::1', '::ffff:127.0.0.1']) {
      expect(refusedCategory(a, { allowPrivate: true })).toBeNull();
      expect(refusedCategory(a, {})).not.toBeNull();
    }
    for (const a of ['169.254.169.254', '::ffff:169.254.169.254', 'fd00:ec2::254', '224.0.0.1', '240.0.0.1', '0.0.0.0']) {
      expect(refusedCategory(a, { allowPrivate: true })).not.toBeNull();
    }
  });

  it('matches allowlisted hosts exactly or by *. wildcard, case-insensitively', () => {
    const list = ['cdn.internal.example', '*.images.example', '10.0.0.7', '[fd00::7]'];
    expect(isHostAllowlisted('CDN.internal.example', list)).toBe(true);
    expect(isHostAllowlisted('cdn.internal.example.', list)).toBe(true);
    expect(isHostAllowlisted('a.b.images.example', list)).toBe(true);
    expect(isHostAllowlisted('images.example', list)).toBe(false);
    expect(isHostAllowlisted('evilimages.example', list)).toBe(false);
    expect(isHostAllowlisted('10.0.0.7', list)).toBe(true);
    expect(isHostAllowlisted('[fd00::7]', list)).toBe(true);
    expect(isHostAllowlisted('x.internal.example', list)).toBe(false);
    expect(isHostAllowlisted('anything', undefined)).toBe(false);
  });
});
