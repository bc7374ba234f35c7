import type { Socket } from 'node:net';
import { ClosedError, ConnectionBrokenError, CourierError, InvalidArgumentError, MessageTooLargeError, ProtocolError, TooManyConnectionsError } from '../errors.ts';
import { formatAddress, type Address } from './address.ts';
import { realClock, type Clock } from './clock.ts';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder, FrameKind, writeFrameHeader } from './framing.ts';
import { iterateQueue, MessageQueue } from './queue.ts';
import type { MessageStream, SendOptions, StreamStats } from './stream.ts';
import { boundedWait, type Settler, type WaitOptions } from './wait.ts';

export interface StreamOptions {
  /** Largest message sent or accepted, bytes. Default 64 MiB. */
  readonly maxMessageBytes?: number;
  /** `send` waits while more than this many bytes are buffered for the network. Default 1 MiB. */
  readonly highWaterMark?: number;
  /** Reading from the network pauses while more than this many received bytes are unread. Default 1 MiB. */
  readonly receiveHighWaterMark?: number;
  /** Reading also pauses while this many received messages are unread. Default 65,536. */
  readonly maxQueuedMessages?: number;
  /** Declare the connection broken when nothing arrives for this long, ms (0 = never). Default 0. */
  readonly idleTimeout?: number;
  /** Send a heartbeat when nothing was sent for this long, ms (0 = none). Default: idleTimeout / 3. */
  readonly heartbeatInterval?: number;
  /** After `close()`, wait this long for the peer to finish before resetting the connection, ms. Default 5000. */
  readonly lingerTimeout?: number;
  readonly clock?: Clock;
}

/** Defaults for message streams, cited by the docs and tests. */
export const STREAM_DEFAULTS = Object.freeze({
  maxMessageBytes: 64 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
  receiveHighWaterMark: 1024 * 1024,
  maxQueuedMessages: 65_536,
  idleTimeout: 0,
  lingerTimeout: 5000,
});

// Messages up to this size are copied into a shared write buffer so that many become one write;
// larger ones are written as they are, without a copy.
const COPY_LIMIT = 8 * 1024;
// A batch is written once it holds this much, even before the end of the tick.
const FLUSH_BYTES = 64 * 1024;
const SLAB_BYTES = 256 * 1024;

/**
 * What `send` returns when it accepted a message without waiting: a caller sending many small messages can
 * compare with it and skip awaiting (MPI's eager sends complete on the spot that way).
 */
export const SENT: Promise<void> = Promise.resolve();
const RESOLVED = SENT;
const HELLO_MAGIC = [0x43, 0x52, 0x52, 1]; // "CRR", version 1

/** A message stream over a connected Node socket (TCP or a Unix domain socket). */
export class TcpMessageStream implements MessageStream {
  readonly localAddress: Address;
  readonly remoteAddress: Address;
  private readonly clock: Clock;
  private readonly queue: MessageQueue<Uint8Array>;
  private readonly decoder: FrameDecoder;
  private readonly hwm: number;
  private readonly receiveHwm: number;
  private readonly maxQueued: number;
  private readonly idleTimeout: number;
  private readonly heartbeatInterval: number;
  private readonly peerText: string;
  // Named once: receive() is on the hot path and a wait's name is only read if it times out.
  private readonly receiveWhat: string;
  private maxSendBytes: number;

  // Sending: a slab that small frames are copied into; [slabStart, slabEnd) is not yet written.
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private slabStart = 0;
  private slabEnd = 0;
  private flushScheduled = false;
  private socketBytesAtWrite = 0;
  private sent = 0;
  private bytesSent = 0;
  private confirmed = 0;
  private readonly confirmWaiters: { seq: number; settler: Settler<void> }[] = [];
  private readonly drainWaiters: Settler<void>[] = [];
  private ended = false;
  private socketEnded = false;

  // Receiving.
  private received = 0;
  private bytesReceived = 0;
  private consumed = 0;
  private acked = 0;
  private ackScheduled = false;
  private readonly ackBody = new Uint8Array(8);
  private readonly ackView = new DataView(this.ackBody.buffer);
  private readonly confirmAt: number[] = [];
  private unreadBytes = 0;
  private paused = false;
  private readPauses = 0;
  private peerGreeted = false;
  private peerEnded = false;

  private failure: Error | undefined;
  private localClosed = false;
  private closing: Promise<void> | undefined;
  private readonly socketClosed: Promise<void>;
  private readonly greeting: { promise: Promise<void>; settler: Settler<void> };
  private lastHeard = 0;
  private lastWrite = 0;
  private cancelTick: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    localAddress: Address,
    remoteAddress: Address,
    private readonly options: StreamOptions = {},
    refusal?: CourierError,
  ) {
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
    this.clock = options.clock ?? realClock;
    this.peerText = formatAddress(remoteAddress);
    this.receiveWhat = `receive from ${this.peerText}`;
    this.idleTimeout = options.idleTimeout ?? STREAM_DEFAULTS.idleTimeout;
    this.heartbeatInterval = options.heartbeatInterval ?? Math.floor(this.idleTimeout / 3);
    this.hwm = positive(options.highWaterMark ?? STREAM_DEFAULTS.highWaterMark, 'highWaterMark');
    this.receiveHwm = positive(options.receiveHighWaterMark ?? STREAM_DEFAULTS.receiveHighWaterMark, 'receiveHighWaterMark');
    this.maxQueued = positive(options.maxQueuedMessages ?? STREAM_DEFAULTS.maxQueuedMessages, 'maxQueuedMessages');
    const maxMessage = positive(options.maxMessageBytes ?? STREAM_DEFAULTS.maxMessageBytes, 'maxMessageBytes');
    this.maxSendBytes = maxMessage;
    // The byte bound (receiveHighWaterMark) is what limits memory; the count here only guards against
    // floods of empty messages beyond what one network chunk can hold after reading paused.
    this.queue = new MessageQueue<Uint8Array>(this.maxQueued + 65_536, this.clock, (m) => this.onTaken(m));
    this.decoder = new FrameDecoder(maxMessage, (kind, body) => this.onFrame(kind, body));
    let settle!: Settler<void>;
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    promise.catch(() => undefined); // observed by connect(); a server-side stream may never ask
    this.greeting = { promise, settler: settle };

    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onPeerFin());
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(this.broken(describeSocketError(err), err)));
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.onSocketClose());

    if (refusal) {
      this.write(encodeFrame(FrameKind.Refuse, Buffer.from(`${refusal.code} ${refusal.message}`)));
      this.socketEnded = true;
      socket.end();
      return;
    }
    const hello = new Uint8Array(8);
    hello.set(HELLO_MAGIC);
    new DataView(hello.buffer).setUint32(4, maxMessage);
    this.appendFrame(FrameKind.Hello, hello);
    this.flush();
    this.startTicking();
  }

  /** Resolves once the peer's greeting arrived; rejects if it refused the connection or is not courier. */
  ready(opts?: WaitOptions): Promise<void> {
    return boundedWait<void>(
      (settler) => {
        this.greeting.promise.then(() => settler.resolve(), (err: unknown) => settler.reject(err));
        return () => undefined;
      },
      opts,
      this.clock,
      `handshake with ${formatAddress(this.remoteAddress)}`,
    );
  }

  get readable(): boolean {
    return this.queue.readable || this.localClosed;
  }

  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  /** Bytes accepted by `send` and not yet handed to the operating system. */
  get bufferedBytes(): number {
    return this.socket.writableLength + (this.slabEnd - this.slabStart);
  }

  send(message: Uint8Array, opts?: SendOptions): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended || this.localClosed) return Promise.reject(new ClosedError('cannot send after end() or close()', { peer: this.peerText }));
    if (this.socketEnded) return Promise.reject(new ClosedError('the peer has closed the connection', { peer: this.peerText }));
    if (message.length > this.maxSendBytes) {
      return Promise.reject(
        new MessageTooLargeError(`message of ${message.length} bytes exceeds maxMessageBytes (${this.maxSendBytes}) of this stream or its peer`, {
          size: message.length,
          limit: this.maxSendBytes,
        }),
      );
    }
    const seq = ++this.sent;
    this.bytesSent += message.length;
    const confirm = opts?.confirm === true;
    this.appendFrame(confirm ? FrameKind.DataConfirm : FrameKind.Data, message);
    if (confirm) {
      this.flush();
      return this.waitFor(
        (settler) => {
          const entry = { seq, settler };
          this.confirmWaiters.push(entry);
          return () => remove(this.confirmWaiters, entry);
        },
        opts,
        `confirmation of message ${seq}`,
      );
    }
    this.scheduleFlush();
    // The socket's buffer only shrinks between our writes, so the size seen at the last write bounds it:
    // most sends are decided without asking the socket.
    if (this.socketBytesAtWrite + (this.slabEnd - this.slabStart) <= this.hwm || this.bufferedBytes <= this.hwm) return RESOLVED;
    this.flush();
    return this.waitFor(
      (settler) => {
        this.drainWaiters.push(settler);
        return () => remove(this.drainWaiters, settler);
      },
      opts,
      'send (waiting for the peer to read)',
    );
  }

  receive(opts?: WaitOptions): Promise<Uint8Array | null> {
    if (this.localClosed) return Promise.reject(new ClosedError('stream closed', { peer: this.peerText }));
    return this.queue.take(opts, this.receiveWhat);
  }

  tryReceive(): Uint8Array | null | undefined {
    if (this.localClosed) throw new ClosedError('stream closed', { peer: this.peerText });
    const message = this.queue.tryTake();
    if (message !== undefined) return message;
    if (!this.queue.closed) return undefined;
    if (this.failure) throw this.failure;
    return null;
  }

  // The iterator's fast path: a queued message without a promise wait; end-of-stream and failures are left
  // to receive(), which reports them exactly as it always does.
  private readonly pollMessage = (): Uint8Array | undefined => {
    if (this.localClosed) throw new ClosedError('stream closed', { peer: this.peerText });
    return this.queue.tryTake();
  };

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return iterateQueue(() => this.receive(), this.pollMessage, this.queue);
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.ended) return;
    this.ended = true;
    this.appendFrame(FrameKind.End, EMPTY);
    this.flush();
    this.maybeFinish();
  }

  close(): Promise<void> {
    this.closing ??= this.closeGracefully();
    return this.closing;
  }

  private async closeGracefully(): Promise<void> {
    this.localClosed = true;
    if (!this.failure) {
      if (!this.ended) {
        this.ended = true;
        this.appendFrame(FrameKind.End, EMPTY);
      }
      this.flush();
      // Unread input is discarded: the peer's unconfirmed messages stay unconfirmed, as they should.
      this.queue.discard();
      this.queue.end();
      this.unreadBytes = 0;
      if (this.paused) this.socket.resume();
      if (!this.socketEnded) {
        this.socketEnded = true;
        this.socket.end();
      }
      const linger = this.options.lingerTimeout ?? STREAM_DEFAULTS.lingerTimeout;
      const cancel = this.clock.setTimer(() => this.socket.destroy(), linger);
      await this.socketClosed;
      cancel();
    } else {
      this.socket.destroy();
      await this.socketClosed;
    }
  }

  destroy(): void {
    this.localClosed = true;
    // Reset first: fail() would otherwise close gracefully, and the peer would see a FIN, not a reset.
    // Only TCP has a reset, and only before our side has finished (Node 20 stalls resetting a socket
    // that already sent its FIN); otherwise a plain close.
    if (!this.socket.destroyed) {
      // (A TLS socket cannot be reset either: its handle is not a plain TCP one.)
      if (this.remoteAddress.transport === 'tcp' && !this.socket.writableEnded && !('encrypted' in this.socket)) this.socket.resetAndDestroy();
      else this.socket.destroy();
    }
    this.fail(new ClosedError('stream destroyed locally', { peer: this.peerText }));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  stats(): StreamStats {
    return {
      messagesSent: this.sent,
      bytesSent: this.bytesSent,
      confirmed: this.confirmed,
      messagesReceived: this.received,
      bytesReceived: this.bytesReceived,
      bufferedBytes: this.bufferedBytes,
      unreadBytes: this.unreadBytes,
      readPauses: this.readPauses,
    };
  }

  private waitFor(start: (settler: Settler<void>) => () => void, opts: WaitOptions | undefined, what: string): Promise<void> {
    return boundedWait<void>(start, opts, this.clock, what);
  }

  // ---- writing ----

  private appendFrame(kind: FrameKind, body: Uint8Array): void {
    const length = body.length;
    if (length <= COPY_LIMIT) {
      if (SLAB_BYTES - this.slabEnd < FRAME_HEADER_BYTES + length) this.flush(true);
      writeFrameHeader(this.slab, this.slabEnd, kind, length);
      this.slab.set(body, this.slabEnd + FRAME_HEADER_BYTES);
      this.slabEnd += FRAME_HEADER_BYTES + length;
      if (this.slabEnd - this.slabStart >= FLUSH_BYTES) this.flush();
      return;
    }
    if (SLAB_BYTES - this.slabEnd < FRAME_HEADER_BYTES) this.flush(true);
    writeFrameHeader(this.slab, this.slabEnd, kind, length);
    this.slabEnd += FRAME_HEADER_BYTES;
    this.flush();
    this.write(body);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flushTick);
  }

  private readonly flushTick = () => {
    this.flushScheduled = false;
    // An acknowledgement that is owed rides in the same write as the data (a reply, say), instead of
    // costing both sides a write and a read of its own.
    this.appendAck();
    this.flush();
  };

  // Writes what is batched in the slab; with `fresh`, continues in a new slab.
  private flush(fresh = false): void {
    if (this.slabEnd > this.slabStart) {
      this.write(this.slab.subarray(this.slabStart, this.slabEnd));
      this.slabStart = this.slabEnd;
    }
    if (fresh || SLAB_BYTES - this.slabEnd < 64) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabStart = this.slabEnd = 0;
    }
  }

  private write(chunk: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (this.heartbeatInterval > 0) this.lastWrite = this.clock.now();
    this.socket.write(chunk, this.onWritten);
    this.socketBytesAtWrite = this.socket.writableLength;
  }

  private readonly onWritten = (err?: Error | null) => {
    if (err || this.drainWaiters.length === 0 || this.bufferedBytes > this.hwm) return;
    for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
  };

  private sendAck(): void {
    this.ackScheduled = false;
    if (this.appendAck()) this.flush();
  }

  // Batches a cumulative acknowledgement of every message taken so far, if one is owed; true if it did.
  private appendAck(): boolean {
    if (this.acked === this.consumed || this.failure || this.socketEnded) return false;
    this.acked = this.consumed;
    // u64 big-endian, written as two halves: no BigInt and no new buffer per acknowledgement.
    this.ackView.setUint32(0, Math.floor(this.consumed / 0x1_0000_0000));
    this.ackView.setUint32(4, this.consumed >>> 0);
    this.appendFrame(FrameKind.Ack, this.ackBody);
    return true;
  }

  private readonly ackLater = () => this.sendAck();

  // ---- reading ----

  private onData(chunk: Buffer): void {
    if (this.idleTimeout > 0) this.lastHeard = this.clock.now();
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.fail(err instanceof CourierError ? err : this.broken('undecodable input', err));
    }
  }

  private onFrame(kind: FrameKind, body: Uint8Array): void {
    if (this.failure) return;
    if (!this.peerGreeted) return this.onGreeting(kind, body);
    switch (kind) {
      case FrameKind.Data:
      case FrameKind.DataConfirm:
        return this.onMessage(kind, body);
      case FrameKind.Ack:
        return this.onAck(body);
      case FrameKind.End:
        this.peerEnded = true;
        this.queue.end();
        this.maybeFinish();
        return;
      case FrameKind.Ping:
        this.appendFrame(FrameKind.Pong, EMPTY);
        this.scheduleFlush();
        return;
      case FrameKind.Pong:
        return;
      default:
        this.fail(new ProtocolError(`unexpected frame kind 0x${(kind as number).toString(16)} from ${this.peerText}`, { peer: this.peerText }));
    }
  }

  private onGreeting(kind: FrameKind, body: Uint8Array): void {
    if (kind === FrameKind.Refuse) {
      const text = Buffer.from(body).toString();
      const space = text.indexOf(' ');
      const reason = text.slice(space + 1);
      const err =
        text.startsWith('ERR_TOO_MANY_CONNECTIONS')
          ? new TooManyConnectionsError(reason, { peer: this.peerText })
          : new ProtocolError(`the peer refused the connection: ${text}`, { peer: this.peerText });
      return this.fail(err);
    }
    if (kind !== FrameKind.Hello || body.length < 8 || HELLO_MAGIC.some((b, i) => body[i] !== b)) {
      return this.fail(new ProtocolError(`${this.peerText} does not speak courier's stream protocol`, { peer: this.peerText }));
    }
    this.peerGreeted = true;
    const peerMax = new DataView(body.buffer, body.byteOffset, body.length).getUint32(4);
    this.maxSendBytes = Math.min(this.maxSendBytes, peerMax);
    this.greeting.settler.resolve();
  }

  private onMessage(kind: FrameKind, body: Uint8Array): void {
    if (this.peerEnded) return this.fail(new ProtocolError('message after end-of-stream', { peer: this.peerText }));
    this.received++;
    this.bytesReceived += body.length;
    if (this.localClosed) return;
    if (kind === FrameKind.DataConfirm) this.confirmAt.push(this.received);
    this.unreadBytes += body.length;
    this.queue.push(body);
    if (!this.paused && (this.unreadBytes > this.receiveHwm || this.queue.size >= this.maxQueued)) {
      this.paused = true;
      this.readPauses++;
      this.socket.pause();
    }
  }

  // The application took a message: account for it, resume reading, acknowledge.
  private onTaken(message: Uint8Array): void {
    this.consumed++;
    this.unreadBytes -= message.length;
    if (this.paused && this.unreadBytes <= this.receiveHwm / 2 && this.queue.size <= this.maxQueued / 2) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.confirmAt.length > 0 && this.confirmAt[0] === this.consumed) {
      this.confirmAt.shift();
      this.sendAck();
    } else if (!this.ackScheduled) {
      this.ackScheduled = true;
      queueMicrotask(this.ackDecideSoon);
    }
  }

  // How an owed acknowledgement goes out is decided once this turn's microtasks have run (a tick queued
  // from a microtask runs after all of them): if the application sent data meanwhile, the pending
  // flushTick carries the ack; otherwise setImmediate sends it, batching every message taken this turn.
  // Either way it leaves no later than the setImmediate would, and a request/reply exchange is spared an
  // extra turn of the event loop per message.
  private readonly ackDecideSoon = () => process.nextTick(this.ackDecide);
  private readonly ackDecide = () => {
    if (this.flushScheduled) {
      this.ackScheduled = false;
      return;
    }
    setImmediate(this.ackLater);
  };

  private onAck(body: Uint8Array): void {
    if (body.length !== 8) return this.fail(new ProtocolError('malformed acknowledgement', { peer: this.peerText }));
    // u64 big-endian read as two halves (exact below 2^53): no DataView and no BigInt per acknowledgement.
    const high = ((body[0]! << 24) | (body[1]! << 16) | (body[2]! << 8) | body[3]!) >>> 0;
    const low = ((body[4]! << 24) | (body[5]! << 16) | (body[6]! << 8) | body[7]!) >>> 0;
    const count = high * 0x1_0000_0000 + low;
    if (count < this.confirmed || count > this.sent) {
      return this.fail(new ProtocolError(`acknowledgement of ${count} messages, but ${this.sent} were sent`, { peer: this.peerText }));
    }
    this.confirmed = count;
    while (this.confirmWaiters.length > 0 && this.confirmWaiters[0]!.seq <= count) this.confirmWaiters.shift()!.settler.resolve();
    this.maybeFinish();
  }

  // ---- ending ----

  // Both sides have ended and every confirmation has arrived: the connection has no more work.
  private maybeFinish(): void {
    if (!this.ended || !this.peerEnded || this.confirmWaiters.length > 0 || this.socketEnded || this.failure) return;
    this.sendAck();
    this.flush();
    this.socketEnded = true;
    this.socket.end();
  }

  private onPeerFin(): void {
    if (this.failure || this.localClosed) return;
    if (this.decoder.midFrame) {
      const { received, total } = this.decoder.partial;
      return this.fail(this.broken(`the peer closed the connection in the middle of a frame (${received} of ${total || 'unknown'} bytes had arrived)`));
    }
    if (!this.peerEnded) {
      return this.fail(this.broken('the peer closed the connection without ending the stream (its process may have exited or crashed)'));
    }
    if (this.confirmWaiters.length > 0) {
      const err = this.broken('the peer closed the connection before its application took every message sent with confirm');
      for (const w of this.confirmWaiters.splice(0)) w.settler.reject(err);
    }
    this.socketEnded = true;
  }

  private onSocketClose(): void {
    this.stopTicking();
    if (!this.failure && !this.localClosed && !(this.peerEnded && this.socketEnded)) {
      this.fail(this.broken('the connection closed unexpectedly'));
    }
    this.greeting.settler.reject(this.failure ?? new ClosedError('connection closed before the handshake', { peer: this.peerText }));
  }

  private broken(reason: string, cause?: unknown): ConnectionBrokenError {
    return new ConnectionBrokenError(reason, { peer: this.peerText, sent: this.sent, confirmed: this.confirmed }, cause === undefined ? undefined : { cause });
  }

  // Terminal failure: readers drain what was accepted and then get `err`; every waiting writer gets it now.
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.queue.fail(err);
    for (const w of this.confirmWaiters.splice(0)) w.settler.reject(err);
    for (const w of this.drainWaiters.splice(0)) w.reject(err);
    this.greeting.settler.reject(err);
    this.stopTicking();
    this.socket.destroy();
  }

  // ---- liveness ----

  private startTicking(): void {
    const period = Math.min(...[this.idleTimeout / 2, this.heartbeatInterval].filter((p) => p > 0));
    if (!Number.isFinite(period)) return;
    this.lastHeard = this.lastWrite = this.clock.now();
    const tick = () => {
      const now = this.clock.now();
      if (this.idleTimeout > 0 && now - this.lastHeard > this.idleTimeout) {
        return this.fail(this.broken(`nothing arrived from the peer for ${this.idleTimeout} ms (idle timeout)`));
      }
      if (this.heartbeatInterval > 0 && now - this.lastWrite >= this.heartbeatInterval && !this.socketEnded) {
        this.appendFrame(FrameKind.Ping, EMPTY);
        this.flush();
      }
      this.cancelTick = this.clock.setTimer(tick, Math.max(5, period));
    };
    this.cancelTick = this.clock.setTimer(tick, Math.max(5, period));
  }

  private stopTicking(): void {
    this.cancelTick?.();
    this.cancelTick = undefined;
  }
}

const EMPTY = new Uint8Array(0);

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`, { [name]: value });
  return value;
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNRESET':
      return 'the peer reset the connection';
    case 'EPIPE':
      return 'wrote to a connection the peer had closed';
    case 'ETIMEDOUT':
      return 'the network stopped delivering (TCP timed out)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the peer became unreachable';
    default:
      return err.message;
  }
}
