import { InvalidArgumentError } from '../errors.ts';
import type { WaitOptions } from '../net/wait.ts';
import { ANY_SOURCE, ANY_TAG, TAG_UB } from './constants.ts';
import type { Engine, Envelope, SendMode } from './engine.ts';
import type { TypedArray } from './payload.ts';
import type { Request, Status } from './request.ts';

/** Options of a receive: a buffer to receive into, and the usual timeout and signal. */
export interface RecvOptions extends WaitOptions {
  /** Receive into this typed array (mpi4py's buffer methods); the message must fit (MpiTruncateError). */
  readonly into?: TypedArray;
}

/**
 * The point-to-point half of a communicator: a group of ranks and a context id, so that messages of one
 * communicator never match receives of another. Collectives build on it (see Communicator).
 */
export class PointToPoint {
  /** This process's rank in the communicator (mpi4py `Get_rank`). */
  readonly rank: number;
  /** Number of ranks (mpi4py `Get_size`). */
  readonly size: number;
  private readonly toWorld: readonly number[];
  private readonly fromWorld: ReadonlyMap<number, number>;
  protected readonly toLocal: (world: number) => number;

  constructor(
    protected readonly engine: Engine,
    /** World rank of each rank of this communicator, in rank order. */
    group: readonly number[],
    /** Context id of point-to-point traffic; collectives use `context + 1`. */
    readonly context: number,
  ) {
    this.toWorld = group;
    this.fromWorld = new Map(group.map((w, r) => [w, r]));
    this.rank = this.fromWorld.get(engine.rank) ?? -1;
    this.size = group.length;
    this.toLocal = (world) => this.fromWorld.get(world) ?? -1;
  }

  /** World rank of communicator rank `rank`. */
  worldRank(rank: number): number {
    return this.toWorld[rank]!;
  }

  // ---- blocking sends (mpi4py send / ssend / bsend / rsend) ----

  /** Standard send: returns once `value` may be reused (eager) or the receiver took it (large messages). */
  send(value: unknown, dest: number, tag = 0, opts?: WaitOptions): Promise<undefined> {
    // Not async: an async wrapper would cost each blocking call extra promise turns. Bad arguments still
    // reject (they throw in `isend`).
    try {
      return this.isend(value, dest, tag).wait(opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Synchronous send: returns only after the matching receive has started at `dest`. */
  ssend(value: unknown, dest: number, tag = 0, opts?: WaitOptions): Promise<undefined> {
    try {
      return this.issend(value, dest, tag).wait(opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Buffered send: copies into the attached buffer and returns at once; MpiBufferOverflowError if it does not fit. */
  async bsend(value: unknown, dest: number, tag = 0): Promise<undefined> {
    return this.ibsend(value, dest, tag).wait();
  }

  /** Ready send: the receive must already be posted at `dest`; otherwise fails with MpiReadySendError. */
  async rsend(value: unknown, dest: number, tag = 0, opts?: WaitOptions): Promise<undefined> {
    return this.irsend(value, dest, tag).wait(opts);
  }

  // ---- non-blocking sends ----

  /** Starts a standard send. Throws ERR_INVALID_ARGUMENT for a bad rank or tag (the blocking forms reject). */
  isend(value: unknown, dest: number, tag = 0): Request<undefined> {
    return this.start(value, dest, tag, 'standard');
  }

  /** Starts a synchronous send. */
  issend(value: unknown, dest: number, tag = 0): Request<undefined> {
    return this.start(value, dest, tag, 'sync');
  }

  /** Starts a buffered send (completes at once, or fails at once with MpiBufferOverflowError). */
  ibsend(value: unknown, dest: number, tag = 0): Request<undefined> {
    return this.start(value, dest, tag, 'buffered');
  }

  /** Starts a ready send. */
  irsend(value: unknown, dest: number, tag = 0): Request<undefined> {
    return this.start(value, dest, tag, 'ready');
  }

  // ---- receives ----

  /**
   * Receives the next message matching `source` and `tag` (ANY_SOURCE / ANY_TAG match all) and returns its
   * value; `T` is what the sender sent. With `opts.into`, fills that array and returns it.
   */
  recv<T = unknown>(source = ANY_SOURCE, tag = ANY_TAG, opts?: RecvOptions): Promise<T> {
    try {
      return this.irecv<T>(source, tag, opts).wait(opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Like `recv`, and also returns the status (source, tag, size). */
  async recvWithStatus<T = unknown>(source = ANY_SOURCE, tag = ANY_TAG, opts?: RecvOptions): Promise<{ value: T; status: Status }> {
    const request = this.irecv<T>(source, tag, opts);
    const value = await request.wait(opts);
    return { value, status: request.status! };
  }

  /** Posts a receive and returns its request; `cancel()` withdraws it while unmatched. */
  irecv<T = unknown>(source = ANY_SOURCE, tag = ANY_TAG, opts?: { readonly into?: TypedArray }): Request<T> {
    const request = this.engine.recv(this.envelope(source, tag), opts?.into, () => `recv from ${source === ANY_SOURCE ? 'any source' : `rank ${source}`} tag ${tag === ANY_TAG ? 'any' : tag}`);
    // The sender decides the value's type; like JSON.parse, the receiver names it. The request never
    // inspects its value, so the view changes nothing at run time.
    return request as Request<T>;
  }

  /** Waits until a matching message has arrived and returns its status; it stays to be received. */
  async probe(source = ANY_SOURCE, tag = ANY_TAG, opts?: WaitOptions): Promise<Status> {
    return this.engine.probe(this.envelope(source, tag), opts, `probe for source ${source} tag ${tag}`);
  }

  /** The status of a matching message that has arrived, or undefined (never waits). */
  iprobe(source = ANY_SOURCE, tag = ANY_TAG): Status | undefined {
    return this.engine.iprobe(this.envelope(source, tag));
  }

  /** Sends to `dest` and receives from `source` at once, so two ranks can exchange without deadlock. */
  async sendrecv<T = unknown>(value: unknown, dest: number, sendTag = 0, source = ANY_SOURCE, recvTag = ANY_TAG, opts?: RecvOptions): Promise<T> {
    const receiving = this.irecv<T>(source, recvTag, opts);
    const sending = this.isend(value, dest, sendTag);
    const [received] = await Promise.all([receiving.wait(opts), sending.wait(opts)]);
    return received;
  }

  /** Attaches a buffer of `bytes` for buffered sends (process-wide, as in MPI). */
  attachBuffer(bytes: number): void {
    this.engine.bsend.attach(bytes);
  }

  /** Waits until every buffered send has left, then detaches the buffer; resolves to its size. */
  detachBuffer(): Promise<number> {
    return this.engine.bsend.detach();
  }

  // ---- internals shared with the collectives ----

  /** Sends in the collective context (never matches user messages). */
  protected collSend(value: unknown, dest: number, tag: number): Promise<undefined> {
    // Borrowed: a collective leaves its arrays untouched until the sends complete, so they need no copy.
    return this.engine.send(this.context + 1, this.toWorld[dest]!, tag, value, 'standard', () => `collective send to ${dest}`, true).wait();
  }

  /** Receives in the collective context. */
  protected collRecv<T = unknown>(source: number, tag: number, into?: TypedArray): Promise<T> {
    const request = this.engine.recv({ context: this.context + 1, source: this.toWorld[source]!, tag, toLocal: this.toLocal }, into, () => `collective recv from ${source}`);
    return (request as Request<T>).wait(); // as in irecv
  }

  /** Receives the next message from `source` in the collective context, whatever its tag, with the tag. */
  protected async collRecvTagged(source: number): Promise<{ value: unknown; tag: number }> {
    const request = this.engine.recv({ context: this.context + 1, source: this.toWorld[source]!, tag: ANY_TAG, toLocal: this.toLocal }, undefined, () => `collective recv from ${source}`);
    const value = await request.wait();
    return { value, tag: request.status!.tag }; // a completed receive always has its status
  }

  private start(value: unknown, dest: number, tag: number, mode: SendMode): Request<undefined> {
    if (!Number.isInteger(dest) || dest < 0 || dest >= this.size) throw new InvalidArgumentError(`destination rank ${dest} is not in 0..${this.size - 1}`, { dest, size: this.size });
    if (!Number.isInteger(tag) || tag < 0 || tag > TAG_UB) throw new InvalidArgumentError(`tag ${tag} is not in 0..${TAG_UB}`, { tag });
    return this.engine.send(this.context, this.toWorld[dest]!, tag, value, mode, () => `${mode} send to rank ${dest} tag ${tag}`);
  }

  private envelope(source: number, tag: number): Envelope {
    if (source !== ANY_SOURCE && (!Number.isInteger(source) || source < 0 || source >= this.size)) {
      throw new InvalidArgumentError(`source rank ${source} is not in 0..${this.size - 1} or ANY_SOURCE`, { source, size: this.size });
    }
    if (tag !== ANY_TAG && (!Number.isInteger(tag) || tag < 0 || tag > TAG_UB)) throw new InvalidArgumentError(`tag ${tag} is not in 0..${TAG_UB} or ANY_TAG`, { tag });
    return { context: this.context, source: source === ANY_SOURCE ? ANY_SOURCE : this.toWorld[source]!, tag, toLocal: this.toLocal };
  }
}
