// A pool of fixed-size slabs in one SharedArrayBuffer, shared by every rank thread of a job. A large message
// takes a run of adjacent slabs: its sender copies the bytes in once and passes the run's place in a ring
// record; its receiver copies them out once, straight into the receive, and gives the run back. The pool
// never grows: a message that finds no free run goes another way (see ThreadTransport), so no one waits.
//
// Layout: one Int32 per slab (0 free, 1 taken), padded to a cache line, then the slabs' bytes. Slabs are
// taken with compareExchange (any thread may take, the receiver frees), so no lock is needed.

const FREE = 0;
const TAKEN = 1;

/** Bytes of one slab. */
export const SLAB_BYTES = 128 * 1024;
/** Slabs in a job's pool: 512 x 128 KiB = 64 MiB of shared memory, touched (made resident) only as used. */
export const SLAB_COUNT = 512;

/** Allocates a pool of `count` slabs of `slabBytes` each (a multiple of 8 bytes, so bodies stay aligned). */
export function allocateSlabs(count = SLAB_COUNT, slabBytes = SLAB_BYTES): SharedArrayBuffer {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(slabBytes) || slabBytes < 8 || slabBytes % 8 !== 0) {
    throw new RangeError(`a slab pool needs at least one slab of a positive multiple of 8 bytes, got ${count} x ${slabBytes}`);
  }
  return new SharedArrayBuffer(controlBytes(count) + count * slabBytes);
}

function controlBytes(count: number): number {
  return Math.ceil((4 * count) / 64) * 64;
}

/** A run of slabs holding one message: its first slab, how many, and a view of its `bytes` bytes. */
export interface SlabRun {
  readonly first: number;
  readonly count: number;
  readonly bytes: Uint8Array;
}

/** One thread's view of a job's slab pool. */
export class SlabPool {
  private readonly state: Int32Array;
  private readonly data: Uint8Array;
  // Where this thread starts looking: always the same place (its own part of the pool), so that it takes
  // the slabs freed last, still in the caches, rather than cold ones further on.
  private readonly start: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly count: number,
    readonly slabBytes: number,
    start = 0,
  ) {
    this.state = new Int32Array(buffer, 0, count);
    this.data = new Uint8Array(buffer, controlBytes(count), count * slabBytes);
    this.start = start % count;
  }

  /** Slabs that a message of `bytes` bytes needs. */
  slabsFor(bytes: number): number {
    return Math.max(1, Math.ceil(bytes / this.slabBytes));
  }

  /** Takes a run of adjacent free slabs holding `bytes` bytes; undefined when none is free now. */
  take(bytes: number): SlabRun | undefined {
    const need = this.slabsFor(bytes);
    if (need > this.count) return undefined;
    // First fit from `start`, wrapping around once; a run never wraps around the end of the pool.
    let first = this.start;
    for (let tried = 0; tried < this.count; ) {
      if (first + need > this.count) {
        tried += this.count - first;
        first = 0;
        continue;
      }
      const got = this.claim(first, need);
      if (got === need) return { first, count: need, bytes: this.data.subarray(first * this.slabBytes, first * this.slabBytes + bytes) };
      // Slab first + got was taken: give back what was claimed, go on after it.
      this.release(first, got);
      tried += got + 1;
      first = (first + got + 1) % this.count;
    }
    return undefined;
  }

  /** The run at `first` of `count` slabs, as a view of its first `bytes` bytes (for the receiver); undefined if out of range. */
  view(first: number, bytes: number): SlabRun | undefined {
    if (!Number.isInteger(first) || first < 0 || !Number.isInteger(bytes) || bytes < 0) return undefined;
    const count = this.slabsFor(bytes);
    if (first + count > this.count) return undefined;
    return { first, count, bytes: this.data.subarray(first * this.slabBytes, first * this.slabBytes + bytes) };
  }

  /** The run that `bytes` (a view from take) lies in, or undefined if it is not a view of this pool. */
  runOf(bytes: Uint8Array): SlabRun | undefined {
    if (bytes.buffer !== this.buffer) return undefined;
    const offset = bytes.byteOffset - this.data.byteOffset;
    if (offset < 0 || offset % this.slabBytes !== 0) return undefined;
    return this.view(offset / this.slabBytes, bytes.length);
  }

  /** Gives a run back (its receiver copied it out, or its message was never sent). */
  free(run: SlabRun): void {
    this.release(run.first, run.count);
  }

  /** Slabs taken now (for tests). */
  taken(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (Atomics.load(this.state, i) !== FREE) n++;
    return n;
  }

  // Claims slabs first.. in order while they are free; returns how many it claimed.
  private claim(first: number, need: number): number {
    for (let i = 0; i < need; i++) {
      if (Atomics.compareExchange(this.state, first + i, FREE, TAKEN) !== FREE) return i;
    }
    return need;
  }

  private release(first: number, count: number): void {
    for (let i = 0; i < count; i++) Atomics.store(this.state, first + i, FREE);
  }
}
