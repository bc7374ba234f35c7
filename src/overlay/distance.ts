// XOR distance: d(a, b) = a XOR b read as an unsigned 160-bit integer. Symmetric, zero only for a = b,
// and unidirectional (for any a and distance there is exactly one b), which is why lookups converge.
import { ID_BITS, ID_BYTES, type NodeId } from './id.ts';

/**
 * Compares the distances of `a` and `b` from `target`: negative when `a` is closer, positive when `b` is,
 * 0 when a = b. No allocation: the hot path of every lookup and forward.
 */
export function compareDistance(target: NodeId, a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const da = a[i]! ^ target[i]!;
    const db = b[i]! ^ target[i]!;
    if (da !== db) return da - db;
  }
  return 0;
}

/** The XOR distance of two ids, as bytes (big-endian). */
export function distance(a: NodeId, b: NodeId): Uint8Array {
  const d = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) d[i] = a[i]! ^ b[i]!;
  return d;
}

/** How many leading bits `a` and `b` share (0..160; 160 when equal). Contact `b` of node `a` sits in bucket `commonPrefix(a, b)`. */
export function commonPrefix(a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/** The XOR distance as a bigint (for tests and reports; use compareDistance on hot paths). */
export function distanceBig(a: NodeId, b: NodeId): bigint {
  let v = 0n;
  for (let i = 0; i < ID_BYTES; i++) v = (v << 8n) | BigInt(a[i]! ^ b[i]!);
  return v;
}

/**
 * The first 48 bits of the XOR distance as a number (exact in a double): sorting by it, with
 * compareDistance only to break its rare ties, costs one subtraction per comparison instead of a byte loop.
 */
export function distancePrefix(target: NodeId, id: NodeId): number {
  return (
    ((target[0]! ^ id[0]!) * 0x10000000000 + (target[1]! ^ id[1]!) * 0x100000000) +
    (((target[2]! ^ id[2]!) << 24) >>> 0) + ((target[3]! ^ id[3]!) << 16) + ((target[4]! ^ id[4]!) << 8) + (target[5]! ^ id[5]!)
  );
}
