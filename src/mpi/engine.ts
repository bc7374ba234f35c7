// The matching engine: posted receives, the unexpected-message queue, and the eager, synchronous, ready and
// rendezvous protocols. One per rank; every communicator and both transports share it.
import { InvalidArgumentError, MessageTooLargeError } from '../errors.ts';
import { realClock, type Clock } from '../net/clock.ts';
import { boundedWait, type Settler, type WaitOptions } from '../net/wait.ts';
import { BsendBuffer } from './bsend-buffer.ts';
import { ANY_SOURCE, ANY_TAG, MPI_DEFAULTS } from './constants.ts';
import { MpiAbortError, MpiRankFailedError, MpiReadySendError, MpiTruncateError, MpiUnexpectedOverflowError } from './errors.ts';
import { decodeValue, DType, dtypeOf, elementCount, encodeValue, isTypedArray, viewOf, type Encoded, type TypedArray } from './payload.ts';
import { Request, type Describe, type Status } from './request.ts';
import type { Transport, TransportSink } from './transport.ts';
import { Flag, Kind, type Header } from './wire.ts';

const ABORT_EXIT_DELAY_MS = 100;
// In a Cts header's code: the matching receive has no `into`, so it returns a new array (see stage).
const CTS_NEW_ARRAY = 1;

/** How a send completes: MPI's four modes. */
export type SendMode = 'standard' | 'sync' | 'buffered' | 'ready';

/** Limits of one engine (defaults in MPI_DEFAULTS). */
export interface EngineOptions {
  readonly eagerLimit?: number;
  readonly maxUnexpectedMessages?: number;
  readonly maxUnexpectedBytes?: number;
  readonly maxMessageBytes?: number;
  readonly clock?: Clock;
}

/** Where a receive or probe looks: a context, a world source rank (or ANY_SOURCE) and a tag (or ANY_TAG). */
export interface Envelope {
  readonly context: number;
  readonly source: number;
  readonly tag: number;
  /** World rank to the communicator's rank, for the status. */
  readonly toLocal: (world: number) => number;
}

interface Posted {
  readonly envelope: Envelope;
  readonly request: Request<unknown>;
  readonly into: TypedArray | undefined;
}

interface Arrived {
  readonly source: number;
  readonly header: Header;
  readonly body: Uint8Array | null;
  /** The body is the transport's memory: this gives it back, once it was copied out or dropped. */
  readonly release?: (() => void) | undefined;
}

interface Outgoing {
  readonly dest: number;
  readonly header: Header;
  readonly bytes: Uint8Array;
  /** The bytes are the sender's own array (a borrowed send), not a copy. */
  readonly borrowed: boolean;
  /** The bytes went with the request to send (Transport.stage): a clear to send completes it, no data follows. */
  readonly staged: boolean;
  readonly request: Request<undefined>;
  readonly release: (() => void) | undefined;
}

interface Probe {
  readonly envelope: Envelope;
  readonly settler: Settler<Status>;
}

/** The engine's counters (observable internals, for tests and benchmarks). */
export interface EngineStats {
  eagerSent: number;
  rendezvousSent: number;
  /** Messages held now that arrived before their receive was posted. */
  unexpectedQueued: number;
  /** Eager data bytes held in those (a rendezvous message holds only its header until matched). */
  unexpectedBytes: number;
  unexpectedPeak: number;
}

/** Matches messages to receives for one rank and runs the send protocols over a transport. */
export class Engine implements TransportSink {
  readonly rank: number;
  readonly size: number;
  readonly bsend = new BsendBuffer();
  /** The next free communicator context id (pairs: even for point-to-point, odd for collectives). */
  nextContext = 2;
  private readonly clock: Clock;
  private readonly eagerLimit: number;
  private readonly maxUnexpected: number;
  private readonly maxUnexpectedBytes: number;
  private readonly maxMessageBytes: number;
  // Typed arrays up to this size go eagerly and are copied by the transport: the engine need not copy them.
  private readonly copyLimit: number;
  private readonly posted: Posted[] = [];
  private readonly unexpected: Arrived[] = [];
  private unexpectedBytes = 0;
  private readonly probes: Probe[] = [];
  private nextMsgId = 1;
  private readonly awaitingCts = new Map<number, Outgoing>();
  private readonly awaitingAck = new Map<number, Request<undefined>>();
  private readonly inFlight = new Set<Request<undefined>>();
  private readonly awaitingData = new Map<string, Posted>();
  // receivesNew[rank]: that rank's last large receive from this one had no `into` (told by its Cts).
  private readonly receivesNew: boolean[] = [];
  private failure: Error | undefined;
  /** Set once this rank is in finalize: from then on peers leaving is expected. */
  finalizing = false;
  private readonly counters: EngineStats = { eagerSent: 0, rendezvousSent: 0, unexpectedQueued: 0, unexpectedBytes: 0, unexpectedPeak: 0 };

  constructor(
    readonly transport: Transport,
    options: EngineOptions = {},
  ) {
    this.rank = transport.rank;
    this.size = transport.size;
    this.clock = options.clock ?? realClock;
    this.eagerLimit = options.eagerLimit ?? transport.eagerLimit ?? MPI_DEFAULTS.eagerLimit;
    this.maxUnexpected = options.maxUnexpectedMessages ?? MPI_DEFAULTS.maxUnexpectedMessages;
    this.maxUnexpectedBytes = options.maxUnexpectedBytes ?? MPI_DEFAULTS.maxUnexpectedBytes;
    this.maxMessageBytes = options.maxMessageBytes ?? MPI_DEFAULTS.maxMessageBytes;
    this.copyLimit = Math.min(this.eagerLimit, transport.copiesUpTo);
    transport.start(this);
  }

  /** The error that stopped this rank, if any: every later operation fails with it. */
  get failed(): Error | undefined {
    return this.failure;
  }

  stats(): EngineStats {
    return { ...this.counters, unexpectedQueued: this.unexpected.length, unexpectedBytes: this.unexpectedBytes };
  }

  /**
   * Starts a send of `value` to world rank `dest` in `mode`. The request completes as MPI says: standard
   * and buffered once the data left the caller's hands (buffered: at once), synchronous once the receiver
   * matched it, ready once the receiver confirmed a posted receive (MpiReadySendError if there was none).
   */
  send(context: number, dest: number, tag: number, value: unknown, mode: SendMode, what: Describe, borrow = false): Request<undefined> {
    const request = new Request<undefined>(what, this.clock);
    if (this.failure) return failed(request, this.failure);
    let encoded: Encoded;
    // With `borrow` (collectives, which leave their arrays untouched until they return), a typed array past
    // the eager limit travels from the caller's memory, and the send completes once the transport has let
    // go of it (over sockets: once the peer took it, which costs a small acknowledgement). Smaller ones are
    // copied as usual: for them the copy costs less than waiting for that acknowledgement.
    const borrowed = borrow && mode === 'standard' && dest !== this.rank && isTypedArray(value) && value.byteLength > this.eagerLimit;
    let staged: boolean;
    try {
      // A small typed array that the transport copies before send returns needs no copy of its own.
      const view = mode !== 'buffered' && dest !== this.rank ? viewOf(value, borrowed ? Infinity : this.copyLimit) : undefined;
      const inTransport = view || mode === 'buffered' || borrowed || dest === this.rank ? undefined : this.stage(dest, value);
      staged = inTransport !== undefined;
      encoded = view ?? inTransport ?? encodeValue(value);
    } catch (err) {
      return failed(request, err);
    }
    const { dtype, bytes } = encoded;
    if (bytes.length > this.maxMessageBytes) {
      return failed(request, new MessageTooLargeError(`message of ${bytes.length} bytes exceeds maxMessageBytes (${this.maxMessageBytes})`, { size: bytes.length, limit: this.maxMessageBytes }));
    }
    let release: (() => void) | undefined;
    if (mode === 'buffered') {
      try {
        release = this.bsend.reserve(bytes.length);
      } catch (err) {
        return failed(request, err);
      }
    }
    const flags = mode === 'sync' ? Flag.Sync : mode === 'ready' ? Flag.Ready : 0;
    const msgId = this.nextMsgId;
    this.nextMsgId = (this.nextMsgId + 1) >>> 0 || 1;
    const eager = bytes.length <= this.eagerLimit;
    const header: Header = { kind: eager ? Kind.Eager : Kind.Rts, dtype, flags, context, tag, msgId, size: bytes.length, code: 0 };
    // A buffered send owns a copy already (encodeValue copies), so it completes now; the copy is charged
    // to the attached buffer until it has left.
    const owner = mode === 'buffered' ? new Request<undefined>(what, this.clock) : request;
    if (mode === 'buffered') request.complete(undefined);
    if (release) owner.onDone(release);
    if (eager) {
      this.counters.eagerSent++;
      if (flags !== 0) this.awaitingAck.set(msgId, owner);
      const posted = this.post(dest, header, bytes);
      // A buffered message gives its space back a turn later, as it always has (not a hot path).
      this.handOff(owner, mode === 'buffered' ? (posted ?? Promise.resolve()) : posted, flags === 0);
    } else {
      this.counters.rendezvousSent++;
      this.awaitingCts.set(msgId, { dest, header, bytes, borrowed, staged, request: owner, release });
      // A staged body travels with the request to send; the receiver frees it (even if it drops the message).
      this.post(dest, header, staged ? bytes : null)?.catch((err: unknown) => owner.fail(this.failure ?? err));
    }
    return request;
  }

  // A large typed array is copied, when the send starts, straight into memory the receiver can read (threads:
  // the job's shared slabs) if the transport has some free: the one copy a send owes its caller, with no
  // allocation, and the data is there as soon as the receive matches (no data packet after the clear to send).
  // The receiver copies it out once into its `into`. A receive without `into` must allocate its array
  // anyway, and would then copy a second time: to a rank whose last large receive was such, the sender's
  // own fresh copy (encodeValue), handed over whole by the transport, costs less.
  private stage(dest: number, value: unknown): Encoded | undefined {
    if (!this.transport.stage || this.receivesNew[dest] || !isTypedArray(value) || value.byteLength <= this.eagerLimit || value.byteLength > this.maxMessageBytes) return undefined;
    const into = this.transport.stage(dest, value.byteLength);
    if (!into) return undefined;
    into.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return { dtype: dtypeOf(value), bytes: into };
  }

  /** Posts a receive: matches the oldest unexpected message first, else waits in the posted queue. */
  recv(envelope: Envelope, into: TypedArray | undefined, what: Describe): Request<unknown> {
    const request = new Request<unknown>(what, this.clock);
    if (this.failure) return failed(request, this.failure);
    const posted: Posted = { envelope, request, into };
    const i = firstMatch(envelope, this.unexpected);
    if (i >= 0) {
      const arrived = this.unexpected.splice(i, 1)[0]!;
      if (!arrived.release) this.unexpectedBytes -= arrived.body?.length ?? 0;
      this.take(posted, arrived);
      return request;
    }
    this.posted.push(posted);
    request.canceller = () => {
      const at = this.posted.indexOf(posted);
      if (at < 0) return false;
      this.posted.splice(at, 1);
      return true;
    };
    return request;
  }

  /** The status of the oldest unexpected message matching `envelope`, without receiving it; undefined if none. */
  iprobe(envelope: Envelope): Status | undefined {
    if (this.failure) throw this.failure;
    const i = firstMatch(envelope, this.unexpected);
    return i < 0 ? undefined : statusOf(envelope, this.unexpected[i]!);
  }

  /** Waits for a message matching `envelope` to arrive (it stays to be received). ERR_TIMEOUT/ERR_ABORTED per `opts`. */
  probe(envelope: Envelope, opts: WaitOptions | undefined, what: string): Promise<Status> {
    const now = this.iprobe(envelope);
    if (now) return Promise.resolve(now);
    return boundedWait<Status>(
      (settler) => {
        const probe = { envelope, settler };
        this.probes.push(probe);
        return () => {
          const at = this.probes.indexOf(probe);
          if (at >= 0) this.probes.splice(at, 1);
        };
      },
      opts,
      this.clock,
      what,
    );
  }

  /** Stops this rank's engine with `err`: every pending request fails with it, and every later one. */
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.posted.splice(0)) p.request.fail(err);
    for (const p of this.awaitingData.values()) p.request.fail(err);
    for (const o of this.awaitingCts.values()) o.request.fail(err);
    for (const r of this.awaitingAck.values()) r.fail(err);
    for (const r of [...this.inFlight]) r.fail(err);
    for (const p of this.probes.splice(0)) p.settler.reject(err);
    for (const a of this.unexpected.splice(0)) a.release?.();
    this.awaitingData.clear();
    this.awaitingCts.clear();
    this.awaitingAck.clear();
  }

  // ---- TransportSink ----

  peerFailed(rank: number, err: Error): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.fail(err instanceof MpiRankFailedError ? err : new MpiRankFailedError(rank, reason, err));
  }

  peerLeft(rank: number): void {
    // Every rank's finalize starts with a barrier, so a peer can only leave early if this rank is finalizing
    // too; otherwise it left mid-job (closed its world, or finalized in a mismatched collective).
    if (!this.finalizing) this.fail(new MpiRankFailedError(rank, 'it left the job (finalized or closed) while this rank was still running'));
  }

  packet(source: number, header: Header, body: Uint8Array | null, release?: () => void): void {
    if (this.failure) return release?.();
    switch (header.kind) {
      case Kind.Eager:
      case Kind.Rts:
        return this.arrive({ source, header, body, release });
      case Kind.Cts:
        this.receivesNew[source] = header.code === CTS_NEW_ARRAY;
        return this.clearToSend(header.msgId);
      case Kind.Data: {
        const key = `${source}:${header.msgId}`;
        const posted = this.awaitingData.get(key);
        if (!posted) return release?.();
        this.awaitingData.delete(key);
        return this.deliver(posted, { source, header, body, release });
      }
      case Kind.SyncAck:
      case Kind.ReadyAck: {
        const request = this.awaitingAck.get(header.msgId);
        this.awaitingAck.delete(header.msgId);
        request?.complete(undefined);
        return release?.();
      }
      case Kind.ReadyNack: {
        const request = this.awaitingAck.get(header.msgId) ?? this.awaitingCts.get(header.msgId)?.request;
        this.awaitingAck.delete(header.msgId);
        this.awaitingCts.delete(header.msgId);
        request?.fail(new MpiReadySendError(`ready send to rank ${source} (tag ${header.tag}) found no posted receive there; the message was dropped`, { dest: source, tag: header.tag }));
        return release?.();
      }
      case Kind.Abort:
        // Pending operations fail with the abort (naming the rank and code); the rank then ends with that
        // code, a little after the aborting rank, so the launcher names the one that called abort.
        this.fail(new MpiAbortError(source, header.code));
        this.clock.setTimer(() => this.transport.exit(header.code), ABORT_EXIT_DELAY_MS);
        return release?.();
    }
  }

  // ---- protocols ----

  // Undefined when the packet was handed off at once, else the transport's promise.
  private post(dest: number, header: Header, body: Uint8Array | null, borrowed = false): Promise<void> | undefined {
    if (dest !== this.rank) return this.transport.send(dest, header, body, borrowed);
    // To itself a rank needs no transport; a microtask keeps the order of its own packets. The send
    // completes after its packet was taken in (so an overflow it causes fails it, as at another rank).
    queueMicrotask(() => this.packet(dest, header, body));
    return Promise.resolve();
  }

  private reply(dest: number, kind: Kind, of: Header, code = 0): void {
    const header: Header = { kind, dtype: 0, flags: 0, context: of.context, tag: of.tag, msgId: of.msgId, size: 0, code };
    this.post(dest, header, null)?.catch((err: unknown) => this.peerFailed(dest, err instanceof Error ? err : new Error(String(err))));
  }

  private arrive(arrived: Arrived): void {
    const { header } = arrived;
    let i = -1;
    for (let at = 0; at < this.posted.length; at++) {
      if (matches(this.posted[at]!.envelope, arrived)) {
        i = at;
        break;
      }
    }
    if (i < 0) {
      if (header.flags & Flag.Ready) {
        arrived.release?.();
        return this.reply(arrived.source, Kind.ReadyNack, header);
      }
      return this.queueUnexpected(arrived);
    }
    const posted = this.posted.splice(i, 1)[0]!;
    if (header.flags & Flag.Ready && header.kind === Kind.Eager) this.reply(arrived.source, Kind.ReadyAck, header);
    this.take(posted, arrived);
  }

  // A receive has matched a message: eager data is delivered now; a rendezvous is told to send its data.
  private take(posted: Posted, arrived: Arrived): void {
    const { header, source } = arrived;
    if (header.kind === Kind.Rts) {
      // Its data came along (staged by the sender): copied out now; the clear to send completes the send.
      if (arrived.body) this.deliver(posted, arrived);
      else this.awaitingData.set(`${source}:${header.msgId}`, posted);
      this.reply(source, Kind.Cts, header, posted.into ? 0 : CTS_NEW_ARRAY);
      return;
    }
    if (header.flags & Flag.Sync) this.reply(source, Kind.SyncAck, header);
    this.deliver(posted, arrived);
  }

  // A body of the transport's memory (with `release`) is copied once, into the receive's array or a new one,
  // and given back.
  private deliver(posted: Posted, arrived: Arrived): void {
    const body = arrived.body ?? new Uint8Array(0);
    const header = arrived.header;
    const status = statusOf(posted.envelope, arrived);
    try {
      if (posted.into) {
        if (header.dtype === DType.Serialized) {
          throw new InvalidArgumentError(`a receive into a ${posted.into.constructor.name} matched a serialised value (from rank ${status.source}, tag ${header.tag}); receive it without 'into'`, { source: status.source, tag: header.tag });
        }
        const target = new Uint8Array(posted.into.buffer, posted.into.byteOffset, posted.into.byteLength);
        if (body.length > target.length) {
          throw new MpiTruncateError(`message of ${body.length} bytes does not fit the receive buffer of ${target.length} bytes`, { size: body.length, limit: target.length, source: status.source, tag: header.tag });
        }
        target.set(body);
        posted.request.complete(posted.into, status);
      } else {
        posted.request.complete(decodeValue(header.dtype, arrived.release ? body.slice() : body), status);
      }
    } catch (err) {
      posted.request.fail(err);
    } finally {
      arrived.release?.();
    }
  }

  // A body in the transport's memory waits there (bounded by it), not counted against maxUnexpectedBytes.
  private queueUnexpected(arrived: Arrived): void {
    const bytes = arrived.release ? 0 : (arrived.body?.length ?? 0);
    if (this.unexpected.length >= this.maxUnexpected || this.unexpectedBytes + bytes > this.maxUnexpectedBytes) {
      arrived.release?.();
      return this.fail(
        new MpiUnexpectedOverflowError(
          `rank ${this.rank}: more messages arrived before their receives were posted than the unexpected-message queue holds ` +
            `(${this.unexpected.length} messages, ${this.unexpectedBytes} bytes; limits ${this.maxUnexpected} messages, ${this.maxUnexpectedBytes} bytes)`,
          { queued: this.unexpected.length, bytes: this.unexpectedBytes, limit: this.maxUnexpected, limitBytes: this.maxUnexpectedBytes },
        ),
      );
    }
    this.unexpected.push(arrived);
    this.unexpectedBytes += bytes;
    if (this.unexpected.length > this.counters.unexpectedPeak) this.counters.unexpectedPeak = this.unexpected.length;
    for (let i = 0; i < this.probes.length; ) {
      const probe = this.probes[i]!;
      if (matches(probe.envelope, arrived)) probe.settler.resolve(statusOf(probe.envelope, arrived));
      else i++;
    }
  }

  private clearToSend(msgId: number): void {
    const out = this.awaitingCts.get(msgId);
    if (!out) return;
    this.awaitingCts.delete(msgId);
    if (out.staged) return out.request.complete(undefined); // the receiver has copied the data out already
    const data: Header = { ...out.header, kind: Kind.Data };
    this.handOff(out.request, this.post(out.dest, data, out.bytes, out.borrowed), true);
  }

  // A request whose data is being handed to the transport: it completes (if `completes`) when the transport
  // took it, and fails with the transport's error or, if this rank fails first, with that failure (a
  // transport waiting for room at a dead peer might otherwise never settle).
  private handOff(request: Request<undefined>, posted: Promise<void> | undefined, completes: boolean): void {
    if (!posted) {
      if (completes) request.complete(undefined);
      return;
    }
    this.inFlight.add(request);
    request.onDone(() => this.inFlight.delete(request));
    posted.then(
      () => {
        this.inFlight.delete(request);
        if (completes) request.complete(undefined);
      },
      (err: unknown) => request.fail(this.failure ?? err),
    );
  }
}

// The oldest of `queue` that `envelope` matches, or -1 (a loop: no closure per receive).
function firstMatch(envelope: Envelope, queue: readonly Arrived[]): number {
  for (let i = 0; i < queue.length; i++) if (matches(envelope, queue[i]!)) return i;
  return -1;
}

function matches(envelope: Envelope, arrived: Arrived): boolean {
  const h = arrived.header;
  return (
    h.context === envelope.context &&
    (envelope.source === ANY_SOURCE || envelope.source === arrived.source) &&
    (envelope.tag === ANY_TAG || envelope.tag === h.tag)
  );
}

function statusOf(envelope: Envelope, arrived: Arrived): Status {
  const h = arrived.header;
  return { source: envelope.toLocal(arrived.source), tag: h.tag, size: h.size, count: elementCount(h.dtype, h.size), cancelled: false };
}

function failed<T>(request: Request<T>, err: unknown): Request<T> {
  request.fail(err);
  return request;
}
