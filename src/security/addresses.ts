/**
 * Which network addresses a webhook may reach. A tenant's webhook is a request the server
 * sends from inside its network, and the delivery log reports what answered, so without this
 * any tenant could scan the server's loopback, private ranges and cloud metadata endpoints.
 * Only public unicast addresses are allowed, unless the administrator allows an internal
 * receiver by host name or CIDR (BERTH_WEBHOOK_ALLOW).
 */
import { BlockList, isIP } from 'node:net';

/** Address ranges a webhook may not reach, by what they are (IANA special-purpose registries). */
const RANGES: readonly (readonly [string, readonly [string, number, 'ipv4' | 'ipv6'][]])[] = [
  [
    'unspecified',
    [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
      ['fc00::', 7, 'ipv6'], // unique local (AWS metadata fd00:ec2::254 is one)
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16, 'ipv4'], // cloud metadata 169.254.169.254
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  [
    'multicast',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
  [
    'reserved',
    [
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'], // and 255.255.255.255, broadcast
      // IPv6 forms that carry an IPv4 address a router may translate to an internal one:
      // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16).
      ['::', 96, 'ipv6'],
      ['64:ff9b::', 96, 'ipv6'],
      ['64:ff9b:1::', 48, 'ipv6'],
      ['2002::', 16, 'ipv6'],
      ['2001:db8::', 32, 'ipv6'], // documentation
      ['100::', 64, 'ipv6'], // discard
    ],
  ],
];

const LISTS = RANGES.map(([name, ranges]) => {
  const list = new BlockList();
  for (const [net, prefix, type] of ranges) list.addSubnet(net, prefix, type);
  return [name, list] as const;
});

const familyOf = (ip: string): 'ipv4' | 'ipv6' => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/**
 * What kind of address `ip` is, or null for a public unicast address. IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) is classified as the IPv4 address it maps.
 */
export function forbiddenKind(ip: string): string | null {
  if (isIP(ip) === 0) return 'invalid';
  const family = familyOf(ip);
  for (const [name, list] of LISTS) if (list.check(ip, family)) return name;
  return null;
}

/** Receivers an administrator allows although they are internal: host names and CIDRs. */
export interface TargetAllowList {
  readonly hosts: ReadonlySet<string>;
  readonly networks: BlockList;
}

/** Parse `BERTH_WEBHOOK_ALLOW` entries: `host.name`, `10.0.0.5`, `10.1.0.0/16`, `fd00::/8`. */
export function parseAllowList(entries: readonly string[]): {
  allow: TargetAllowList;
  problems: string[];
} {
  const hosts = new Set<string>();
  const networks = new BlockList();
  const problems: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [addr, bits, extra] = entry.split('/');
    if (addr && isIP(addr) && extra === undefined) {
      const family = familyOf(addr);
      const max = family === 'ipv4' ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        problems.push(`${raw}: the prefix length must be 0 to ${max}`);
        continue;
      }
      networks.addSubnet(addr, prefix, family);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry))
      hosts.add(entry);
    else problems.push(`${raw}: expected a host name, an IP address or a CIDR such as 10.0.0.0/8`);
  }
  return { allow: { hosts, networks }, problems };
}

/**
 * Why `host` (as written in the URL) may not be reached at `ip`, or null when it may: an
 * allowed host name, an address in an allowed network, or a public address.
 */
export function refusal(host: string, ip: string, allow: TargetAllowList): string | null {
  if (allow.hosts.has(host.toLowerCase())) return null;
  const kind = forbiddenKind(ip);
  if (kind === null) return null;
  if (kind !== 'invalid' && allow.networks.check(ip, familyOf(ip))) return null;
  return `${ip} is a ${kind} address`;
}
