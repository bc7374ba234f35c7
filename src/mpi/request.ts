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

type State<T> = { kind: 'pending' } | { kind: 'done'; value: T; status: Status | undefined } | { kind: 'failed'; error: unknown };

/**
 * A non-blocking operation in flight (mpi4py `Request`). Complete it with `wait` or poll it with `test`;
 * a receive not yet matched can be `cancel`led.
 */
export class Request<T = unknown> {
  private state: State<T> = { kind: 'pending' };
  private readonly waiters: Settler<void>[] = [];
  private readonly listeners: (() => void)[] = [];
  /** Withdraws the operation if it has not matched yet; set by the engine for receives. */
  canceller: (() => boolean) | undefined;

  constructor(
    /** What the request is, for timeout messages ("recv from 2 tag 7"). */
    readonly what: string,
    private readonly clock: Clock = realClock,
  ) {}

  /** True once the operation completed, failed or was cancelled. */
  get done(): boolean {
    return this.state.kind !== 'pending';
  }

  /** The status of a completed receive; undefined for sends and pending requests. */
  get status(): Status | undefined {
    return this.state.kind === 'done' ? this.state.status : undefined;
  }

  /**
   * Waits for completion and returns the received value (undefined for sends). Rejects with the
   * operation's error (ERR_RANK_FAILED when a rank failed, ERR_CANCELLED when cancelled), or
   * ERR_TIMEOUT / ERR_ABORTED per `opts` (the operation itself then stays pending).
   */
  async wait(opts?: WaitOptions): Promise<T> {
    if (this.state.kind === 'pending') {
      await boundedWait<void>(
        (settler) => {
          this.waiters.push(settler);
          return () => {
            const i = this.waiters.indexOf(settler);
            if (i >= 0) this.waiters.splice(i, 1);
          };
        },
        opts,
        this.clock,
        this.what,
      );
    }
    return this.result();
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
    return this.state.kind === 'failed' && this.state.error instanceof MpiCancelledError;
  }

  /** Completes with a value (engine side). Later calls are ignored. */
  complete(value: T, status?: Status): void {
    if (this.done) return;
    this.state = { kind: 'done', value, status };
    this.wake();
  }

  /** Completes with an error (engine side). Later calls are ignored. */
  fail(error: unknown): void {
    if (this.done) return;
    this.state = { kind: 'failed', error };
    this.wake();
  }

  /** The value of a completed request; throws its failure; throws if still pending (check `done` or `test()` first). */
  result(): T {
    if (this.state.kind === 'done') return this.state.value;
    if (this.state.kind === 'failed') throw this.state.error;
    throw new Error('unreachable: request still pending after its wait');
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
    for (const l of this.listeners.splice(0)) l();
  }


  /** Calls `listener` once when the request completes (at once if it has). */
  onDone(listener: () => void): void {
    if (this.done) listener();
    else this.listeners.push(listener);
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
