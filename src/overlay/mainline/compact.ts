// BEP 5's compact encodings (IPv4): "compact peer info" is 4 bytes of address and 2 of port, big-endian;
// "compact node info" is the 20-byte node id followed by the peer info, 26 bytes. Replies concatenate them.
import { DecodeError } from '../../errors.ts';
import { ID_BYTES, type NodeId } from '../id.ts';

/** Bytes of one compact peer info (IPv4 address and port). */
export const COMPACT_PEER_BYTES = 6;
/** Bytes of one compact node info (id, IPv4 address and port). */
export const COMPACT_NODE_BYTES = ID_BYTES + COMPACT_PEER_BYTES;

/** An IPv4 host and UDP/TCP port. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** A DHT node as compact node info names it. */
export interface CompactNode extends PeerAddress {
  readonly id: NodeId;
}

/** Parses a dotted IPv4 literal into 4 bytes written at `out[at]`; false when `host` is not one. */
export function writeIpv4(host: string, out: Uint8Array, at: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= host.length; i++) {
    const c = i < host.length ? host.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || part > 3) return false;
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else return false;
  }
  return part === 4;
}

/** 4 bytes at `b[at]` as a dotted IPv4 literal. */
export function readIpv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** Compact peer info for an IPv4 host and port; undefined when the host is not IPv4 or the port is not 1..65535. */
export function encodePeer(p: PeerAddress): Uint8Array | undefined {
  const out = new Uint8Array(COMPACT_PEER_BYTES);
  if (!validPort(p.port) || !writeIpv4(p.host, out, 0)) return undefined;
  out[4] = p.port >>> 8;
  out[5] = p.port & 255;
  return out;
}

/** Reads one compact peer info (exactly 6 bytes). Throws ERR_DECODE for another length or port 0. */
export function decodePeer(b: Uint8Array): PeerAddress {
  if (b.length !== COMPACT_PEER_BYTES) throw new DecodeError(`compact peer info must be ${COMPACT_PEER_BYTES} bytes, got ${b.length}`, { offset: 0, size: b.length });
  const port = (b[4]! << 8) | b[5]!;
  if (port === 0) throw new DecodeError('compact peer info with port 0', { offset: 4 });
  return { host: readIpv4(b, 0), port };
}

/**
 * Concatenated compact node infos for `nodes`, skipping those without an IPv4 address (BEP 5's format
 * has room for nothing else; IPv6 nodes go in BEP 32's `nodes6`, not done here).
 */
export function encodeNodes(nodes: readonly CompactNode[]): Uint8Array {
  const out = new Uint8Array(nodes.length * COMPACT_NODE_BYTES);
  let at = 0;
  for (const n of nodes) {
    if (n.id.length !== ID_BYTES || !validPort(n.port) || !writeIpv4(n.host, out, at + ID_BYTES)) continue;
    out.set(n.id, at);
    out[at + ID_BYTES + 4] = n.port >>> 8;
    out[at + ID_BYTES + 5] = n.port & 255;
    at += COMPACT_NODE_BYTES;
  }
  return at === out.length ? out : out.slice(0, at);
}

/**
 * Reads concatenated compact node infos, at most `max` of them. Throws ERR_DECODE when the length is not a
 * multiple of 26 or there are more than `max`; entries with port 0 are skipped (no one listens there).
 * Ids are copies, safe to keep.
 */
export function decodeNodes(b: Uint8Array, max: number): CompactNode[] {
  if (b.length % COMPACT_NODE_BYTES !== 0) throw new DecodeError(`compact node info of ${b.length} bytes is not a multiple of ${COMPACT_NODE_BYTES}`, { offset: 0, size: b.length });
  const n = b.length / COMPACT_NODE_BYTES;
  if (n > max) throw new DecodeError(`${n} compact nodes exceed the limit of ${max}`, { offset: 0, count: n, limit: max });
  const out: CompactNode[] = [];
  for (let at = 0; at < b.length; at += COMPACT_NODE_BYTES) {
    const port = (b[at + ID_BYTES + 4]! << 8) | b[at + ID_BYTES + 5]!;
    if (port === 0) continue;
    out.push({ id: b.slice(at, at + ID_BYTES), host: readIpv4(b, at + ID_BYTES), port });
  }
  return out;
}

/** True for a port a peer can listen on (1..65535). */
export function validPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port <= 65535;
}

/** `udp://host:port` for a peer address. */
export function udpAddress(p: PeerAddress): string {
  return `udp://${p.host}:${p.port}`;
}

/** The IPv4 host and port of a `udp://a.b.c.d:port` address, or undefined for anything else (IPv6, names). */
export function parseUdpIpv4(address: string): PeerAddress | undefined {
  if (!address.startsWith('udp://')) return undefined;
  const colon = address.lastIndexOf(':');
  if (colon <= 6) return undefined;
  const host = address.slice(6, colon);
  const port = Number(address.slice(colon + 1));
  const probe = new Uint8Array(4);
  if (!validPort(port) || !writeIpv4(host, probe, 0)) return undefined;
  return { host, port };
}
