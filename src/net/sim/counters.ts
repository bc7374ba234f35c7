/**
 * Counters of what a simulated network did, kept in flat Float64Arrays (a block of COUNTERS per link or
 * endpoint) so that a million datagrams update numbers, not objects.
 */

/** What the network did with datagrams: the same shape for a link, an endpoint and the whole network. */
export interface NetCounters {
  /** Datagrams that entered the network. */
  readonly sent: number;
  /** Copies handed to a receiving endpoint (duplicates included). */
  readonly delivered: number;
  /** Datagrams that never arrived, for any reason (the three below are parts of it). */
  readonly lost: number;
  /** Lost because a partition separated the hosts (when sent, or while in flight). */
  readonly partitioned: number;
  /** Lost because a bandwidth-limited link's queue was full. */
  readonly overflowed: number;
  /** Lost because no endpoint was bound at the destination (or it closed before arrival). */
  readonly unreachable: number;
  /** Extra copies delivered. */
  readonly duplicated: number;
  /** Delivered after a datagram sent later on the same flow (sender endpoint to receiver endpoint). */
  readonly reordered: number;
  /** Delivered with a bit flipped. */
  readonly corrupted: number;
  readonly bytesSent: number;
  readonly bytesDelivered: number;
}

export const C_SENT = 0;
export const C_DELIVERED = 1;
export const C_LOST = 2;
export const C_PARTITIONED = 3;
export const C_OVERFLOWED = 4;
export const C_UNREACHABLE = 5;
export const C_DUPLICATED = 6;
export const C_REORDERED = 7;
export const C_CORRUPTED = 8;
export const C_BYTES_SENT = 9;
export const C_BYTES_DELIVERED = 10;
/** Numbers per block. */
export const COUNTERS = 11;

/** Reads the block of counters that starts at `base`. */
export function readCounters(a: Float64Array, base: number): NetCounters {
  return {
    sent: a[base + C_SENT]!,
    delivered: a[base + C_DELIVERED]!,
    lost: a[base + C_LOST]!,
    partitioned: a[base + C_PARTITIONED]!,
    overflowed: a[base + C_OVERFLOWED]!,
    unreachable: a[base + C_UNREACHABLE]!,
    duplicated: a[base + C_DUPLICATED]!,
    reordered: a[base + C_REORDERED]!,
    corrupted: a[base + C_CORRUPTED]!,
    bytesSent: a[base + C_BYTES_SENT]!,
    bytesDelivered: a[base + C_BYTES_DELIVERED]!,
  };
}

/** A Float64Array of at least `size` numbers holding `a`'s contents (returns `a` when it is big enough). */
export function ensureFloat64(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  if (a.length >= size) return a;
  let n = a.length || 16;
  while (n < size) n *= 2;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** An Int32Array of at least `size` numbers holding `a`'s contents (returns `a` when it is big enough). */
export function ensureInt32(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  if (a.length >= size) return a;
  let n = a.length || 16;
  while (n < size) n *= 2;
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
