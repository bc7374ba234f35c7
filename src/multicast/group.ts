/**
 * Multicast group addresses: parsing, validation and classification by scope.
 *
 * IPv4 blocks follow the IANA registry as RFC 5771 lays it out, with the administratively scoped block
 * (239/8) split into the sub-scopes of RFC 2365. IPv6 groups (ff00::/8, RFC 4291) carry their flags and
 * scope in the second byte; source-specific groups are ff3x::/32 (RFC 4607).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidAddressError } from '../errors.ts';

/**
 * How far a group's datagrams may travel. IPv4 groups map onto the IPv6 scope names as RFC 2365 maps
 * them (224.0.0.0/24 is link-local, 239.255.0.0/16 site-local, 239.192.0.0/14 organization-local).
 */
export type MulticastScope =
  | 'interface-local'
  | 'link-local'
  | 'realm-local'
  | 'admin-local'
  | 'site-local'
  | 'organization-local'
  | 'global'
  | 'unassigned'
  | 'reserved';

/** What a group address is: its family, block, scope and whether joining it needs a source. */
export interface GroupInfo {
  /** The canonical text of the address (IPv6 compressed and lower case). */
  readonly address: string;
  readonly family: 4 | 6;
  readonly scope: MulticastScope;
  /** The registry block or RFC range it belongs to, for people ("Local Network Control Block (RFC 5771)"). */
  readonly block: string;
  /** True when routers never forward it off the link (224.0.0.0/24, IPv6 interface- and link-local scopes). */
  readonly linkLocal: boolean;
  /** True in the source-specific ranges (232/8, ff3x::/32): a join must name a source. */
  readonly sourceSpecific: boolean;
  /** IPv6 only: the flag bits of the second byte (R: embedded RP, P: unicast-prefix based, T: transient). */
  readonly flags?: { readonly embeddedRp: boolean; readonly prefixBased: boolean; readonly transient: boolean };
}

/** True when `host` is an IPv4 class-D (224.0.0.0/4) or IPv6 ff00::/8 address literal. */
export function isMulticastAddress(host: string): boolean {
  if (isIPv4(host)) return (ipv4Octets(host)[0]! & 0xf0) === 0xe0;
  if (isIPv6(host)) return ipv6Bytes(host)[0] === 0xff;
  return false;
}

/**
 * Classifies a group address (a bare IPv4 or IPv6 literal, no port). Throws ERR_INVALID_ADDRESS when it
 * is not an IP address, or is one that is not multicast.
 */
export function classifyGroup(host: string): GroupInfo {
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv4(literal)) {
    const octets = ipv4Octets(literal);
    if ((octets[0]! & 0xf0) !== 0xe0) throw notMulticast(host);
    return classifyIpv4(octets);
  }
  if (isIPv6(literal) && !literal.includes('%')) {
    const bytes = ipv6Bytes(literal);
    if (bytes[0] !== 0xff) throw notMulticast(host);
    return classifyIpv6(bytes);
  }
  throw new InvalidAddressError(`'${host}' is not an IP address (expected a group such as 239.1.2.3 or ff15::1)`, { input: host });
}

/** A group and, when given, the port: what `courier mcast` and `openMulticast` take. */
export interface GroupAddress {
  readonly group: GroupInfo;
  /** The UDP port, or undefined when the text named none. */
  readonly port: number | undefined;
}

/**
 * Parses a group with an optional port: `239.1.2.3`, `239.1.2.3:5000`, `[ff15::1]:5000`, `ff15::1`,
 * `udp://239.1.2.3:5000`. Throws ERR_INVALID_ADDRESS for anything else, or a non-multicast address.
 */
export function parseGroupAddress(text: string): GroupAddress {
  const bare = text.startsWith('udp://') ? text.slice('udp://'.length) : text;
  let host = bare;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::([^:]*))?$/.exec(bare);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (!bare.includes('::') && bare.split(':').length === 2) {
    [host, portText] = bare.split(':') as [string, string];
  }
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) {
    throw new InvalidAddressError(`'${text}': the port must be a number from 0 to 65535`, { input: text });
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && port > 65535) throw new InvalidAddressError(`'${text}': port ${port} is above 65535`, { input: text });
  if (text.startsWith('udp://') && port === undefined) throw new InvalidAddressError(`'${text}': a udp:// address needs a port`, { input: text });
  return { group: classifyGroup(host), port };
}

/** The source-specific range of the group's family, for messages: `232.0.0.0/8` or `ff3x::/32`. */
export function sourceSpecificRange(family: 4 | 6): string {
  return family === 4 ? '232.0.0.0/8' : 'ff3x::/32';
}

function notMulticast(host: string): InvalidAddressError {
  return new InvalidAddressError(`'${host}' is not a multicast address (IPv4 groups are 224.0.0.0/4, IPv6 groups ff00::/8)`, { input: host });
}

function ipv4Octets(host: string): number[] {
  return host.split('.').map(Number);
}

// Expands an IPv6 literal (with '::' and an optional embedded IPv4 tail) into its 16 bytes.
function ipv6Bytes(host: string): Uint8Array {
  let text = host.toLowerCase();
  const bytes = new Uint8Array(16);
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = ipv4Octets(v4[1]!) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((g, i) => {
    const value = parseInt(g, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

function canonicalIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Compress the longest run of two or more zero groups (RFC 5952).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

interface Ipv4Range {
  readonly from: number;
  readonly to: number;
  readonly scope: MulticastScope;
  readonly block: string;
}

const v4 = (a: string): number => ipv4Octets(a).reduce((n, o) => n * 256 + o, 0);
const range = (from: string, to: string, scope: MulticastScope, block: string): Ipv4Range => ({ from: v4(from), to: v4(to), scope, block });

/** IPv4 multicast blocks, most specific first (RFC 5771, RFC 2365, RFC 3180, RFC 4607). */
export const IPV4_MULTICAST_BLOCKS: readonly Ipv4Range[] = Object.freeze([
  range('224.0.0.0', '224.0.0.255', 'link-local', 'Local Network Control Block (RFC 5771)'),
  range('224.0.1.0', '224.0.1.255', 'global', 'Internetwork Control Block (RFC 5771)'),
  range('224.0.2.0', '224.0.255.255', 'global', 'AD-HOC Block I (RFC 5771)'),
  range('224.1.0.0', '224.1.255.255', 'reserved', 'reserved (RFC 5771)'),
  range('224.2.0.0', '224.2.255.255', 'global', 'SDP/SAP Block (RFC 5771)'),
  range('224.3.0.0', '224.4.255.255', 'global', 'AD-HOC Block II (RFC 5771)'),
  range('224.5.0.0', '231.255.255.255', 'reserved', 'reserved (RFC 5771)'),
  range('232.0.0.0', '232.255.255.255', 'global', 'Source-Specific Multicast Block (RFC 4607)'),
  range('233.0.0.0', '233.251.255.255', 'global', 'GLOP Block (RFC 3180)'),
  range('233.252.0.0', '233.255.255.255', 'global', 'AD-HOC Block III (RFC 5771)'),
  range('234.0.0.0', '238.255.255.255', 'reserved', 'reserved (RFC 5771)'),
  range('239.255.0.0', '239.255.255.255', 'site-local', 'IPv4 Local Scope, administratively scoped (RFC 2365)'),
  range('239.252.0.0', '239.254.255.255', 'site-local', 'administratively scoped, reserved to expand the Local Scope (RFC 2365)'),
  range('239.192.0.0', '239.195.255.255', 'organization-local', 'IPv4 Organization Local Scope, administratively scoped (RFC 2365)'),
  range('239.0.0.0', '239.251.255.255', 'admin-local', 'administratively scoped, reserved for expansion (RFC 2365)'),
]);

function classifyIpv4(octets: number[]): GroupInfo {
  const n = octets.reduce((acc, o) => acc * 256 + o, 0);
  // Every class-D address falls in one of the blocks: together they cover 224.0.0.0-239.255.255.255.
  const found = IPV4_MULTICAST_BLOCKS.find((r) => n >= r.from && n <= r.to)!;
  return {
    address: octets.join('.'),
    family: 4,
    scope: found.scope,
    block: found.block,
    linkLocal: found.scope === 'link-local',
    sourceSpecific: octets[0] === 232,
  };
}

/** IPv6 scope values of the low nibble of the second byte (RFC 4291 section 2.7, RFC 7346). */
export const IPV6_SCOPES: Readonly<Record<number, MulticastScope>> = Object.freeze({
  0x0: 'reserved',
  0x1: 'interface-local',
  0x2: 'link-local',
  0x3: 'realm-local',
  0x4: 'admin-local',
  0x5: 'site-local',
  0x8: 'organization-local',
  0xe: 'global',
  0xf: 'reserved',
});

function classifyIpv6(bytes: Uint8Array): GroupInfo {
  const flagBits = bytes[1]! >> 4;
  const scopeBits = bytes[1]! & 0x0f;
  const scope = IPV6_SCOPES[scopeBits] ?? 'unassigned';
  const flags = { embeddedRp: (flagBits & 0x4) !== 0, prefixBased: (flagBits & 0x2) !== 0, transient: (flagBits & 0x1) !== 0 };
  // RFC 4607: ff3x::/32, that is P=1, T=1 with a zero prefix length and prefix.
  const sourceSpecific = (flagBits & 0x7) === 0x3 && bytes[2] === 0 && bytes[3] === 0;
  const block = sourceSpecific
    ? 'Source-Specific Multicast ff3x::/32 (RFC 4607)'
    : flags.embeddedRp
      ? 'embedded-RP (RFC 3956)'
      : flags.prefixBased
        ? 'unicast-prefix-based (RFC 3306)'
        : flags.transient
          ? 'transient (RFC 4291)'
          : 'permanently assigned (RFC 4291)';
  return {
    address: canonicalIpv6(bytes),
    family: 6,
    scope,
    block,
    linkLocal: scope === 'interface-local' || scope === 'link-local',
    sourceSpecific,
    flags,
  };
}
