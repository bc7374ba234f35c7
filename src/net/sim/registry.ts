import { InvalidAddressError, InvalidArgumentError } from '../../errors.ts';
import { formatAddress, parseAddress, parseInetAddress, type AddressLike, type InetAddress } from '../address.ts';
import { ensureInt32 } from './counters.ts';

/** A receiving endpoint as the network sees it. */
export interface SimReceiver {
  /** Called at the virtual time a datagram arrives. `data` is the receiver's own copy. */
  arrive(data: Uint8Array, fromId: number, from: InetAddress): void;
  /** When present: false drops a datagram from endpoint `fromId` before it arrives (a NAT-like filter). */
  admits?(fromId: number): boolean;
}

/** Most hosts a network holds: host ids fit 21 bits, so a pair of them is one exact number. */
export const MAX_HOSTS = 1 << 21;

/**
 * The names of a simulated network: hosts by name, and bound endpoints (datagram endpoints, listeners,
 * the ports of connections) by address, each given a small number once so the hot path never parses or
 * hashes text. Endpoint numbers are never reused.
 */
export class Registry {
  /** Per endpoint id: its host id, text address, receiver (undefined once closed) and address. */
  host = new Int32Array(1024);
  readonly text: string[] = [];
  readonly receiver: (SimReceiver | undefined)[] = [];
  readonly address: (InetAddress | undefined)[] = [];
  private count = 0;
  private readonly hostIds = new Map<string, number>();
  private readonly hostNames: string[] = [];
  private readonly endpointIds = new Map<string, number>();
  private readonly nextPort = new Map<number, number>();
  // Destinations already resolved: datagram addresses by identity, texts in a bounded cache.
  private readonly objectIds = new WeakMap<object, number>();
  private readonly textIds = new Map<string, number>();

  constructor(private readonly maxEndpoints: number) {}

  /** Endpoints bound so far, closed ones included (the next id). */
  get endpoints(): number {
    return this.count;
  }

  /** Hosts known so far. */
  get hosts(): number {
    return this.hostNames.length;
  }

  /** The id of a host named by an address (`udp://10.0.0.1:9000`) or bare (`10.0.0.1`), registering it if new. ERR_INVALID_ARGUMENT past MAX_HOSTS. */
  hostId(host: AddressLike): number {
    const name = hostName(host);
    let id = this.hostIds.get(name);
    if (id === undefined) {
      id = this.hostNames.length;
      if (id >= MAX_HOSTS) throw new InvalidArgumentError(`a simulated network holds at most ${MAX_HOSTS} hosts`, { limit: MAX_HOSTS });
      this.hostIds.set(name, id);
      this.hostNames.push(name);
    }
    return id;
  }

  /** The id of a known host, without registering it. */
  findHost(host: AddressLike): number | undefined {
    return this.hostIds.get(hostName(host));
  }

  /** The name of host `id`. */
  hostName(id: number): string {
    return this.hostNames[id]!;
  }

  /**
   * Registers `receiver` at `address` (port 0: a free ephemeral port from 49152 on that host); returns its
   * id and bound address. ERR_INVALID_ARGUMENT when the address is taken or `maxEndpoints` were bound.
   */
  register(address: InetAddress, receiver: SimReceiver): { id: number; address: InetAddress } {
    if (this.count >= this.maxEndpoints) {
      throw new InvalidArgumentError(`the simulated network has bound its maximum of ${this.maxEndpoints} endpoints`, { limit: this.maxEndpoints });
    }
    const host = this.hostId(address.host);
    const port = address.port === 0 ? this.ephemeralPort(host, address.transport) : address.port;
    const bound: InetAddress = Object.freeze({ transport: address.transport, host: address.host, port });
    const key = endpointKey(bound);
    if (this.endpointIds.has(key)) throw new InvalidArgumentError(`${formatAddress(bound)} is already bound in the simulated network`, { address: formatAddress(bound) });
    const id = this.count++;
    this.endpointIds.set(key, id);
    this.host = ensureInt32(this.host, id + 1);
    this.host[id] = host;
    this.address[id] = bound;
    this.text[id] = formatAddress(bound);
    this.receiver[id] = receiver;
    // Only datagram addresses are cached: a UDP send to a listener's address object must not find it.
    if (bound.transport === 'udp') this.objectIds.set(bound, id);
    return { id, address: bound };
  }

  /** True when something is bound at the address. */
  isBound(address: InetAddress): boolean {
    return this.endpointIds.has(endpointKey(address));
  }

  /** Removes endpoint `id`: its address is free again, and what arrives for it is unreachable. Idempotent. */
  unregister(id: number): void {
    const address = this.address[id];
    if (!address || !this.receiver[id]) return;
    this.receiver[id] = undefined;
    this.endpointIds.delete(endpointKey(address));
    this.textIds.clear();
  }

  /** The id of the endpoint bound at `to` now, or -1. ERR_INVALID_ADDRESS for text that is not a `transport` address. */
  resolve(to: AddressLike, transport: 'udp' | 'tcp'): number {
    if (typeof to === 'string') {
      const cached = this.textIds.get(to);
      if (cached !== undefined && this.receiver[cached]) return cached;
      const id = this.endpointIds.get(endpointKey(parseInetAddress(to, transport))) ?? -1;
      if (id >= 0) {
        if (this.textIds.size >= 65_536) this.textIds.clear(); // bounded: a cache, not a registry
        this.textIds.set(to, id);
      }
      return id;
    }
    const cached = this.objectIds.get(to);
    if (cached !== undefined && this.receiver[cached]) return cached;
    if (to.transport !== transport) throw new InvalidAddressError(`expected a ${transport}:// address, got ${formatAddress(to)}`, { input: formatAddress(to) });
    const id = this.endpointIds.get(endpointKey(to)) ?? -1;
    if (id >= 0 && transport === 'udp') this.objectIds.set(to, id);
    return id;
  }

  /** The id of whatever is bound at `address`, if anything. */
  find(address: InetAddress): number | undefined {
    return this.endpointIds.get(endpointKey(address));
  }

  private ephemeralPort(host: number, transport: string): number {
    let port = this.nextPort.get(host) ?? 49152;
    for (let tries = 0; tries < 16384; tries++) {
      const candidate = port;
      port = port >= 65535 ? 49152 : port + 1;
      if (!this.endpointIds.has(`${transport}|${this.hostNames[host]}|${candidate}`)) {
        this.nextPort.set(host, port);
        return candidate;
      }
    }
    throw new InvalidArgumentError(`no ephemeral port is free on simulated host ${this.hostNames[host]}`);
  }
}

function endpointKey(a: InetAddress): string {
  return `${a.transport}|${a.host}|${a.port}`;
}

// The host part of an address, or a bare host name.
function hostName(host: AddressLike): string {
  if (typeof host !== 'string') return host.transport === 'ipc' ? host.path : host.host;
  if (!host.includes('://')) return host;
  const a = parseAddress(host);
  return a.transport === 'ipc' ? a.path : a.host;
}
