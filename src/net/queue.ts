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
    const waiter = this.waiters.shift();
    if (waiter) {
      this.onTake?.(item);
      waiter.resolve(item);
      return true;
    }
    if (this.count >= this.maxItems) return false;
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
    this.notifyReadable();
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

/** An async iterator over a queue's items that ends at end-of-stream and throws the queue's failure. */
export async function* iterateQueue<T>(take: () => Promise<T | null>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    const item = await take();
    if (item === null) return;
    yield item;
  }
}
