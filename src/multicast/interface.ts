/**
 * Naming the network interface to join a group on or to send from. The kernel wants an interface's IPv4
 * address for IPv4 sockets and a scope (`::%eth0`) for IPv6 ones; people think in names (`eth0`, `lo`),
 * so both are accepted.
 */
import { networkInterfaces } from 'node:os';
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidAddressError } from '../errors.ts';

/**
 * Turns `name` (an interface name such as `eth0`, or an address of one of this host's interfaces) into the
 * form `node:dgram` takes for `family`: an IPv4 address, or `::%name` / `addr%name` for IPv6.
 * Throws ERR_INVALID_ADDRESS when no interface of this host has that name or address.
 */
export function resolveInterface(name: string, family: 4 | 6): string {
  const interfaces = networkInterfaces();
  if (family === 4) {
    if (isIPv4(name)) return name;
    const v4 = interfaces[name]?.find((a) => a.family === 'IPv4');
    if (v4) return v4.address;
    throw noInterface(name, family, interfaces);
  }
  if (isIPv6(name)) return name.includes('%') ? name : withScope(name, interfaces);
  if (interfaces[name]) return `::%${name}`;
  throw noInterface(name, family, interfaces);
}

// An IPv6 interface address without a zone: name the interface that holds it, since the kernel picks the
// interface of a membership by its index, not its address.
function withScope(address: string, interfaces: NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>): string {
  for (const [ifname, addrs] of Object.entries(interfaces)) {
    if (addrs?.some((a) => a.family === 'IPv6' && a.address === address)) return `${address}%${ifname}`;
  }
  throw new InvalidAddressError(`${address} is not an IPv6 address of this host`, { input: address });
}

function noInterface(name: string, family: 4 | 6, interfaces: NodeJS.Dict<unknown>): InvalidAddressError {
  const known = Object.keys(interfaces).join(', ');
  return new InvalidAddressError(`no IPv${family} interface '${name}' on this host (interfaces: ${known})`, { input: name });
}
