import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { randomInt } from 'node:crypto';
import { AddressInUseError, ClosedError, InvalidAddressError, InvalidArgumentError, MessageTooLargeError } from '../errors.ts';
import { formatAddress, ipFamily, parseInetAddress, peerKey, type AddressLike, type InetAddress } from './address.ts';
import { realClock, type Clock } from './clock.ts';
import type { Datagram, DatagramEndpoint, DatagramStats } from './datagram.ts';
import { MessageQueue, iterateQueue } from './queue.ts';
import { Reorderer } from './reorder.ts';
import {
  readSequenceHeader,
  SEQUENCE_HEADER_BYTES,
  SequenceStamper,
  SequenceTracker,
  writeSequenceHeader,
  type SenderStats,
} from './sequencing.ts';
import type { WaitOptions } from './wait.ts';

/** Largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes). */
export const MAX_UDP_PAYLOAD = 65_507;

export interface SequencingOptions {
  /** Sequence numbers remembered per sender to classify arrivals. Default 1024. */
  readonly window?: number;
  /** Deliver each sender's datagrams in order, waiting up to `gapTimeout` ms for a gap to fill. Default false. */
  readonly ordered?: boolean;
  /** How long an ordered endpoint waits for a missing datagram before giving it up, ms. Default 50. */
  readonly gapTimeout?: number;
  /** Deliver duplicates too (flagged by their repeated `seq`) instead of discarding them. Default false. */
  readonly keepDuplicates?: boolean;
  /** Take a sender's first sequence number seen as its start (for late joiners of a group). Default false. */
  readonly startAtFirstSeen?: boolean;
  /** Senders tracked at once; the one heard from longest ago is forgotten first. Default 4096. */
  readonly maxSenders?: number;
}

export interface UdpOptions {
  /** Receive buffer size in bytes: a larger payload arrives cut to it and flagged. Default 8192. */
  readonly receiveBufferSize?: number;
  /** What to do with a payload larger than the receive buffer: cut it ('truncate') or discard it ('reject'). */
  readonly oversize?: 'truncate' | 'reject';
  /** Datagrams held for the application; further ones are dropped and counted. Default 1024. */
  readonly maxQueued?: number;
  /** Share the port with other sockets (SO_REUSEADDR), as multicast receivers do. Default false. */
  readonly reusePort?: boolean;
  /** The kernel's socket buffer sizes (SO_RCVBUF/SO_SNDBUF), bytes. Default: the system's. */
  readonly socketReceiveBuffer?: number;
  readonly socketSendBuffer?: number;
  /** Add a sequencing header to each datagram and track arrivals per sender. Default off. */
  readonly sequencing?: boolean | SequencingOptions;
  readonly clock?: Clock;
}

/** Defaults for UDP endpoints, cited by the docs and tests. */
export const UDP_DEFAULTS = Object.freeze({
  receiveBufferSize: 8192,
  oversize: 'truncate' as 'truncate' | 'reject',
  maxQueued: 1024,
  window: 1024,
  gapTimeout: 50,
  maxSenders: 4096,
});

/**
 * Binds a UDP endpoint to `address` (`udp://127.0.0.1:0` for an ephemeral port; IPv6 as `udp://[::1]:0`).
 * Rejects with ERR_ADDRESS_IN_USE when the port is taken (unless `reusePort`), ERR_INVALID_ADDRESS for a
 * bad or unresolvable address.
 */
export async function bindUdp(address: AddressLike, options: UdpOptions = {}): Promise<UdpEndpoint> {
  const wanted = parseInetAddress(address, 'udp');
  const host = await resolveHost(wanted.host);
  const socket = dgram.createSocket({
    type: ipFamily(host) === 6 ? 'udp6' : 'udp4',
    reuseAddr: options.reusePort ?? false,
    ipv6Only: ipFamily(host) === 6,
    ...(options.socketReceiveBuffer ? { recvBufferSize: options.socketReceiveBuffer } : {}),
    ...(options.socketSendBuffer ? { sendBufferSize: options.socketSendBuffer } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      socket.close();
      const text = formatAddress(wanted);
      if (err.code === 'EADDRINUSE') reject(new AddressInUseError(`${text} is already in use`, { address: text }, { cause: err }));
      else if (err.code === 'EADDRNOTAVAIL') reject(new InvalidAddressError(`${text} is not an address of this host`, { address: text }));
      else reject(err);
    };
    socket.once('error', onError);
    socket.bind(wanted.port, host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  return new UdpEndpoint(socket, options);
}

async function resolveHost(host: string): Promise<string> {
  if (ipFamily(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch (err) {
    throw new InvalidAddressError(`cannot resolve host '${host}'`, { host, cause: (err as Error).message });
  }
}

type MutableStats = { -readonly [K in keyof DatagramStats]: DatagramStats[K] };

interface SenderState {
  tracker: SequenceTracker;
  reorderer?: Reorderer<Datagram>;
}

/** A bound UDP socket behind the `DatagramEndpoint` interface. */
export class UdpEndpoint implements DatagramEndpoint {
  readonly address: InetAddress;
  private readonly queue: MessageQueue<Datagram>;
  private readonly counters: MutableStats = {
    sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, truncated: 0, rejected: 0, dropped: 0, discardedBySequencing: 0, malformed: 0,
  };
  private readonly receiveBufferSize: number;
  private readonly rejectOversize: boolean;
  private readonly sequencing: Required<SequencingOptions> | undefined;
  private readonly stamper: SequenceStamper | undefined;
  private readonly senders = new Map<string, SenderState>();
  private readonly clock: Clock;
  private closing: Promise<void> | undefined;
  // Parsed destinations, so sending to the same string address does not re-parse it each time.
  private lastTo: { text: string; address: InetAddress } | undefined;
  private lastFrom: InetAddress | undefined;
  private readonly receiveWhat: string;

  /** Wraps an already bound socket; use `bindUdp` instead. */
  constructor(
    protected readonly socket: dgram.Socket,
    options: UdpOptions = {},
  ) {
    const bound = socket.address();
    this.address = { transport: 'udp', host: bound.address, port: bound.port };
    this.receiveWhat = `receive on ${formatAddress(this.address)}`;
    this.clock = options.clock ?? realClock;
    this.receiveBufferSize = positive(options.receiveBufferSize ?? UDP_DEFAULTS.receiveBufferSize, 'receiveBufferSize');
    this.rejectOversize = (options.oversize ?? UDP_DEFAULTS.oversize) === 'reject';
    this.queue = new MessageQueue<Datagram>(positive(options.maxQueued ?? UDP_DEFAULTS.maxQueued, 'maxQueued'), this.clock);
    if (options.sequencing) {
      const s = options.sequencing === true ? {} : options.sequencing;
      this.sequencing = {
        window: positive(s.window ?? UDP_DEFAULTS.window, 'window'),
        ordered: s.ordered ?? false,
        gapTimeout: s.gapTimeout ?? UDP_DEFAULTS.gapTimeout,
        keepDuplicates: s.keepDuplicates ?? false,
        startAtFirstSeen: s.startAtFirstSeen ?? false,
        maxSenders: positive(s.maxSenders ?? UDP_DEFAULTS.maxSenders, 'maxSenders'),
      };
      this.stamper = new SequenceStamper(this.sequencing.maxSenders, () => randomInt(0x1_0000_0000) / 0x1_0000_0000);
    }
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    // After binding, socket errors are per-send (reported to the sender) or fatal (reported to readers).
    socket.on('error', (err) => this.queue.fail(err));
  }

  get readable(): boolean {
    return this.queue.readable;
  }

  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  send(data: Uint8Array, to: AddressLike): Promise<void> {
    if (this.closing) return Promise.reject(new ClosedError(`${formatAddress(this.address)} is closed`));
    let dest: InetAddress;
    try {
      dest = this.destination(to);
    } catch (err) {
      return Promise.reject(err);
    }
    let payload = data;
    if (this.stamper) {
      payload = new Uint8Array(SEQUENCE_HEADER_BYTES + data.length);
      writeSequenceHeader(payload, this.stamper.epoch, this.stamper.stamp(peerKey(dest.host, dest.port)));
      payload.set(data, SEQUENCE_HEADER_BYTES);
    }
    if (payload.length > MAX_UDP_PAYLOAD) {
      return Promise.reject(
        new MessageTooLargeError(`datagram of ${payload.length} bytes exceeds the UDP limit of ${MAX_UDP_PAYLOAD}`, { size: payload.length, limit: MAX_UDP_PAYLOAD }),
      );
    }
    return new Promise((resolve, reject) => {
      this.socket.send(payload, dest.port, dest.host, (err) => {
        if (err) return reject(translateSendError(err, payload.length, dest));
        this.counters.sent++;
        this.counters.bytesSent += payload.length;
        resolve();
      });
    });
  }

  receive(opts?: WaitOptions): Promise<Datagram> {
    // A queued datagram is handed over at once; the wait's name is made once, not per call.
    const queued = this.queue.tryTake();
    if (queued !== undefined) return Promise.resolve(queued);
    return this.queue.take(opts, this.receiveWhat).then(this.openOrClosed);
  }

  private readonly openOrClosed = (datagram: Datagram | null): Datagram => {
    if (datagram === null) throw new ClosedError(`${formatAddress(this.address)} is closed`);
    return datagram;
  };

  tryReceive(): Datagram | undefined {
    return this.queue.tryTake();
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return iterateQueue(() => this.queue.take(undefined, 'iterate'), () => this.queue.tryTake(), this.queue);
  }

  stats(): DatagramStats {
    return { ...this.counters };
  }

  senderStats(): SenderStats[] {
    return [...this.senders.values()].map((s) => s.tracker.snapshot());
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const s of this.senders.values()) s.reorderer?.dispose();
      this.queue.end();
      this.socket.close(() => resolve());
    });
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private destination(to: AddressLike): InetAddress {
    if (typeof to !== 'string') return to.transport === 'udp' ? to : parseInetAddress(to, 'udp');
    if (this.lastTo?.text !== to) this.lastTo = { text: to, address: parseInetAddress(to, 'udp') };
    return this.lastTo.address;
  }

  private onMessage(msg: Buffer, host: string, port: number): void {
    const c = this.counters;
    c.received++;
    c.bytesReceived += msg.length;
    // Datagrams from the sender heard last share one (immutable) address object: no allocation per datagram.
    let from = this.lastFrom;
    if (from === undefined || from.port !== port || from.host !== host) from = this.lastFrom = { transport: 'udp', host, port };
    if (!this.sequencing) {
      this.accept(msg, from, undefined);
      return;
    }
    const header = readSequenceHeader(msg);
    if (!header) {
      c.malformed++;
      return;
    }
    const key = peerKey(host, port);
    const sender = this.senderState(key, header);
    const restartsBefore = sender.tracker.restarts;
    const arrival = sender.tracker.observe(header);
    if (sender.reorderer && sender.tracker.restarts !== restartsBefore) {
      sender.reorderer.reset(this.sequencing.startAtFirstSeen ? header.seq : 1);
    }
    if (arrival === 'duplicate' && !this.sequencing.keepDuplicates) {
      c.discardedBySequencing++;
      return;
    }
    const payload = msg.subarray(SEQUENCE_HEADER_BYTES);
    if (!sender.reorderer) {
      this.accept(payload, from, header.seq);
      return;
    }
    const datagram = this.datagram(payload, from, header.seq);
    if (datagram && !sender.reorderer.offer(header.seq, datagram)) c.discardedBySequencing++;
  }

  private senderState(key: string, header: { epoch: number; seq: number }): SenderState {
    let state = this.senders.get(key);
    const seq = this.sequencing!;
    if (!state) {
      if (this.senders.size >= seq.maxSenders) {
        const [oldestKey, oldest] = this.senders.entries().next().value as [string, SenderState];
        oldest.reorderer?.dispose();
        this.senders.delete(oldestKey);
      }
      state = { tracker: new SequenceTracker(key, seq.window, header, seq.startAtFirstSeen) };
      if (seq.ordered) {
        const first = seq.startAtFirstSeen ? header.seq : 1;
        state.reorderer = new Reorderer<Datagram>(first, seq.window, seq.gapTimeout, this.clock, (d) => this.enqueue(d));
      }
    } else {
      this.senders.delete(key); // re-inserted below: the map stays in least-recently-heard order
    }
    this.senders.set(key, state);
    return state;
  }

  private accept(payload: Uint8Array, from: InetAddress, seq: number | undefined): void {
    const datagram = this.datagram(payload, from, seq);
    if (datagram) this.enqueue(datagram);
  }

  // Applies the fixed receive buffer: cut (and flag) or reject a payload larger than it.
  private datagram(payload: Uint8Array, from: InetAddress, seq: number | undefined): Datagram | undefined {
    const size = payload.length;
    const truncated = size > this.receiveBufferSize;
    if (truncated) {
      if (this.rejectOversize) {
        this.counters.rejected++;
        return undefined;
      }
      this.counters.truncated++;
      payload = payload.subarray(0, this.receiveBufferSize);
    }
    return seq === undefined ? { data: payload, from, truncated, size } : { data: payload, from, truncated, size, seq };
  }

  private enqueue(datagram: Datagram): void {
    if (!this.queue.push(datagram)) this.counters.dropped++;
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`, { [name]: value });
  return value;
}

function translateSendError(err: NodeJS.ErrnoException, size: number, to: InetAddress): Error {
  if (err.code === 'EMSGSIZE') {
    return new MessageTooLargeError(`datagram of ${size} bytes is larger than the path to ${formatAddress(to)} allows`, { size });
  }
  return err;
}
