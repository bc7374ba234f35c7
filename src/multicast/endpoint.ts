/**
 * `MulticastEndpoint`: IP multicast behind the `DatagramEndpoint` interface.
 *
 * One socket sends (and takes unicast replies); each joined group has a socket of its own, bound to the
 * group's address and port with SO_REUSEADDR. Binding to the group, rather than to the wildcard, is what
 * makes a leave take effect on Linux: there a wildcard-bound socket hears every group that any socket of
 * the host joined on its port (IP_MULTICAST_ALL, which Node cannot turn off), so one member leaving while
 * another on the same host stays would go on hearing the group. Closing the group's socket ends it.
 * What arrives on all of them is handed over in arrival order through one bounded queue.
 */
import { isIP } from 'node:net';
import { ClosedError, InvalidAddressError, InvalidArgumentError } from '../errors.ts';
import { formatAddress, type AddressLike, type InetAddress } from '../net/address.ts';
import { realClock } from '../net/clock.ts';
import type { Datagram, DatagramEndpoint, DatagramStats } from '../net/datagram.ts';
import { MessageQueue } from '../net/queue.ts';
import type { SenderStats } from '../net/sequencing.ts';
import { UDP_DEFAULTS, type UdpOptions } from '../net/udp.ts';
import type { WaitOptions } from '../net/wait.ts';
import { classifyGroup, isMulticastAddress, sourceSpecificRange, type GroupInfo } from './group.ts';
import { resolveInterface } from './interface.ts';
import { checkGroupPort, checkTtl, MULTICAST_DEFAULTS, type Membership, type MembershipOptions, type MulticastOptions } from './options.ts';
import { bindSocket, translateOptionError, type MulticastSocket } from './socket.ts';

type MutableStats = { -readonly [K in keyof DatagramStats]: DatagramStats[K] };

/** One joined group: its socket and the memberships (any-source, or one per source) it holds. */
interface GroupState {
  readonly info: GroupInfo;
  readonly socket: MulticastSocket;
  /** Keyed by `source|interface` as given; the value is what was joined. */
  readonly memberships: Map<string, Membership>;
  readonly stopListening: () => void;
}

/**
 * Opens a multicast endpoint on `options.port` and joins `options.groups`. Rejects with
 * ERR_INVALID_ADDRESS (a non-multicast group, an unknown interface), ERR_INVALID_ARGUMENT (an SSM group
 * without a source, a bad TTL or port) or ERR_ADDRESS_IN_USE (the sending port is taken).
 */
export async function openMulticast(options: MulticastOptions): Promise<MulticastEndpoint> {
  const port = checkGroupPort(options.port);
  const ttl = checkTtl(options.ttl ?? MULTICAST_DEFAULTS.ttl);
  const first = options.groups?.[0];
  const firstGroup = first === undefined ? undefined : classifyGroup(typeof first === 'string' ? first : first.group);
  const hostFamily = options.host === undefined ? 0 : isIP(options.host);
  if (options.host !== undefined && hostFamily === 0) {
    throw new InvalidAddressError(`host must be an IP address of this host, got '${options.host}'`, { input: options.host });
  }
  const family: 4 | 6 = options.family ?? (hostFamily === 6 ? 6 : hostFamily === 4 ? 4 : (firstGroup?.family ?? 4));
  const maxGroups = options.maxGroups ?? MULTICAST_DEFAULTS.maxGroups;
  if (!Number.isInteger(maxGroups) || maxGroups <= 0) throw new InvalidArgumentError(`maxGroups must be a positive integer, got ${maxGroups}`, { maxGroups });
  const sendInterface = options.interface === undefined ? undefined : resolveInterface(options.interface, family);
  const udp = udpOptionsOf(options);
  const sender = await bindSocket(family, options.host ?? (family === 6 ? '::' : '0.0.0.0'), options.sendPort ?? 0, false, udp);
  const endpoint = new MulticastEndpoint(sender, { family, port, udp, maxGroups, defaultInterface: options.interface });
  try {
    endpoint.setMulticastTTL(ttl);
    endpoint.setMulticastLoopback(options.loopback ?? MULTICAST_DEFAULTS.loopback);
    if (sendInterface !== undefined) endpoint.setMulticastInterface(options.interface!);
    for (const g of options.groups ?? []) {
      if (typeof g === 'string') await endpoint.join(g);
      else await endpoint.join(g.group, g);
    }
  } catch (err) {
    await endpoint.close();
    throw err;
  }
  return endpoint;
}

// Group sockets take a late joiner's first sequence number as its start, unless told otherwise.
function udpOptionsOf(options: MulticastOptions): UdpOptions {
  const { sequencing } = options;
  const seq = sequencing === true ? { startAtFirstSeen: true } : sequencing ? { startAtFirstSeen: true, ...sequencing } : undefined;
  return {
    ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
    ...(options.oversize !== undefined ? { oversize: options.oversize } : {}),
    ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
    ...(options.socketReceiveBuffer !== undefined ? { socketReceiveBuffer: options.socketReceiveBuffer } : {}),
    ...(options.socketSendBuffer !== undefined ? { socketSendBuffer: options.socketSendBuffer } : {}),
    ...(seq ? { sequencing: seq } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
}

interface EndpointConfig {
  readonly family: 4 | 6;
  readonly port: number;
  readonly udp: UdpOptions;
  readonly maxGroups: number;
  readonly defaultInterface: string | undefined;
}

/** A multicast member and sender: join and leave groups, send to them, receive what they carry. Create with `openMulticast`. */
export class MulticastEndpoint implements DatagramEndpoint {
  /** The sending socket's address: the source members see, where unicast replies arrive. */
  readonly address: InetAddress;
  /** The port every joined group is received on. */
  readonly port: number;
  readonly family: 4 | 6;
  private readonly groupsByAddress = new Map<string, GroupState>();
  private readonly queue: MessageQueue<Datagram>;
  /** Counters of group sockets already closed, so `stats()` covers the endpoint's whole life. */
  private readonly retired: MutableStats = {
    sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, truncated: 0, rejected: 0, dropped: 0, discardedBySequencing: 0, malformed: 0,
  };
  private readonly stopSenderListening: () => void;
  private ttl: number = MULTICAST_DEFAULTS.ttl;
  private loopback: boolean = MULTICAST_DEFAULTS.loopback;
  private sendInterface: string | undefined;
  private pendingJoins = 0;
  private draining = false;
  private closing: Promise<void> | undefined;

  /** Wraps the sending socket; use `openMulticast` instead. */
  constructor(
    private readonly sender: MulticastSocket,
    private readonly config: EndpointConfig,
  ) {
    this.address = sender.address;
    this.port = config.port;
    this.family = config.family;
    this.queue = new MessageQueue<Datagram>(config.udp.maxQueued ?? UDP_DEFAULTS.maxQueued, config.udp.clock ?? realClock, () => this.refill());
    this.stopSenderListening = this.listen(sender);
  }

  // ---- DatagramEndpoint ----

  get readable(): boolean {
    return this.queue.readable;
  }

  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  /** Sends one datagram to a group (`udp://239.1.2.3:5000`) or any unicast address, with the endpoint's TTL, interface and loopback. */
  send(data: Uint8Array, to: AddressLike): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    return this.sender.send(data, to);
  }

  /** Blocking receive from any group or sender. ERR_TIMEOUT, ERR_ABORTED per `opts`; ERR_CLOSED once closed. */
  async receive(opts?: WaitOptions): Promise<Datagram> {
    const datagram = await this.queue.take(opts, `receive on multicast port ${this.port}`);
    if (datagram === null) throw this.closedError();
    return datagram;
  }

  tryReceive(): Datagram | undefined {
    return this.queue.tryTake();
  }

  /** Iterates received datagrams until the endpoint is closed; what is queued is handed over without waiting. */
  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    const queue = this.queue;
    let finished = false;
    const done: IteratorReturnResult<undefined> = { value: undefined, done: true };
    return {
      next(): Promise<IteratorResult<Datagram, undefined>> {
        if (finished) return Promise.resolve(done);
        const ready = queue.tryTake();
        if (ready !== undefined) return Promise.resolve({ value: ready, done: false });
        return queue.take(undefined, 'iterate').then(
          (d) => {
            if (d !== null) return { value: d, done: false };
            finished = true;
            return done;
          },
          (err: unknown) => {
            finished = true;
            throw err;
          },
        );
      },
      return(): Promise<IteratorResult<Datagram, undefined>> {
        finished = true;
        return Promise.resolve(done);
      },
    };
  }

  /** Counters over the endpoint's life: the sending socket, every group socket (open or left) and the shared queue. */
  stats(): DatagramStats {
    const total = { ...this.retired };
    for (const s of [this.sender, ...[...this.groupsByAddress.values()].map((g) => g.socket)]) add(total, s.stats());
    return total;
  }

  /** Per-sender loss, duplication and reordering for the groups joined now (and unicast senders), when sequencing is on. */
  senderStats(): SenderStats[] {
    return [this.sender, ...[...this.groupsByAddress.values()].map((g) => g.socket)].flatMap((s) => s.senderStats());
  }

  /** Leaves every group and unbinds; pending receives reject with ERR_CLOSED. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const groups = [...this.groupsByAddress.values()];
      this.groupsByAddress.clear();
      this.stopSenderListening();
      await Promise.all([...groups.map((g) => this.retire(g)), this.sender.close()]);
      this.queue.end();
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- membership ----

  /**
   * Joins `group` on `opts.interface` (default: the endpoint's, else the kernel's choice); with
   * `opts.source`, only that source's datagrams arrive (SSM). Rejects with ERR_INVALID_ADDRESS for a
   * non-multicast group or unknown interface, ERR_INVALID_ARGUMENT for an SSM group without a source,
   * a link-scoped IPv6 group without an interface, a repeated or contradicting join, or past `maxGroups`.
   */
  async join(group: string, opts: MembershipOptions = {}): Promise<void> {
    if (this.closing) throw this.closedError();
    const info = this.checkGroup(group);
    if (info.sourceSpecific && opts.source === undefined) {
      throw new InvalidArgumentError(
        `${info.address} is in the source-specific range ${sourceSpecificRange(info.family)}: join it with a source (--source S)`,
        { group: info.address },
      );
    }
    const source = opts.source === undefined ? undefined : this.checkSource(opts.source);
    const ifaceName = opts.interface ?? this.config.defaultInterface;
    const iface = ifaceName === undefined ? undefined : resolveInterface(ifaceName, this.family);
    if (info.family === 6 && info.linkLocal && iface === undefined) {
      // The kernel cannot pick an interface for a link-scoped IPv6 group: every link has its own.
      throw new InvalidArgumentError(`${info.address} is ${info.scope}: name the interface to join it on`, { group: info.address });
    }
    const key = `${source ?? '*'}|${iface ?? ''}`;
    let state = this.groupsByAddress.get(info.address);
    if (state) checkCompatible(state, key, info.address, source, ifaceName);
    if (!state) {
      if (this.groupsByAddress.size + this.pendingJoins >= this.config.maxGroups) {
        throw new InvalidArgumentError(`cannot join ${info.address}: already in maxGroups (${this.config.maxGroups}) groups`, { limit: this.config.maxGroups });
      }
      this.pendingJoins++;
      let socket: MulticastSocket;
      try {
        socket = await bindSocket(this.family, bindHost(info, iface), this.port, true, this.config.udp);
      } finally {
        this.pendingJoins--;
      }
      // Joins of one group can race; the first bound socket wins and the other is not needed.
      const raced = this.groupsByAddress.get(info.address);
      if (raced || this.closing) {
        await socket.close();
        if (this.closing) throw this.closedError();
        state = raced!;
      } else {
        state = { info, socket, memberships: new Map(), stopListening: this.listen(socket) };
        this.groupsByAddress.set(info.address, state);
      }
      checkCompatible(state, key, info.address, source, ifaceName);
    }
    try {
      if (source === undefined) state.socket.raw.addMembership(info.address, iface);
      else state.socket.raw.addSourceSpecificMembership(source, info.address, iface);
    } catch (err) {
      if (state.memberships.size === 0) {
        this.groupsByAddress.delete(info.address);
        await this.retire(state);
      }
      throw translateOptionError(err, `join ${describe(info.address, source, ifaceName)}`, { group: info.address, source, interface: ifaceName });
    }
    state.memberships.set(key, { group: info.address, ...(source ? { source } : {}), ...(ifaceName ? { interface: ifaceName } : {}) });
  }

  /**
   * Leaves a membership made by `join` with the same `opts`. Once a group's last membership is left its
   * socket closes, and nothing more from that group arrives (what was already queued is still delivered).
   * Rejects with ERR_INVALID_ARGUMENT when there is no such membership.
   */
  async leave(group: string, opts: MembershipOptions = {}): Promise<void> {
    if (this.closing) throw this.closedError();
    const info = this.checkGroup(group);
    const source = opts.source === undefined ? undefined : this.checkSource(opts.source);
    const ifaceName = opts.interface ?? this.config.defaultInterface;
    const iface = ifaceName === undefined ? undefined : resolveInterface(ifaceName, this.family);
    const key = `${source ?? '*'}|${iface ?? ''}`;
    const state = this.groupsByAddress.get(info.address);
    if (!state?.memberships.has(key)) {
      throw new InvalidArgumentError(`not a member of ${describe(info.address, source, ifaceName)}`, { group: info.address });
    }
    state.memberships.delete(key);
    if (state.memberships.size === 0) {
      this.groupsByAddress.delete(info.address);
      await this.retire(state);
      return;
    }
    try {
      if (source === undefined) state.socket.raw.dropMembership(info.address, iface);
      else state.socket.raw.dropSourceSpecificMembership(source, info.address, iface);
    } catch (err) {
      throw translateOptionError(err, `leave ${describe(info.address, source, ifaceName)}`, { group: info.address });
    }
  }

  /** The memberships held now, in the order joined. */
  groups(): Membership[] {
    return [...this.groupsByAddress.values()].flatMap((g) => [...g.memberships.values()]);
  }

  /** `join(group, { interface })`, named as in node:dgram. */
  addMembership(group: string, iface?: string): Promise<void> {
    return this.join(group, iface === undefined ? {} : { interface: iface });
  }

  /** `leave(group, { interface })`, named as in node:dgram. */
  dropMembership(group: string, iface?: string): Promise<void> {
    return this.leave(group, iface === undefined ? {} : { interface: iface });
  }

  /** `join(group, { source, interface })`: only `source`'s datagrams to `group` arrive (SSM). */
  addSourceSpecificMembership(source: string, group: string, iface?: string): Promise<void> {
    return this.join(group, iface === undefined ? { source } : { source, interface: iface });
  }

  /** `leave(group, { source, interface })`. */
  dropSourceSpecificMembership(source: string, group: string, iface?: string): Promise<void> {
    return this.leave(group, iface === undefined ? { source } : { source, interface: iface });
  }

  // ---- sending options ----

  /** Sends from this interface (a name such as `eth0`, or one of its addresses). ERR_INVALID_ADDRESS when the host has no such interface; ERR_CLOSED once closed. */
  setMulticastInterface(iface: string): void {
    if (this.closing) throw this.closedError();
    const resolved = resolveInterface(iface, this.family);
    try {
      this.sender.raw.setMulticastInterface(resolved);
    } catch (err) {
      throw translateOptionError(err, `send from interface ${iface}`, { interface: iface });
    }
    this.sendInterface = iface;
  }

  /** Sets the TTL (IPv4) or hop limit (IPv6) of sent datagrams, 0..255; 1 keeps them on the link. ERR_INVALID_ARGUMENT otherwise; ERR_CLOSED once closed. */
  setMulticastTTL(ttl: number): void {
    if (this.closing) throw this.closedError();
    checkTtl(ttl);
    try {
      this.sender.raw.setMulticastTTL(ttl);
    } catch (err) {
      throw translateOptionError(err, `set TTL ${ttl}`, { ttl });
    }
    this.ttl = ttl;
  }

  /** Whether members on this host receive what this endpoint sends (IP_MULTICAST_LOOP). ERR_CLOSED once closed. */
  setMulticastLoopback(on: boolean): void {
    if (this.closing) throw this.closedError();
    this.sender.raw.setMulticastLoopback(on);
    this.loopback = on;
  }

  /** The sending options in force: TTL, loopback and interface (undefined: the kernel's choice). */
  sendOptions(): { readonly ttl: number; readonly loopback: boolean; readonly interface: string | undefined } {
    return { ttl: this.ttl, loopback: this.loopback, interface: this.sendInterface };
  }

  // ---- internals ----

  private checkGroup(group: string): GroupInfo {
    const info = classifyGroup(group);
    if (info.family !== this.family) {
      throw new InvalidAddressError(`${info.address} is an IPv${info.family} group, but this endpoint is IPv${this.family}`, { input: group });
    }
    return info;
  }

  private checkSource(source: string): string {
    const family = isIP(source);
    if (family === 0 || isMulticastAddress(source)) {
      throw new InvalidAddressError(`source must be a unicast IP address, got '${source}'`, { input: source });
    }
    if (family !== this.family) throw new InvalidAddressError(`source ${source} is not IPv${this.family}`, { input: source });
    return source;
  }

  // Moves what a socket received into the shared queue as it arrives, in arrival order.
  private listen(socket: MulticastSocket): () => void {
    return socket.onReadable(() => this.drain(socket));
  }

  private drain(socket: MulticastSocket): void {
    const outermost = !this.draining;
    this.draining = true;
    try {
      // While the shared queue is full, datagrams wait in the socket's own queue (and past its bound are
      // dropped and counted there); `refill` resumes when the application takes one.
      while (this.queue.size < this.queue.maxItems) {
        const d = socket.tryReceive();
        if (d === undefined) break;
        this.queue.push(d);
      }
      if (socket.readable && this.queue.size < this.queue.maxItems && !this.closing && this.isOpen(socket)) {
        // Readable with nothing to take: the socket failed. Its error ends the endpoint for readers.
        socket.receive().catch((err: unknown) => this.queue.fail(err));
      }
    } finally {
      if (outermost) this.draining = false;
    }
  }

  private refill(): void {
    // Only when the last queued item was taken (cheap on the hot path), and not from inside a drain,
    // whose push to a waiting reader calls back here.
    if (this.queue.size > 0 || this.draining) return;
    this.drain(this.sender);
    for (const g of this.groupsByAddress.values()) this.drain(g.socket);
  }

  private isOpen(socket: MulticastSocket): boolean {
    if (socket === this.sender) return true;
    for (const g of this.groupsByAddress.values()) if (g.socket === socket) return true;
    return false;
  }

  private async retire(state: GroupState): Promise<void> {
    state.stopListening();
    // What arrived before the leave is delivered, not lost to it.
    for (let d = state.socket.tryReceive(); d !== undefined; d = state.socket.tryReceive()) {
      if (!this.queue.push(d)) this.retired.dropped++;
    }
    await state.socket.close();
    add(this.retired, state.socket.stats());
  }

  private closedError(): ClosedError {
    return new ClosedError(`multicast endpoint ${formatAddress(this.address)} is closed`);
  }
}

// A group socket binds the group's own address (see the file comment); link-scoped IPv6 groups need the
// interface's zone to bind.
function bindHost(info: GroupInfo, iface: string | undefined): string {
  if (info.family === 6 && info.linkLocal && iface?.includes('%')) return `${info.address}%${iface.split('%')[1]}`;
  return info.address;
}

// A socket's filter for a group on an interface is either "any source but…" or "only these sources"
// (RFC 3678): an any-source join and a source-specific one of the same group on the same interface
// would contradict each other, so they are refused rather than left to the kernel's interpretation.
function checkCompatible(state: GroupState, key: string, group: string, source: string | undefined, iface: string | undefined): void {
  if (state.memberships.has(key)) throw new InvalidArgumentError(`already joined ${describe(group, source, iface)}`, { group });
  const ifacePart = key.slice(key.indexOf('|'));
  for (const k of state.memberships.keys()) {
    if (!k.endsWith(ifacePart) || k.slice(0, k.indexOf('|')) === key.slice(0, key.indexOf('|'))) continue;
    const anySource = k.startsWith('*|') || key.startsWith('*|');
    if (anySource) {
      throw new InvalidArgumentError(
        `cannot join ${describe(group, source, iface)}: an any-source and a source-specific join of one group on one interface cannot be mixed; leave the other first`,
        { group },
      );
    }
  }
}

function describe(group: string, source: string | undefined, iface: string | undefined): string {
  return `${source ? `(${source}, ${group})` : group}${iface ? ` on ${iface}` : ''}`;
}

function add(total: MutableStats, s: DatagramStats): void {
  for (const k of Object.keys(total) as (keyof DatagramStats)[]) total[k] += s[k];
}
