// A single-producer single-consumer byte ring in a SharedArrayBuffer. Counters are free-running 32-bit
// byte counts (used = head - tail, mod 2^32), so the whole capacity is usable. The writer waits on the
// tail with Atomics.waitAsync when the ring is full; the reader is woken through a doorbell it shares
// with every ring that leads to it.

import { waitAsync } from './wait-async.ts';

/** Layout of a ring's SharedArrayBuffer: control words, then the data. */
const HEAD = 0; // bytes written so far (mod 2^32), advanced by the writer
const TAIL = 1; // bytes read so far (mod 2^32), advanced by the reader
// 1 while the writer waits for room: the reader only notifies then (a notify costs even with no waiter).
// The writer sets it before its last look at TAIL, the reader reads it after advancing TAIL, both
// sequentially consistent: either the reader sees it and notifies, or the writer sees the new TAIL.
const WRITER_WAITING = 2;
const CONTROL_BYTES = 64; // keeps the data on its own cache line

/** Allocates the shared memory of a ring of `capacity` bytes (a power of two). */
export function allocateRing(capacity: number): SharedArrayBuffer {
  if (capacity < 64 || (capacity & (capacity - 1)) !== 0) throw new RangeError(`ring capacity must be a power of two of at least 64 bytes, got ${capacity}`);
  return new SharedArrayBuffer(CONTROL_BYTES + capacity);
}

/** One end of a ring: the writer's or the reader's view of the same memory. */
export class Ring {
  readonly capacity: number;
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly mask: number;

  constructor(
    /** The shared memory, to hand to the other end. */
    readonly buffer: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(buffer, 0, 3);
    this.data = new Uint8Array(buffer, CONTROL_BYTES);
    this.capacity = this.data.length;
    this.mask = this.capacity - 1;
  }

  /** Bytes the reader can take now. */
  available(): number {
    return (Atomics.load(this.control, HEAD) - Atomics.load(this.control, TAIL)) >>> 0;
  }

  /** Bytes the writer can put now. */
  free(): number {
    return this.capacity - this.available();
  }

  /** Writes up to `bytes.length` bytes (as many as fit); returns how many. */
  write(bytes: Uint8Array): number {
    const head = Atomics.load(this.control, HEAD) >>> 0;
    const n = Math.min(bytes.length, this.free());
    if (n === 0) return 0;
    const at = head & this.mask;
    const first = Math.min(n, this.capacity - at);
    this.data.set(bytes.subarray(0, first), at);
    if (n > first) this.data.set(bytes.subarray(first, n), 0);
    Atomics.store(this.control, HEAD, (head + n) | 0);
    return n;
  }

  /** Copies up to `into.length` available bytes into `into`; returns how many. */
  read(into: Uint8Array): number {
    const tail = Atomics.load(this.control, TAIL) >>> 0;
    const n = Math.min(into.length, this.available());
    if (n === 0) return 0;
    const at = tail & this.mask;
    const first = Math.min(n, this.capacity - at);
    into.set(this.data.subarray(at, at + first));
    if (n > first) into.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.control, TAIL, (tail + n) | 0);
    if (Atomics.load(this.control, WRITER_WAITING) !== 0) Atomics.notify(this.control, TAIL);
    return n;
  }

  /**
   * Resolves when the reader has taken something (at once if there is room already), or after `timeoutMs`
   * in any case, so that a writer can notice a reader that will never read again.
   */
  async waitForRoom(timeoutMs: number): Promise<void> {
    if (this.free() > 0) return;
    Atomics.store(this.control, WRITER_WAITING, 1);
    try {
      const tail = Atomics.load(this.control, TAIL);
      if (this.free() > 0) return;
      const waited = waitAsync(this.control, TAIL, tail, timeoutMs);
      if (waited.async) await waited.value;
    } finally {
      Atomics.store(this.control, WRITER_WAITING, 0);
    }
  }
}
