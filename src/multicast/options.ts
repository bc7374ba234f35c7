import { InvalidArgumentError } from '../errors.ts';
import type { UdpOptions } from '../net/udp.ts';

/** A group to join: any-source (no `source`) or source-specific. */
export interface MembershipOptions {
  /** Only datagrams from this unicast address are delivered (SSM). Required in 232/8 and ff3x::/32. */
  readonly source?: string;
  /** The interface to join on: a name (`eth0`, `lo`) or one of its addresses. Default: the endpoint's, else the kernel's choice. */
  readonly interface?: string;
}

/** A membership as `openMulticast` and `groups()` show it. */
export interface Membership extends MembershipOptions {
  /** The group's canonical address. */
  readonly group: string;
}

/** Options of a multicast endpoint: those of a UDP endpoint (buffer, queue, sequencing, clock) and the multicast ones. */
export interface MulticastOptions extends Omit<UdpOptions, 'reusePort'> {
  /** The UDP port every joined group is received on (several endpoints on one host share it). Required. */
  readonly port: number;
  /** IPv4 or IPv6. Default: the family of `host`, else of the first group in `groups`, else 4. */
  readonly family?: 4 | 6;
  /** Address the sending socket binds to (the source others see; unicast replies arrive there). Default: the wildcard. */
  readonly host?: string;
  /** Port of the sending socket. Default 0 (ephemeral). */
  readonly sendPort?: number;
  /** Interface to send from and to join on by default: a name (`eth0`) or one of its addresses. Default: the kernel's choice. */
  readonly interface?: string;
  /** Time to live (IPv4) or hop limit (IPv6) of sent datagrams, 0..255: 1 stays on the link. Default 1. */
  readonly ttl?: number;
  /** Whether this host's own members receive what the endpoint sends. Default true. */
  readonly loopback?: boolean;
  /** Groups joined when the endpoint opens: `'239.1.2.3'` or `{ group, source, interface }`. */
  readonly groups?: readonly (string | Membership)[];
  /** Groups joined at once, each holding a socket; past it `join` gives ERR_INVALID_ARGUMENT. Default 64. */
  readonly maxGroups?: number;
}

/** Defaults of multicast endpoints, cited by the docs and tests. Sequencing here starts at the first number seen, as a late joiner needs. */
export const MULTICAST_DEFAULTS = Object.freeze({
  ttl: 1,
  loopback: true,
  maxGroups: 64,
});

/** Checks a TTL / hop limit: an integer from 0 to 255, else ERR_INVALID_ARGUMENT. */
export function checkTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw new InvalidArgumentError(`ttl must be an integer from 0 to 255, got ${ttl}`, { ttl });
  return ttl;
}

/** Checks a port: an integer from 1 to 65535 (a group's port cannot be ephemeral), else ERR_INVALID_ARGUMENT. */
export function checkGroupPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`port must be an integer from 1 to 65535 (the group's port), got ${port}`, { port });
  }
  return port;
}
