import { isIP } from 'node:net';
import { InvalidAddressError } from '../errors.ts';

/** The transports an address can name. */
export type Transport = 'udp' | 'tcp' | 'ipc';

/** An internet endpoint: a transport, a literal IPv4/IPv6 host (or a name to resolve) and a port. */
export interface InetAddress {
  readonly transport: 'udp' | 'tcp';
  /** IPv4 or IPv6 literal (without brackets), or a host name such as `localhost`. */
  readonly host: string;
  /** 0..65535; 0 asks the operating system for an ephemeral port when binding. */
  readonly port: number;
}

/** A local (Unix domain) stream endpoint, named by a file system path. */
export interface IpcAddress {
  readonly transport: 'ipc';
  readonly path: string;
}

export type Address = InetAddress | IpcAddress;

/** Anything an API accepts as an address: the object, or its text form (`udp://127.0.0.1:9000`). */
export type AddressLike = Address | string;

/** IP family of a host literal: 4, 6, or 0 for a name that still needs resolving. */
export function ipFamily(host: string): 0 | 4 | 6 {
  return isIP(host) as 0 | 4 | 6;
}

/**
 * Parses `udp://host:port`, `tcp://host:port`, `tcp://[::1]:port` or `ipc:///path`.
 * Throws ERR_INVALID_ADDRESS naming the input and what is wrong with it.
 */
export function parseAddress(input: AddressLike, expected?: Transport): Address {
  const address = typeof input === 'string' ? parseText(input) : validate(input);
  if (expected && address.transport !== expected) {
    throw new InvalidAddressError(`expected a ${expected}:// address, got ${formatAddress(address)}`, { input: formatAddress(address) });
  }
  return address;
}

/** Parses an address that must be UDP or TCP (not ipc). */
export function parseInetAddress(input: AddressLike, expected: 'udp' | 'tcp'): InetAddress {
  return parseAddress(input, expected) as InetAddress;
}

function parseText(text: string): Address {
  const m = /^([a-z]+):\/\/(.*)$/.exec(text);
  if (!m) throw new InvalidAddressError(`'${text}' is not an address; expected udp://host:port, tcp://host:port or ipc:///path`, { input: text });
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === 'ipc') {
    if (!rest.startsWith('/') || rest.length < 2) throw new InvalidAddressError(`'${text}': an ipc address needs an absolute path (ipc:///tmp/app.sock)`, { input: text });
    return { transport: 'ipc', path: rest };
  }
  if (scheme !== 'udp' && scheme !== 'tcp') {
    throw new InvalidAddressError(`'${text}': unknown transport '${scheme}' (use udp, tcp or ipc)`, { input: text });
  }
  const hp = /^\[([^\]]+)\]:(\d+)$/.exec(rest) ?? /^([^:[\]/]+):(\d+)$/.exec(rest);
  if (!hp) throw new InvalidAddressError(`'${text}': expected host:port (IPv6 in brackets: [::1]:9000)`, { input: text });
  return validate({ transport: scheme, host: hp[1]!, port: Number(hp[2]) }, text);
}

function validate(address: Address, text = formatAddress(address)): Address {
  if (address.transport === 'ipc') return address;
  const { host, port } = address;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidAddressError(`'${text}': port must be an integer from 0 to 65535`, { input: text });
  }
  if (host.length === 0 || (ipFamily(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host))) {
    throw new InvalidAddressError(`'${text}': '${host}' is neither an IP address nor a host name`, { input: text });
  }
  return address;
}

/** The text form of an address: `udp://127.0.0.1:9000`, `tcp://[::1]:80`, `ipc:///tmp/x.sock`. */
export function formatAddress(address: Address): string {
  if (address.transport === 'ipc') return `ipc://${address.path}`;
  const host = ipFamily(address.host) === 6 ? `[${address.host}]` : address.host;
  return `${address.transport}://${host}:${address.port}`;
}

/** `host:port` of an internet address, used as a map key for per-peer state. */
export function peerKey(host: string, port: number): string {
  return `${host}:${port}`;
}
