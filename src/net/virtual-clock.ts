import { AbortedError, InvalidArgumentError, TimeoutError } from '../errors.ts';
import type { Clock } from './clock.ts';

/**
 * Something a VirtualClock can call without a closure per event: `fire(tag)` runs at the scheduled time with
 * the number given to `post`. Simulations schedule millions of events this way.
 */
export interface TimerTarget {
  fire(tag: number): void;
}

export interface VirtualClockOptions {
  /** The time the clock starts at, ms. Default 0. */
  readonly start?: number;
  /** Most timers pending at once; scheduling one more throws ERR_INVALID_ARGUMENT. Default 2^24. */
  readonly maxTimers?: number;
}

export interface RunOptions {
  /** Most events to run; more pending after that throws ERR_TIMEOUT (a timer that re-arms forever). Default 100,000,000. */
  readonly limit?: number;
}

/** Defaults of the virtual clock, cited by docs and tests. */
export const VIRTUAL_CLOCK_DEFAULTS = Object.freeze({ maxTimers: 1 << 24, runLimit: 100_000_000 });

type Callback = TimerTarget | (() => void);

/**
 * A clock whose time moves only when told: `advance`, `runUntil`, `runNext`, `runAll` (and their async
 * forms, which let promise continuations run at the virtual time that woke them). Timers fire in time
 * order, and timers due at the same time fire in the order they were set, so a run is deterministic.
 * Pending timers live in a binary heap over typed arrays (slot, due time, order): millions cost no per-timer object.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly maxTimers: number;
  private order = 0;
  // Per slot: scheduling order (to recognise a stale cancel), the tag passed to a target, and what to call.
  private seq = new Float64Array(1024);
  private tags = new Float64Array(1024);
  private callbacks: (Callback | undefined)[] = new Array<Callback | undefined>(1024);
  private freeSlots = new Int32Array(1024);
  private freeCount = 0;
  private slotsUsed = 0;
  // The heap holds each entry's due time and scheduling order beside its slot, so sifting reads
  // contiguous memory instead of chasing slots (the cost that dominates with a million pending timers).
  private heap = new Int32Array(1024);
  private heapAt = new Float64Array(1024);
  private heapSeq = new Float64Array(1024);
  private heapSize = 0;
  private live = 0;
  private firing = false;
  private fired = 0;

  constructor(options: VirtualClockOptions = {}) {
    this.current = options.start ?? 0;
    this.maxTimers = options.maxTimers ?? VIRTUAL_CLOCK_DEFAULTS.maxTimers;
  }

  /** Virtual milliseconds since the origin; changes only while the clock is run. */
  now(): number {
    return this.current;
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.live;
  }

  /** Events fired since the clock was created. */
  get eventsFired(): number {
    return this.fired;
  }

  /** Calls `fn` once, `ms` virtual milliseconds from now (negative or NaN counts as 0); returns its cancel function (idempotent). */
  setTimer(fn: () => void, ms: number): () => void {
    const slot = this.schedule(fn, 0, ms);
    const order = this.seq[slot]!;
    return () => {
      // The slot may have fired and been reused: only the timer with this scheduling order is cancelled.
      if (this.seq[slot] === order && this.callbacks[slot] !== undefined) {
        this.callbacks[slot] = undefined;
        this.live--;
        this.maybeCompact();
      }
    };
  }

  /** Resolves after `ms` virtual milliseconds (once the clock is run that far). Rejects with ERR_ABORTED on `signal`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError('sleep aborted', signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        cancel();
        reject(new AbortedError('sleep aborted', signal?.reason));
      };
      const cancel = this.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Calls `target.fire(tag)` once, `ms` virtual milliseconds from now: the closure-free path for simulations. Cannot be cancelled. */
  post(target: TimerTarget, tag: number, ms: number): void {
    this.schedule(target, tag, ms);
  }

  /** When the next pending timer is due, or undefined when none is. */
  nextTime(): number | undefined {
    this.dropCancelledTop();
    return this.heapSize === 0 ? undefined : this.heapAt[0];
  }

  /** Runs every timer due within the next `ms` milliseconds, then sets the time to now + ms. Returns how many fired. */
  advance(ms: number): number {
    return this.runUntil(this.current + Math.max(0, ms));
  }

  /** Runs every timer due up to time `t` (in order), then sets the time to `t` if it is later. Returns how many fired. */
  runUntil(t: number, options: RunOptions = {}): number {
    const limit = options.limit ?? VIRTUAL_CLOCK_DEFAULTS.runLimit;
    let n = 0;
    while (this.fireNextDue(t)) {
      if (++n >= limit && this.hasDue(t)) throw this.limitError(limit);
    }
    if (t > this.current && Number.isFinite(t)) this.current = t;
    return n;
  }

  /** Moves time to the next pending timer and runs it (and only it). Returns false when none is pending. */
  runNext(): boolean {
    return this.fireNextDue(Number.POSITIVE_INFINITY);
  }

  /**
   * Runs timers until none is pending. Returns how many fired. Throws ERR_TIMEOUT after `limit` events when
   * timers remain (a periodic timer never lets the clock go idle: use `runUntil` then).
   */
  runAll(options: RunOptions = {}): number {
    return this.runUntil(Number.POSITIVE_INFINITY, options);
  }

  /**
   * Like `advance`, but after the timers of each distinct time it lets the event loop run once, so promise
   * continuations (an awaited `receive`) run at the virtual time that woke them and may set more timers.
   */
  async advanceAsync(ms: number, options: RunOptions = {}): Promise<number> {
    return this.runUntilAsync(this.current + Math.max(0, ms), options);
  }

  /** The async form of `runUntil` (see `advanceAsync`). */
  async runUntilAsync(t: number, options: RunOptions = {}): Promise<number> {
    const limit = options.limit ?? VIRTUAL_CLOCK_DEFAULTS.runLimit;
    let n = 0;
    await yieldToEventLoop();
    for (;;) {
      const next = this.nextTime();
      if (next === undefined || next > t) break;
      // Everything due at this instant first, including timers set for "now" while firing it.
      while (this.fireNextDue(next)) {
        if (++n >= limit) throw this.limitError(limit);
      }
      await yieldToEventLoop();
    }
    if (t > this.current && Number.isFinite(t)) this.current = t;
    await yieldToEventLoop();
    return n;
  }

  /** The async form of `runAll`: runs until no timer is pending, letting continuations run between instants. */
  runAllAsync(options: RunOptions = {}): Promise<number> {
    return this.runUntilAsync(Number.POSITIVE_INFINITY, options);
  }

  // ---- heap ----

  private schedule(callback: Callback, tag: number, ms: number): number {
    if (this.live >= this.maxTimers) {
      throw new InvalidArgumentError(`the virtual clock already holds its maximum of ${this.maxTimers} pending timers`, { limit: this.maxTimers });
    }
    const delay = ms > 0 ? ms : 0; // also maps NaN to 0
    const slot = this.allocSlot();
    const order = this.order++;
    this.seq[slot] = order;
    this.tags[slot] = tag;
    this.callbacks[slot] = callback;
    this.live++;
    this.push(slot, this.current + delay, order);
    return slot;
  }

  private fireNextDue(t: number): boolean {
    this.dropCancelledTop();
    if (this.heapSize === 0) return false;
    const slot = this.heap[0]!;
    const due = this.heapAt[0]!;
    if (due > t) return false;
    if (this.firing) throw new InvalidArgumentError('the virtual clock was run from inside one of its own timers');
    this.pop();
    const callback = this.callbacks[slot]!;
    const tag = this.tags[slot]!;
    this.callbacks[slot] = undefined;
    this.freeSlot(slot);
    this.live--;
    if (due > this.current) this.current = due;
    this.fired++;
    this.firing = true;
    try {
      if (typeof callback === 'function') callback();
      else callback.fire(tag);
    } finally {
      this.firing = false;
    }
    return true;
  }

  private hasDue(t: number): boolean {
    const next = this.nextTime();
    return next !== undefined && next <= t;
  }

  private limitError(limit: number): TimeoutError {
    return new TimeoutError(`the virtual clock ran ${limit} events and timers are still due (does a timer re-arm itself forever?)`, { limit, pending: this.live });
  }

  private dropCancelledTop(): void {
    while (this.heapSize > 0 && this.callbacks[this.heap[0]!] === undefined) {
      const slot = this.heap[0]!;
      this.pop();
      this.freeSlot(slot);
    }
  }

  // Cancelled timers stay in the heap until due; when they outnumber live ones, rebuild without them.
  private maybeCompact(): void {
    const dead = this.heapSize - this.live;
    if (dead < 4096 || dead < this.live) return;
    let n = 0;
    for (let i = 0; i < this.heapSize; i++) {
      const slot = this.heap[i]!;
      if (this.callbacks[slot] === undefined) {
        this.freeSlot(slot);
        continue;
      }
      this.heap[n] = slot;
      this.heapAt[n] = this.heapAt[i]!;
      this.heapSeq[n] = this.heapSeq[i]!;
      n++;
    }
    this.heapSize = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(slot: number, at: number, order: number): void {
    if (this.heapSize === this.heap.length) {
      const size = this.heap.length * 2;
      this.heap = grow(this.heap, size);
      this.heapAt = growF(this.heapAt, size);
      this.heapSeq = growF(this.heapSeq, size);
    }
    const heap = this.heap;
    const hAt = this.heapAt;
    const hSeq = this.heapSeq;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pAt = hAt[parent]!;
      if (pAt < at || (pAt === at && hSeq[parent]! < order)) break;
      heap[i] = heap[parent]!;
      hAt[i] = pAt;
      hSeq[i] = hSeq[parent]!;
      i = parent;
    }
    heap[i] = slot;
    hAt[i] = at;
    hSeq[i] = order;
  }

  private pop(): void {
    const n = --this.heapSize;
    if (n > 0) {
      this.heap[0] = this.heap[n]!;
      this.heapAt[0] = this.heapAt[n]!;
      this.heapSeq[0] = this.heapSeq[n]!;
      this.siftDown(0);
    }
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const hAt = this.heapAt;
    const hSeq = this.heapSeq;
    const n = this.heapSize;
    const slot = heap[start]!;
    const at = hAt[start]!;
    const order = hSeq[start]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n) {
        const ra = hAt[right]!;
        const ca = hAt[child]!;
        if (ra < ca || (ra === ca && hSeq[right]! < hSeq[child]!)) child = right;
      }
      const cAt = hAt[child]!;
      if (at < cAt || (at === cAt && order < hSeq[child]!)) break;
      heap[i] = heap[child]!;
      hAt[i] = cAt;
      hSeq[i] = hSeq[child]!;
      i = child;
    }
    heap[i] = slot;
    hAt[i] = at;
    hSeq[i] = order;
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    if (this.slotsUsed === this.seq.length) {
      const size = this.seq.length * 2;
      this.seq = growF(this.seq, size);
      this.tags = growF(this.tags, size);
      this.callbacks.length = size;
      this.freeSlots = grow(this.freeSlots, size);
    }
    return this.slotsUsed++;
  }

  private freeSlot(slot: number): void {
    this.freeSlots[this.freeCount++] = slot;
  }
}

function grow(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

function growF(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

// Lets promise continuations (and any I/O callbacks) run. setImmediate, not a timer: no real time passes
// in the simulation's view, and the microtask queue is drained before it fires.
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
