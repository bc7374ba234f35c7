import { realClock, type Clock } from '../net/clock.ts';
import { boundedWait, type Settler, type WaitOptions } from '../net/wait.ts';
import { MpiCancelledError } from './errors.ts';

/** What a completed receive (or probe) tells: who sent it, with which tag, and how big it was. */
export interface Status {
  /** Rank of the sender in the communicator. */
  readonly source: number;
  readonly tag: number;
  /** Bytes of the message body (typed arrays: element bytes; other values: serialised bytes). */
  readonly size: number;
  /** Elements for a typed array (mpi4py `Get_count`); bytes for a serialised value. */
  readonly count: number;
  /** True when the request was cancelled before it matched. */
  readonly cancelled: boolean;
}

/** What a request says it is, for timeout and cancel messages; a function when only built if needed. */
export type Describe = string | (() => string);

const PENDING = 0;
const DONE = 1;
const FAILED = 2;

/**
 * A non-blocking operation in flight (mpi4py `Request`). Complete it with `wait` or poll it with `test`;
 * a receive not yet matched can be `cancel`led.
 */
export class Request<T = unknown> {
  // One request per message: its state is kept flat (no state object per completion), and an unbounded
  // wait shares one bare promise instead of a bounded wait's timer, listener and closures.
  private phase = PENDING;
  private value: T | undefined;
  private error: unknown;
  private statusOf: Status | undefined;
  private settled: Promise<T> | undefined;
  private settle: Settler<T> | undefined;
  private waiters: Settler<void>[] | undefined;
  private listeners: (() => void)[] | undefined;
  private description: Describe;
  /** Withdraws the operation if it has not matched yet; set by the engine for receives. */
  canceller: (() => boolean) | undefined;

  constructor(
    /** What the request is, for timeout messages ("recv from 2 tag 7"). */
    what: Describe,
    private readonly clock: Clock = realClock,
  ) {
    this.description = what;
  }

  /** What the request is ("recv from rank 2 tag 7"). */
  get what(): string {
    if (typeof this.description === 'function') this.description = this.description();
    return this.description;
  }

  /** True once the operation completed, failed or was cancelled. */
  get done(): boolean {
    return this.phase !== PENDING;
  }

  /** The status of a completed receive; undefined for sends and pending requests. */
  get status(): Status | undefined {
    return this.phase === DONE ? this.statusOf : undefined;
  }

  /**
   * Waits for completion and returns the received value (undefined for sends). Rejects with the
   * operation's error (ERR_RANK_FAILED when a rank failed, ERR_CANCELLED when cancelled), or
   * ERR_TIMEOUT / ERR_ABORTED per `opts` (the operation itself then stays pending).
   */
  wait(opts?: WaitOptions): Promise<T> {
    if (this.phase === DONE) return Promise.resolve(this.value as T); // set with the phase
    if (this.phase === FAILED) return Promise.reject(this.error);
    if (opts === undefined || (opts.timeout === undefined && opts.signal === undefined)) {
      // Only completion or failure can end this wait, and both settle the shared promise.
      this.settled ??= new Promise<T>((resolve, reject) => (this.settle = { resolve, reject }));
      return this.settled;
    }
    return boundedWait<void>(
      (settler) => {
        (this.waiters ??= []).push(settler);
        return () => {
          const i = this.waiters?.indexOf(settler) ?? -1;
          if (i >= 0) this.waiters!.splice(i, 1);
        };
      },
      opts,
      this.clock,
      this.what,
    ).then(() => this.result());
  }

  /** Polls: true when complete (then `wait()` returns at once). Never throws. */
  test(): boolean {
    return this.done;
  }

  /**
   * Cancels a receive that has not matched yet: true if it was cancelled (waiting then rejects with
   * MpiCancelledError and `status.cancelled`), false if it had already matched or completed. Sends cannot
   * be cancelled (MPI 4 deprecates it): always false for them.
   */
  cancel(): boolean {
    if (this.done || !this.canceller || !this.canceller()) return false;
    this.fail(new MpiCancelledError(`${this.what} was cancelled`));
    return true;
  }

  /** True when cancelled. */
  get cancelled(): boolean {
    return this.phase === FAILED && this.error instanceof MpiCancelledError;
  }

  /** Completes with a value (engine side). Later calls are ignored. */
  complete(value: T, status?: Status): void {
    if (this.phase !== PENDING) return;
    this.phase = DONE;
    this.value = value;
    this.statusOf = status;
    this.settle?.resolve(value);
    this.wake();
  }

  /** Completes with an error (engine side). Later calls are ignored. */
  fail(error: unknown): void {
    if (this.phase !== PENDING) return;
    this.phase = FAILED;
    this.error = error;
    this.settle?.reject(error);
    this.wake();
  }

  /** The value of a completed request; throws its failure; throws if still pending (check `done` or `test()` first). */
  result(): T {
    if (this.phase === DONE) return this.value as T; // set with the phase
    if (this.phase === FAILED) throw this.error;
    throw new Error('unreachable: request still pending after its wait');
  }

  private wake(): void {
    this.settle = undefined;
    this.canceller = undefined;
    if (this.waiters) for (const w of this.waiters.splice(0)) w.resolve();
    if (this.listeners) for (const l of this.listeners.splice(0)) l();
  }

  /** Calls `listener` once when the request completes (at once if it has). */
  onDone(listener: () => void): void {
    if (this.done) listener();
    else (this.listeners ??= []).push(listener);
  }
}

type Values<R extends readonly Request<unknown>[]> = { -readonly [K in keyof R]: R[K] extends Request<infer V> ? V : never };

/** Waits for every request; resolves to their values in order, rejects with the first failure (mpi4py `Waitall`). */
export async function waitAll<const R extends readonly Request<unknown>[]>(requests: R, opts?: WaitOptions): Promise<Values<R>> {
  const values: unknown[] = [];
  for (const r of requests) values.push(await r.wait(opts));
  return values as Values<R>; // each position holds that request's own value type
}

/** Values of every request if all are complete, else undefined (mpi4py `Testall`). Rethrows a failure. */
export function testAll<const R extends readonly Request<unknown>[]>(requests: R): Values<R> | undefined {
  if (!requests.every((r) => r.done)) return undefined;
  const values: unknown[] = [];
  for (const r of requests) {
    values.push(r.result());
  }
  return values as Values<R>; // as in waitAll
}

/** Waits until one request completes; resolves to its index and value (mpi4py `Waitany`). */
export async function waitAny<T>(requests: readonly Request<T>[], opts?: WaitOptions): Promise<{ index: number; value: T }> {
  const index = await firstDone(requests, opts);
  return { index, value: await requests[index]!.wait() };
}

/** Waits until at least one completes; resolves to the indices and values of all complete ones (mpi4py `Waitsome`). */
export async function waitSome<T>(requests: readonly Request<T>[], opts?: WaitOptions): Promise<{ indices: number[]; values: T[] }> {
  await firstDone(requests, opts);
  const indices: number[] = [];
  const values: T[] = [];
  for (let i = 0; i < requests.length; i++) {
    if (!requests[i]!.done) continue;
    indices.push(i);
    values.push(await requests[i]!.wait());
  }
  return { indices, values };
}

function firstDone<T>(requests: readonly Request<T>[], opts: WaitOptions | undefined): Promise<number> {
  const ready = requests.findIndex((r) => r.done);
  if (ready >= 0) return Promise.resolve(ready);
  return boundedWait<number>(
    (settler) => {
      let live = true;
      requests.forEach((r, i) => r.onDone(() => live && settler.resolve(i)));
      return () => (live = false);
    },
    opts,
    realClock,
    `waitAny over ${requests.length} requests`,
  );
}
