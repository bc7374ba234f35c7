import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { randomInt } from 'node:crypto';
import { AddressInUseError, ClosedError, InvalidAddressError, MessageTooLargeError } from '../errors.ts';
import { formatAddress, ipFamily, parseInetAddress, peerKey, type AddressLike, type InetAddress } from './address.ts';
import { realClock, type Clock } from './clock.ts';
import type { Datagram, DatagramEndpoint, DatagramStats } from './datagram.ts';
import { DatagramInbox, type InboxOptions } from './inbox.ts';
import { iterateQueue, type MessageQueue } from './queue.ts';
import { SEQUENCE_HEADER_BYTES, writeSequenceHeader, type SenderStats } from './sequencing.ts';
import type { WaitOptions } from './wait.ts';

/** Largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes). */
export const MAX_UDP_PAYLOAD = 65_507;

export type { SequencingOptions } from './inbox.ts';
export { UDP_DEFAULTS } from './inbox.ts';

export interface UdpOptions extends InboxOptions {
  /** Share the port with other sockets (SO_REUSEADDR), as multicast receivers do. Default false. */
  readonly reusePort?: boolean;
  /** The kernel's socket buffer sizes (SO_RCVBUF/SO_SNDBUF), bytes. Default: the system's. */
  readonly socketReceiveBuffer?: number;
  readonly socketSendBuffer?: number;
  readonly clock?: Clock;
}

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

/** A bound UDP socket behind the `DatagramEndpoint` interface. */
export class UdpEndpoint implements DatagramEndpoint {
  readonly address: InetAddress;
  private readonly inbox: DatagramInbox<string>;
  private readonly queue: MessageQueue<Datagram>;
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
    this.inbox = new DatagramInbox<string>(options, options.clock ?? realClock, () => randomInt(0x1_0000_0000) / 0x1_0000_0000, (key) => key);
    this.queue = this.inbox.queue;
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
    const stamper = this.inbox.stamper;
    if (stamper) {
      payload = new Uint8Array(SEQUENCE_HEADER_BYTES + data.length);
      writeSequenceHeader(payload, stamper.epoch, stamper.stamp(peerKey(dest.host, dest.port)));
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
        this.inbox.counters.sent++;
        this.inbox.counters.bytesSent += payload.length;
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
    return { ...this.inbox.counters };
  }

  senderStats(): SenderStats[] {
    return this.inbox.senderStats();
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.inbox.close();
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
    // Datagrams from the sender heard last share one (immutable) address object: no allocation per datagram.
    let from = this.lastFrom;
    if (from === undefined || from.port !== port || from.host !== host) from = this.lastFrom = { transport: 'udp', host, port };
    if (this.inbox.sequencing) this.inbox.arriveSequenced(msg, from, peerKey(host, port));
    else this.inbox.arrive(msg, from);
  }
}

function translateSendError(err: NodeJS.ErrnoException, size: number, to: InetAddress): Error {
  if (err.code === 'EMSGSIZE') {
    return new MessageTooLargeError(`datagram of ${size} bytes is larger than the path to ${formatAddress(to)} allows`, { size });
  }
  return err;
}
