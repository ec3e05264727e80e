/**
 * Webhook targets: every internal address kind is refused (IPv4, IPv6 and the IPv6 forms that
 * carry an IPv4 address), public ones pass, and the administrator's allow-list lets chosen
 * internal receivers through by host name or network.
 */
import { describe, expect, it } from 'vitest';
import { forbiddenKind, parseAllowList, refusal } from './addresses.js';

describe('webhook target addresses', () => {
  it('classify internal addresses by kind, IPv4-mapped and NAT64 forms included', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd00:ec2::254', 'private'],
      ['::ffff:10.0.0.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['64:ff9b::a00:1', 'reserved'],
      ['::a00:1', 'reserved'],
      ['2002:a00:1::', 'reserved'],
      ['8.8.8.8', null],
      ['172.32.0.1', null],
      ['2606:4700:4700::1111', null],
      ['::ffff:8.8.8.8', null],
      ['not an address', 'invalid'],
    ];
    for (const [ip, kind] of cases) expect(forbiddenKind(ip), ip).toBe(kind);
  });

  it('let the allow-list through by host name or network, and name bad entries', () => {
    const { allow, problems } = parseAllowList([
      'Hooks.Internal',
      '10.20.0.0/16',
      '::1',
      '10.0.0.0/33',
      'bad host!',
    ]);
    expect(problems).toEqual([
      '10.0.0.0/33: the prefix length must be 0 to 32',
      'bad host!: expected a host name, an IP address or a CIDR such as 10.0.0.0/8',
    ]);
    expect(refusal('hooks.internal', '10.9.9.9', allow)).toBeNull();
    expect(refusal('x', '10.20.3.4', allow)).toBeNull();
    expect(refusal('x', '::1', allow)).toBeNull();
    expect(refusal('x', '10.21.0.1', allow)).toBe('10.21.0.1 is a private address');
    expect(refusal('x', '127.0.0.1', allow)).toBe('127.0.0.1 is a loopback address');
    expect(refusal('x', '93.184.215.14', allow)).toBeNull();
  });
});
