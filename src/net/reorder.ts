import type { Clock } from './clock.ts';

/**
 * In-order delivery for one sender's sequenced datagrams. Items that arrive ahead of a gap wait until the
 * gap fills, or until `gapTimeout` ms pass or `capacity` items are waiting, at which point the gap is
 * given up as lost and delivery resumes. Items older than what was already delivered are refused.
 */
export class Reorderer<T> {
  private expected: number;
  private readonly waiting = new Map<number, T>();
  private cancelGapTimer: (() => void) | undefined;

  constructor(
    firstExpected: number,
    private readonly capacity: number,
    private readonly gapTimeout: number,
    private readonly clock: Clock,
    private readonly deliver: (item: T) => void,
  ) {
    this.expected = firstExpected;
  }

  /** Offers item number `seq`; returns false if it is too old to deliver in order (the caller discards it). */
  offer(seq: number, item: T): boolean {
    if (seq < this.expected || this.waiting.has(seq)) return false;
    if (seq === this.expected) {
      this.deliver(item);
      this.expected++;
      this.drain();
    } else {
      this.waiting.set(seq, item);
      if (this.waiting.size > this.capacity) this.skipGap();
      else this.cancelGapTimer ??= this.clock.setTimer(() => this.onGapTimeout(), this.gapTimeout);
    }
    return true;
  }

  /** Starts over at `firstExpected` (the sender restarted), delivering whatever was waiting first. */
  reset(firstExpected: number): void {
    while (this.waiting.size > 0) this.skipGap();
    this.expected = firstExpected;
  }

  /** Stops the gap timer; waiting items are dropped. */
  dispose(): void {
    this.cancelGapTimer?.();
    this.cancelGapTimer = undefined;
    this.waiting.clear();
  }

  private onGapTimeout(): void {
    this.cancelGapTimer = undefined;
    if (this.waiting.size > 0) this.skipGap();
  }

  private skipGap(): void {
    this.expected = Math.min(...this.waiting.keys());
    this.drain();
  }

  private drain(): void {
    for (let item = this.waiting.get(this.expected); item !== undefined; item = this.waiting.get(this.expected)) {
      this.waiting.delete(this.expected);
      this.deliver(item);
      this.expected++;
    }
    this.cancelGapTimer?.();
    this.cancelGapTimer = undefined;
    if (this.waiting.size > 0) this.cancelGapTimer = this.clock.setTimer(() => this.onGapTimeout(), this.gapTimeout);
  }
}
