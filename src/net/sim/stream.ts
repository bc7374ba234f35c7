import { ClosedError, ConnectionBrokenError, InvalidArgumentError, MessageTooLargeError } from '../../errors.ts';
import { formatAddress, type InetAddress } from '../address.ts';
import { iterateQueue, MessageQueue } from '../queue.ts';
import type { MessageStream, SendOptions, StreamStats } from '../stream.ts';
import { STREAM_DEFAULTS } from '../tcp-stream.ts';
import type { TimerTarget } from '../virtual-clock.ts';
import { boundedWait, type Settler, type WaitOptions } from '../wait.ts';
import type { SimNetwork } from './network.ts';

export interface SimStreamOptions {
  /** Largest message sent, bytes. Default 64 MiB (STREAM_DEFAULTS). */
  readonly maxMessageBytes?: number;
  /** `send` waits while more than this many bytes are on their way to the peer application. Default 1 MiB. */
  readonly highWaterMark?: number;
  /** Arrivals wait in the network while more than this many received bytes are unread. Default 1 MiB. */
  readonly receiveHighWaterMark?: number;
  /** ...or while this many messages are unread. Default 65,536. */
  readonly maxQueuedMessages?: number;
  /** Traffic blocked by a partition is retried this often, ms (virtual). Default 200. */
  readonly retransmitInterval?: number;
  /** Traffic blocked this long breaks the connection (ERR_CONNECTION_BROKEN on both ends), ms. Default 3000. */
  readonly breakTimeout?: number;
}

/** Defaults of simulated streams beyond STREAM_DEFAULTS, cited by the docs and tests. */
export const SIM_STREAM_DEFAULTS = Object.freeze({ retransmitInterval: 200, breakTimeout: 3000 });

const DATA = 1;
const CONFIRM = 2;
const END = 3;
const ACK = 4;
/** Bytes a control item or a message header occupies on the link (as a courier frame header would). */
const HEADER_BYTES = 5;

interface Item {
  readonly kind: number;
  readonly body: Uint8Array | undefined;
  /** For ACK: messages taken so far (raised in place while the ACK waits, so ACKs coalesce). */
  count: number;
  readonly at: number;
}

const RESOLVED = Promise.resolve();

/**
 * One end of a simulated connection, behind the MessageStream interface: messages arrive whole and in
 * order after the link's latency and bandwidth; `send` waits above the high-water mark; `confirm` waits for
 * the peer application; `end` half-closes. Traffic a partition blocks is retried, and if the partition
 * lasts `breakTimeout` the connection breaks with ERR_CONNECTION_BROKEN on both ends, as TCP's would.
 * What a simulation leaves out: segment loss is not modelled (TCP hides it but for delay), and window
 * updates reach the sender at once.
 */
export class SimMessageStream implements MessageStream, TimerTarget {
  readonly localAddress: InetAddress;
  readonly remoteAddress: InetAddress;
  /** The other end; set when the connection is made. */
  peer!: SimMessageStream;
  /** Called once when this end is closed, destroyed or broken (a listener stops counting it). */
  onFinished: (() => void) | undefined;
  private readonly queue: MessageQueue<Uint8Array>;
  private readonly hwm: number;
  private readonly receiveHwm: number;
  private readonly maxQueued: number;
  private readonly maxMessageBytes: number;
  private readonly retransmitInterval: number;
  private readonly breakTimeout: number;
  private readonly link: number;
  private readonly localHost: number;
  private readonly remoteHost: number;
  private readonly peerText: string;
  private readonly localText: string;
  // Messages handed to the peer so far (numbers them in the trace).
  private traced = 0;

  // Sending side: items on their way to the peer, oldest first.
  private readonly outbound: Item[] = [];
  private lastArrival = 0;
  private blockedSince = -1;
  private retryScheduled = false;
  private sent = 0;
  private bytesSent = 0;
  private confirmed = 0;
  private inFlightBytes = 0;
  private readonly drainWaiters: Settler<void>[] = [];
  private readonly confirmWaiters: { seq: number; settler: Settler<void> }[] = [];
  private ended = false;

  // Receiving side: arrivals held while the application is behind, then the application's queue.
  private readonly held: Item[] = [];
  private unreadBytes = 0;
  private received = 0;
  private bytesReceived = 0;
  private consumed = 0;
  private readPauses = 0;

  private failure: Error | undefined;
  private localClosed = false;

  /** Use `network.connect` / `listener.accept`. */
  constructor(
    private readonly network: SimNetwork,
    local: InetAddress,
    remote: InetAddress,
    options: SimStreamOptions,
    /** The port reservation this end holds, released on close (-1: none). */
    private readonly reservation: number,
  ) {
    this.localAddress = local;
    this.remoteAddress = remote;
    this.peerText = formatAddress(remote);
    this.localText = formatAddress(local);
    this.hwm = positive(options.highWaterMark ?? STREAM_DEFAULTS.highWaterMark, 'highWaterMark');
    this.receiveHwm = positive(options.receiveHighWaterMark ?? STREAM_DEFAULTS.receiveHighWaterMark, 'receiveHighWaterMark');
    this.maxQueued = positive(options.maxQueuedMessages ?? STREAM_DEFAULTS.maxQueuedMessages, 'maxQueuedMessages');
    this.maxMessageBytes = positive(options.maxMessageBytes ?? STREAM_DEFAULTS.maxMessageBytes, 'maxMessageBytes');
    this.retransmitInterval = positive(options.retransmitInterval ?? SIM_STREAM_DEFAULTS.retransmitInterval, 'retransmitInterval');
    this.breakTimeout = positive(options.breakTimeout ?? SIM_STREAM_DEFAULTS.breakTimeout, 'breakTimeout');
    this.localHost = network.hostId(local.host);
    this.remoteHost = network.hostId(remote.host);
    this.link = network.links.id(this.localHost, this.remoteHost);
    // The count bound is enforced by holding arrivals back; the queue's own bound is a backstop above it.
    this.queue = new MessageQueue<Uint8Array>(this.maxQueued + 1, network.clock, (m) => this.onTaken(m));
  }

  get readable(): boolean {
    return this.queue.readable || this.localClosed;
  }

  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  send(message: Uint8Array, opts?: SendOptions): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended || this.localClosed) return Promise.reject(new ClosedError('cannot send after end() or close()', { peer: this.peerText }));
    if (message.length > this.maxMessageBytes) {
      return Promise.reject(
        new MessageTooLargeError(`message of ${message.length} bytes exceeds maxMessageBytes (${this.maxMessageBytes})`, { size: message.length, limit: this.maxMessageBytes }),
      );
    }
    const seq = ++this.sent;
    this.bytesSent += message.length;
    this.inFlightBytes += message.length;
    const confirm = opts?.confirm === true;
    this.transmit(confirm ? CONFIRM : DATA, message.slice(), 0);
    if (confirm) {
      return boundedWait<void>(
        (settler) => {
          const entry = { seq, settler };
          this.confirmWaiters.push(entry);
          return () => remove(this.confirmWaiters, entry);
        },
        opts,
        this.network.clock,
        `confirmation of message ${seq}`,
      );
    }
    if (this.inFlightBytes <= this.hwm) return RESOLVED;
    return boundedWait<void>(
      (settler) => {
        this.drainWaiters.push(settler);
        return () => remove(this.drainWaiters, settler);
      },
      opts,
      this.network.clock,
      'send (waiting for the peer to read)',
    );
  }

  receive(opts?: WaitOptions): Promise<Uint8Array | null> {
    if (this.localClosed) return Promise.reject(new ClosedError('stream closed', { peer: this.peerText }));
    return this.queue.take(opts, `receive from ${this.peerText}`);
  }

  tryReceive(): Uint8Array | null | undefined {
    if (this.localClosed) throw new ClosedError('stream closed', { peer: this.peerText });
    const message = this.queue.tryTake();
    if (message !== undefined) return message;
    if (!this.queue.closed) return undefined;
    if (this.failure) throw this.failure;
    return null;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return iterateQueue(() => this.receive());
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.ended) return;
    this.ended = true;
    this.transmit(END, undefined, 0);
  }

  async close(): Promise<void> {
    if (this.localClosed) return;
    if (!this.failure && !this.ended) {
      this.ended = true;
      this.transmit(END, undefined, 0);
    }
    this.localClosed = true;
    this.held.length = 0;
    this.queue.discard();
    this.queue.end();
    this.unreadBytes = 0;
    this.release();
  }

  destroy(): void {
    if (this.localClosed && this.failure) return;
    const wasOpen = !this.failure;
    this.localClosed = true;
    this.fail(new ClosedError('stream destroyed locally', { peer: this.peerText }));
    // The reset overtakes whatever is queued, as a TCP RST does.
    if (wasOpen) this.network.clock.post(this.peer, -1, this.network.links.sampleLatency(this.link, this.localHost, this.remoteHost));
    this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Cuts the connection as a network or host failure would: both ends fail now with ERR_CONNECTION_BROKEN
   * (queued messages are still read first). A simulation-only control, like a partition. Idempotent.
   */
  sever(reason = 'the connection was cut'): void {
    this.fail(this.broken(reason));
    this.peer.fail(this.peer.broken(reason));
  }

  stats(): StreamStats {
    return {
      messagesSent: this.sent,
      bytesSent: this.bytesSent,
      confirmed: this.confirmed,
      messagesReceived: this.received,
      bytesReceived: this.bytesReceived,
      bufferedBytes: this.inFlightBytes,
      unreadBytes: this.unreadBytes,
      readPauses: this.readPauses,
    };
  }

  /** Called by the clock: tag -1 is the peer's reset arriving, anything else an item due. */
  fire(tag: number): void {
    if (tag === -1) {
      if (!this.failure) this.fail(this.broken('the peer reset the connection'));
      return;
    }
    this.retryScheduled = false;
    this.pump();
  }

  /** Breaks this end with `err` (used for both ends when the connection breaks). */
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.outbound.length = 0;
    this.held.length = 0;
    this.queue.fail(err);
    for (const w of this.confirmWaiters.splice(0)) w.settler.reject(err);
    for (const w of this.drainWaiters.splice(0)) w.reject(err);
    this.release();
  }

  // ---- sending ----

  private transmit(kind: number, body: Uint8Array | undefined, count: number): void {
    const bytes = HEADER_BYTES + (body ? body.length : kind === ACK ? 8 : 0);
    const net = this.network;
    const now = net.clock.now();
    let departs = net.links.serialise(this.link, bytes);
    if (departs < 0) departs = now; // a stream's bytes wait in its own buffer, bounded by the high-water mark
    let at = departs + net.links.sampleLatency(this.link, this.localHost, this.remoteHost);
    if (at < this.lastArrival) at = this.lastArrival; // a stream delivers in order whatever the jitter
    this.lastArrival = at;
    this.outbound.push({ kind, body, count, at });
    net.clock.post(this, 0, at - now);
  }

  // Hands the peer every item that is due, unless a partition blocks the path.
  private pump(): void {
    const now = this.network.clock.now();
    while (this.outbound.length > 0 && this.outbound[0]!.at <= now) {
      if (this.network.separated(this.localHost, this.remoteHost)) {
        if (this.blockedSince < 0) this.blockedSince = now;
        if (now - this.blockedSince >= this.breakTimeout) {
          const reason = `the network delivered nothing to ${this.peerText} for ${this.breakTimeout} ms (a partition, or the peer's host failed)`;
          const err = this.broken(reason);
          this.fail(err);
          this.peer.fail(this.peer.broken(reason));
          return;
        }
        if (!this.retryScheduled) {
          this.retryScheduled = true;
          this.network.clock.post(this, 0, this.retransmitInterval);
        }
        return;
      }
      this.blockedSince = -1;
      const item = this.outbound.shift()!;
      if (item.body && this.network.trace) this.network.trace(now, 'stream', this.localText, this.peerText, ++this.traced, item.body.length);
      this.peer.arrive(item);
    }
  }

  // ---- receiving ----

  private arrive(item: Item): void {
    if (this.failure) return;
    if (item.kind === ACK) return this.onAck(item.count);
    if (this.localClosed) {
      // Closed here: data is discarded unread (and stays unconfirmed), as a real close does.
      if (item.body) this.peer.onDelivered(item.body.length);
      return;
    }
    if (this.held.length > 0 || this.behind()) {
      if (this.held.length === 0) this.readPauses++;
      this.held.push(item);
      return;
    }
    this.accept(item);
  }

  private behind(): boolean {
    return this.unreadBytes > this.receiveHwm || this.queue.size >= this.maxQueued;
  }

  private accept(item: Item): void {
    if (item.kind === END) {
      this.queue.end();
      return;
    }
    const body = item.body!;
    this.received++;
    this.bytesReceived += body.length;
    this.unreadBytes += body.length;
    this.queue.push(body);
    this.peer.onDelivered(body.length);
  }

  private onTaken(message: Uint8Array): void {
    this.consumed++;
    this.unreadBytes -= message.length;
    while (this.held.length > 0 && !this.behind()) this.accept(this.held.shift()!);
    if (this.failure) return;
    // Every take is acknowledged, so the sender knows what was confirmed if the connection breaks later.
    const last = this.outbound[this.outbound.length - 1];
    if (last?.kind === ACK) last.count = this.consumed;
    else this.transmit(ACK, undefined, this.consumed);
  }

  // The peer's application queue took `bytes` of ours: they no longer count against the high-water mark.
  private onDelivered(bytes: number): void {
    this.inFlightBytes -= bytes;
    if (this.inFlightBytes <= this.hwm) for (const w of this.drainWaiters.splice(0)) w.resolve();
  }

  private onAck(count: number): void {
    if (count > this.confirmed) this.confirmed = count;
    while (this.confirmWaiters.length > 0 && this.confirmWaiters[0]!.seq <= this.confirmed) this.confirmWaiters.shift()!.settler.resolve();
  }

  private broken(reason: string): ConnectionBrokenError {
    return new ConnectionBrokenError(reason, { peer: this.peerText, sent: this.sent, confirmed: this.confirmed });
  }

  private release(): void {
    this.onFinished?.();
    this.onFinished = undefined;
    if (this.reservation >= 0) this.network.unregister(this.reservation);
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function positive(value: number, name: string): number {
  if (!(value > 0 && Number.isFinite(value))) throw new InvalidArgumentError(`${name} must be a positive number, got ${value}`, { [name]: value });
  return value;
}
