/**
 * Optional sequencing for datagrams: a 12-byte header with the sender's epoch and a sequence number per
 * destination, so a receiver can see UDP's omission failures and ordering per sender: datagrams lost,
 * duplicated, reordered.
 *
 * Header (big-endian): magic 0xC0 0x51, version 1, flags 0, epoch u32, sequence u32 (first is 1).
 * The epoch is random per sending endpoint, so a restarted sender on the same port starts a new stream
 * instead of looking like a flood of duplicates.
 */

export const SEQUENCE_HEADER_BYTES = 12;
const MAGIC0 = 0xc0;
const MAGIC1 = 0x51;
const VERSION = 1;

export interface SequenceHeader {
  readonly epoch: number;
  readonly seq: number;
}

/** Writes a header into the first 12 bytes of `target`. */
export function writeSequenceHeader(target: Uint8Array, epoch: number, seq: number): void {
  target[0] = MAGIC0;
  target[1] = MAGIC1;
  target[2] = VERSION;
  target[3] = 0;
  const view = new DataView(target.buffer, target.byteOffset, SEQUENCE_HEADER_BYTES);
  view.setUint32(4, epoch);
  view.setUint32(8, seq);
}

/** Reads a header; `undefined` when the datagram is too short or not sequenced by courier. */
export function readSequenceHeader(data: Uint8Array): SequenceHeader | undefined {
  if (data.length < SEQUENCE_HEADER_BYTES || data[0] !== MAGIC0 || data[1] !== MAGIC1 || data[2] !== VERSION) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, SEQUENCE_HEADER_BYTES);
  return { epoch: view.getUint32(4), seq: view.getUint32(8) };
}

/**
 * The sender's side: the next sequence number for each destination. The table is bounded; the
 * destination unused longest is forgotten first (its next datagram restarts the count, which the
 * receiver sees as a new epoch only if the epoch changed, so a fresh epoch is taken then).
 */
export class SequenceStamper {
  private readonly next = new Map<string, number>();
  private epochValue: number;

  constructor(
    private readonly maxDestinations: number,
    private readonly random: () => number,
  ) {
    this.epochValue = this.newEpoch();
  }

  get epoch(): number {
    return this.epochValue;
  }

  /** The sequence number for the next datagram to `destination` (a `host:port` key). */
  stamp(destination: string): number {
    const seq = this.next.get(destination);
    if (seq !== undefined) {
      // Re-insert to keep the map in least-recently-used order.
      this.next.delete(destination);
      this.next.set(destination, seq + 1);
      return seq;
    }
    if (this.next.size >= this.maxDestinations) {
      const oldest = this.next.keys().next().value as string;
      this.next.delete(oldest);
      // Numbers restart for every destination forgotten; a new epoch tells receivers so.
      this.epochValue = this.newEpoch();
    }
    this.next.set(destination, 2);
    return 1;
  }

  private newEpoch(): number {
    return Math.floor(this.random() * 0x1_0000_0000) >>> 0;
  }
}

/** What the receiver saw from one sender. `lost + missing` datagrams have not arrived. */
export interface SenderStats {
  /** `host:port` of the sender. */
  readonly from: string;
  /** Datagrams that arrived, duplicates included. */
  readonly received: number;
  /** Gaps that fell out of the window without arriving: counted as lost for good. */
  readonly lost: number;
  /** Gaps still inside the window: they may yet arrive (reordered) or become lost. */
  readonly missing: number;
  /** Arrived a second (or further) time. */
  readonly duplicates: number;
  /** Arrived after a later-numbered datagram had. */
  readonly reordered: number;
  /** Arrived so late (behind the window) that it cannot be told from a duplicate. */
  readonly late: number;
  /** Times the sender started a new epoch (restarted). */
  readonly restarts: number;
}

export type Arrival = 'next' | 'ahead' | 'reordered' | 'duplicate' | 'late';

/**
 * The receiver's side for one sender: classifies each arriving sequence number against a sliding window
 * of the last `window` numbers, keeping exact counts of loss, duplication and reordering.
 */
export class SequenceTracker {
  private readonly seen: Uint8Array;
  private highest: number;
  private floor: number;
  private epoch: number;
  private stats: { received: number; lost: number; missing: number; duplicates: number; reordered: number; late: number; restarts: number };

  constructor(
    readonly from: string,
    private readonly window: number,
    header: SequenceHeader,
    /** When true the first number seen is taken as the start (a late joiner of a multicast group); else 1 is. */
    private readonly startAtFirstSeen: boolean,
  ) {
    this.seen = new Uint8Array(window);
    this.epoch = header.epoch;
    this.floor = this.highest = startAtFirstSeen ? header.seq - 1 : 0;
    this.stats = { received: 0, lost: 0, missing: 0, duplicates: 0, reordered: 0, late: 0, restarts: 0 };
  }

  /** Records an arrival and says what it was. */
  observe(header: SequenceHeader): Arrival {
    if (header.epoch !== this.epoch) this.restart(header);
    const { seq } = header;
    this.stats.received++;
    if (seq > this.highest) {
      const expected = this.highest + 1;
      this.advanceTo(seq);
      return seq === expected ? 'next' : 'ahead';
    }
    if (seq <= this.floor || seq <= this.highest - this.window) {
      this.stats.late++;
      return 'late';
    }
    const slot = seq % this.window;
    if (this.seen[slot]) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    this.seen[slot] = 1;
    this.stats.missing--;
    this.stats.reordered++;
    return 'reordered';
  }

  /** Times the sender started a new epoch. */
  get restarts(): number {
    return this.stats.restarts;
  }

  /** The highest sequence number seen so far in this epoch. */
  get highestSeen(): number {
    return this.highest;
  }

  snapshot(): SenderStats {
    return { from: this.from, ...this.stats };
  }

  private advanceTo(seq: number): void {
    const w = this.window;
    if (seq - this.highest > w) {
      // Everything still unseen in the old window, and every number skipped beyond it, is lost.
      this.stats.lost += this.stats.missing + (seq - w - this.highest);
      this.stats.missing = 0;
      this.seen.fill(0);
      for (let s = seq - w + 1; s < seq; s++) if (s > this.floor) this.stats.missing++;
    } else {
      for (let s = this.highest + 1; s < seq; s++) this.slide(s, 0);
      this.slide(seq, 1);
    }
    this.seen[seq % w] = 1;
    this.highest = seq;
  }

  // Moves the window onto `s`: the number leaving it (s - window) is lost if it never arrived.
  private slide(s: number, arrived: 0 | 1): void {
    const slot = s % this.window;
    const leaving = s - this.window;
    if (leaving > this.floor && !this.seen[slot]) {
      this.stats.lost++;
      this.stats.missing--;
    }
    this.seen[slot] = arrived;
    if (!arrived) this.stats.missing++;
  }

  private restart(header: SequenceHeader): void {
    this.epoch = header.epoch;
    this.stats.lost += this.stats.missing;
    this.stats.missing = 0;
    this.stats.restarts++;
    this.seen.fill(0);
    this.floor = this.highest = this.startAtFirstSeen ? header.seq - 1 : 0;
  }
}
