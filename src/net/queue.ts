import type { Clock } from './clock.ts';
import { boundedWait, type Settler, type WaitOptions } from './wait.ts';

/** Called when something becomes readable (a queued item, end-of-stream or a failure). */
export type ReadableListener = () => void;

/**
 * A bounded FIFO of received items, shared by every endpoint kind. Items arrive with `push` and leave with `take` (a bounded wait), `tryTake` (polling) or async
 * iteration. After `end()` readers drain what is queued and then see `null`; after `fail(err)` they drain
 * and then get `err`: nothing already accepted is lost to a failure that came after it.
 */
export class MessageQueue<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;
  private readonly waiters: Settler<T | null>[] = [];
  private readonly readableListeners = new Set<ReadableListener>();
  private closedWith: { error: unknown } | null = null;

  constructor(
    /** Most items queued at once; `push` refuses more. */
    readonly maxItems: number,
    private readonly clock: Clock,
    /** Called with each item taken, so the producer can account for bytes and resume reading. */
    private readonly onTake?: (item: T) => void,
  ) {}

  /** Items waiting to be taken. */
  get size(): number {
    return this.count;
  }

  /** True when a `take` would complete at once (an item, end-of-stream or an error is ready). */
  get readable(): boolean {
    return this.count > 0 || this.closedWith !== null;
  }

  /** True once `end` or `fail` was called. */
  get closed(): boolean {
    return this.closedWith !== null;
  }

  /**
   * Offers an item. A waiting reader gets it directly; otherwise it is queued if there is room.
   * Returns false, and keeps nothing, when the queue is full or closed.
   */
  push(item: T): boolean {
    if (this.closedWith) return false;
    if (this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      this.onTake?.(item);
      waiter.resolve(item);
      return true;
    }
    if (this.count >= this.maxItems) return false;
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
    if (this.readableListeners.size > 0) this.notifyReadable();
    return true;
  }

  /** Takes the next item without waiting; `undefined` if none is queued. */
  tryTake(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    this.onTake?.(item);
    return item;
  }

  /**
   * Waits for the next item. Resolves `null` at end-of-stream (after everything queued was taken) and
   * rejects with the failure given to `fail` once the queue is drained.
   */
  take(opts: WaitOptions | undefined, what: string): Promise<T | null> {
    const item = this.tryTake();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closedWith) return this.closedWith.error === null ? Promise.resolve(null) : Promise.reject(this.closedWith.error);
    if (opts === undefined || (opts.timeout === undefined && opts.signal === undefined)) {
      // Nothing can end this wait but an item or the queue closing, and both take the waiter off the list
      // as they settle it: the bare promise is enough, without boundedWait's timer, listener and closures.
      return new Promise<T | null>((resolve, reject) => {
        this.waiters.push({ resolve, reject });
      });
    }
    return boundedWait<T | null>(
      (settler) => {
        this.waiters.push(settler);
        return () => {
          const i = this.waiters.indexOf(settler);
          if (i >= 0) this.waiters.splice(i, 1);
        };
      },
      opts,
      this.clock,
      what,
    );
  }

  /**
   * Registers a bare waiter (for QueueIterator): settled with the next item, `null` at end-of-stream or the
   * failure. Only while nothing is queued and the queue is open; the waiter is never withdrawn.
   */
  addWaiter(settler: Settler<T | null>): void {
    this.waiters.push(settler);
  }

  /** No more items will come: readers drain the queue, then see `null`. */
  end(): void {
    this.close({ error: null });
  }

  /** No more items will come because of `error`: readers drain the queue, then get `error`. */
  fail(error: unknown): void {
    this.close({ error });
  }

  /** Drops everything queued (for a local close that discards unread input); returns how many. */
  discard(): number {
    const n = this.count;
    this.items = new Array(16);
    this.head = 0;
    this.count = 0;
    return n;
  }

  /** Registers a listener for readiness (used by `select`); returns the function that removes it. */
  onReadable(listener: ReadableListener): () => void {
    this.readableListeners.add(listener);
    return () => this.readableListeners.delete(listener);
  }

  private close(reason: { error: unknown }): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const waiter of this.waiters.splice(0)) {
      if (reason.error === null) waiter.resolve(null);
      else waiter.reject(reason.error);
    }
    this.notifyReadable();
  }

  private notifyReadable(): void {
    for (const listener of this.readableListeners) listener();
  }

  private grow(): void {
    const bigger: (T | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) bigger[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = bigger;
    this.head = 0;
  }
}

/**
 * An async iterator over a queue's items that ends at end-of-stream and throws the queue's failure (once;
 * after that, and after `return()`, it reports done). `poll` is the synchronous fast path: an item, `null`
 * at end-of-stream, or `undefined` when `take` must wait. It costs one settled promise per item, where an
 * async generator would cost several promises and a generator resumption.
 */
export class QueueIterator<T> implements AsyncIterableIterator<T> {
  private finished = false;
  // The pending next() when it waits on `direct` itself: one promise per wait, settled by `settler`.
  private pendingResolve: ((result: IteratorResult<T, undefined>) => void) | undefined;
  private pendingReject: ((err: unknown) => void) | undefined;

  constructor(
    private readonly take: () => Promise<T | null>,
    private readonly poll?: () => T | null | undefined,
    /** The queue `take` reads: when it is open and empty, next() waits on it directly, with no promise chain. */
    private readonly direct?: MessageQueue<T>,
  ) {}

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.finished) return DONE;
    if (this.poll) {
      let item: T | null | undefined;
      try {
        item = this.poll();
      } catch (err) {
        this.finished = true;
        return Promise.reject(err);
      }
      if (item === null) {
        this.finished = true;
        return DONE;
      }
      if (item !== undefined) return Promise.resolve({ value: item, done: false });
    }
    if (this.direct && !this.direct.closed && this.direct.size === 0 && this.pendingResolve === undefined) {
      return new Promise((resolve, reject) => {
        this.pendingResolve = resolve;
        this.pendingReject = reject;
        this.direct!.addWaiter(this.settler);
      });
    }
    return this.take().then(this.onItem, this.onError);
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.finished = true;
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly settler: Settler<T | null> = {
    resolve: (item) => {
      const resolve = this.pendingResolve!;
      this.pendingResolve = this.pendingReject = undefined;
      resolve(this.onItem(item));
    },
    reject: (err) => {
      const reject = this.pendingReject!;
      this.pendingResolve = this.pendingReject = undefined;
      this.finished = true;
      reject(err);
    },
  };

  private readonly onItem = (item: T | null): IteratorResult<T, undefined> => {
    if (item !== null) return { value: item, done: false }; // taken already: never dropped, even after return()
    this.finished = true;
    return DONE_RESULT;
  };

  private readonly onError = (err: unknown): never => {
    this.finished = true;
    throw err;
  };
}

const DONE_RESULT: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const DONE: Promise<IteratorReturnResult<undefined>> = Promise.resolve(DONE_RESULT);

/**
 * An async iterator over the items `take` gives, ending at `null` and throwing what `take` rejects with.
 * `poll` and `direct` are fast paths (see QueueIterator) that must agree with `take`.
 */
export function iterateQueue<T>(take: () => Promise<T | null>, poll?: () => T | null | undefined, direct?: MessageQueue<T>): QueueIterator<T> {
  return new QueueIterator(take, poll, direct);
}
