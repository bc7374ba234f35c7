import dgram from 'node:dgram';
import { AddressInUseError, InvalidAddressError } from '../../errors.ts';
import { formatAddress, ipFamily, peerKey, type InetAddress } from '../address.ts';
import type { Clock } from '../clock.ts';
import { Prng } from '../prng.ts';
import { CHAOS_DEFAULTS, resolveFaults, type ChaosFaults, type ChaosOptions, type ResolvedFaults } from './options.ts';
import { newDirectionStats, type ChaosStats, type MutableDirectionStats } from './stats.ts';

type Direction = 'up' | 'down';

// One client (source address) of the proxy, with its own upstream socket so replies find their way back.
interface Client {
  readonly host: string;
  readonly port: number;
  readonly upstream: dgram.Socket;
  // Per direction: datagrams received so far, and the highest position forwarded, to measure reordering.
  upCount: number;
  upMax: number;
  downCount: number;
  downMax: number;
}

/**
 * Forwards UDP datagrams between clients and a target with faults: loss, duplication, reordering, delay
 * and jitter. Every client address gets its own upstream socket, so the target's replies go back to the
 * right client through the same faults. Counts per direction what it injected; `reordered` is measured at
 * the proxy's output, so a sequenced receiver behind it reports exactly the same numbers.
 */
export class UdpChaosProxy {
  readonly address: InetAddress;
  readonly target: InetAddress;
  private faults: ResolvedFaults;
  private readonly random: Prng;
  private readonly clients = new Map<string, Client>();
  private readonly up = newDirectionStats();
  private readonly down = newDirectionStats();
  private readonly timers = new Set<() => void>();
  private held = 0;
  private clientsSeen = 0;
  private evicted = 0;
  private readonly maxClients: number;
  private readonly maxHeld: number;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly socket: dgram.Socket,
    target: InetAddress,
    options: ChaosOptions,
    private readonly clock: Clock,
  ) {
    const bound = socket.address();
    this.address = { transport: 'udp', host: bound.address, port: bound.port };
    this.target = target;
    this.faults = resolveFaults(options);
    this.random = new Prng(options.seed ?? CHAOS_DEFAULTS.seed);
    this.maxClients = options.maxClients ?? CHAOS_DEFAULTS.maxClients;
    this.maxHeld = options.maxHeld ?? CHAOS_DEFAULTS.maxHeld;
    socket.on('message', (msg, rinfo) => this.fromClient(msg, rinfo.address, rinfo.port));
    // A send error on the listening socket (an ICMP error from a client that left) is counted per send.
    socket.on('error', () => this.down.errors++);
  }

  /** Binds the listening socket. ERR_ADDRESS_IN_USE when the address is taken. */
  static async start(listen: InetAddress, target: InetAddress, options: ChaosOptions, clock: Clock): Promise<UdpChaosProxy> {
    const socket = await bindSocket(listen);
    return new UdpChaosProxy(socket, target, options, clock);
  }

  /** Changes the faults from now on (datagrams already waiting keep their delay). */
  update(faults: ChaosFaults): void {
    this.faults = resolveFaults(faults, this.faults);
  }

  stats(): ChaosStats {
    return {
      transport: 'udp',
      upstream: { ...this.up },
      downstream: { ...this.down },
      clients: this.clientsSeen,
      evicted: this.evicted,
      held: this.held,
      connections: 0,
      active: 0,
      refused: 0,
      cuts: 0,
      stalls: 0,
    };
  }

  /** Stops forwarding: datagrams still waiting are discarded, every socket is closed. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const cancel of this.timers) cancel();
      this.timers.clear();
      this.held = 0;
      const sockets = [this.socket, ...[...this.clients.values()].map((c) => c.upstream)];
      this.clients.clear();
      await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    })();
    return this.closing;
  }

  private fromClient(msg: Buffer, host: string, port: number): void {
    if (this.closing) return;
    const client = this.client(host, port);
    this.handle('up', client, msg, ++client.upCount);
  }

  private fromTarget(client: Client, msg: Buffer): void {
    if (this.closing) return;
    this.handle('down', client, msg, ++client.downCount);
  }

  private handle(dir: Direction, client: Client, msg: Buffer, index: number): void {
    const stats = dir === 'up' ? this.up : this.down;
    const f = this.faults;
    stats.received++;
    stats.bytesReceived += msg.length;
    if (this.random.chance(f.loss)) {
      stats.dropped++;
      return;
    }
    let delay = f.delay + (f.jitter > 0 ? this.random.uniform(0, f.jitter) : 0);
    if (this.random.chance(f.reorder)) {
      delay += f.reorderDelay;
      stats.heldBack++;
    }
    const copies = this.random.chance(f.duplicate) ? 2 : 1;
    if (delay <= 0) return this.forward(dir, client, msg, index, copies, stats);
    if (this.held >= this.maxHeld) {
      stats.overflowed++;
      return;
    }
    this.held++;
    const cancel = this.clock.setTimer(() => {
      this.timers.delete(cancel);
      this.held--;
      this.forward(dir, client, msg, index, copies, stats);
    }, delay);
    this.timers.add(cancel);
  }

  private forward(dir: Direction, client: Client, msg: Buffer, index: number, copies: number, stats: MutableDirectionStats): void {
    if (this.closing) return;
    if (dir === 'up') {
      if (index < client.upMax) stats.reordered++;
      else client.upMax = index;
    } else if (index < client.downMax) stats.reordered++;
    else client.downMax = index;
    for (let c = 0; c < copies; c++) {
      if (c > 0) stats.duplicated++;
      stats.forwarded++;
      stats.bytesForwarded += msg.length;
      const onSent = (err: Error | null) => {
        if (err) stats.errors++;
      };
      if (dir === 'up') client.upstream.send(msg, this.target.port, this.target.host, onSent);
      else this.socket.send(msg, client.port, client.host, onSent);
    }
  }

  private client(host: string, port: number): Client {
    const key = peerKey(host, port);
    let client = this.clients.get(key);
    if (client) {
      // Re-inserted so the map stays in least-recently-heard order, for eviction.
      this.clients.delete(key);
      this.clients.set(key, client);
      return client;
    }
    if (this.clients.size >= this.maxClients) {
      const [oldKey, old] = this.clients.entries().next().value as [string, Client];
      this.clients.delete(oldKey);
      old.upstream.close();
      this.evicted++;
    }
    const v6 = ipFamily(this.target.host) === 6;
    const upstream = dgram.createSocket(v6 ? 'udp6' : 'udp4');
    // A loopback target is reached from loopback, so the upstream port is not exposed on other interfaces;
    // any other target from the wildcard address, so the routing table picks the source.
    const loopback = v6 ? this.target.host === '::1' : this.target.host.startsWith('127.');
    // Sends issued before the bind completes are queued by dgram, so the first datagram is not lost.
    upstream.bind(0, loopback ? (v6 ? '::1' : '127.0.0.1') : v6 ? '::' : '0.0.0.0');
    upstream.on('error', () => this.up.errors++);
    client = { host, port, upstream, upCount: 0, upMax: 0, downCount: 0, downMax: 0 };
    const owner = client;
    upstream.on('message', (msg) => this.fromTarget(owner, msg));
    this.clients.set(key, client);
    this.clientsSeen++;
    return client;
  }
}

function bindSocket(address: InetAddress): Promise<dgram.Socket> {
  const socket = dgram.createSocket(ipFamily(address.host) === 6 ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      const text = formatAddress(address);
      if (err.code === 'EADDRINUSE') reject(new AddressInUseError(`${text} is already in use`, { address: text }, { cause: err }));
      else reject(new InvalidAddressError(`cannot bind ${text}: ${err.message}`, { address: text }));
    });
    socket.bind(address.port, address.host, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
