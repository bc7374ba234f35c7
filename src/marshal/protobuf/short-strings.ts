/**
 * Short strings (up to 8 bytes) decoded once and then shared: a small direct-mapped table keyed by the
 * bytes themselves (packed into two 32-bit words, so a lookup allocates nothing). Messages repeat short
 * strings — names, tags, units, enum-like values — and a hit saves creating the string again; a miss
 * costs a few integer operations. Strings are immutable, so sharing one is invisible to callers.
 */
import { readUtf8 } from '../utf8.ts';

/** Table size: 1,024 entries, a few KiB in all, whatever the input. */
const SLOTS = 1024;
const lows = new Int32Array(SLOTS);
const highs = new Int32Array(SLOTS);
const lengths = new Int8Array(SLOTS).fill(-1);
const strings: string[] = new Array<string>(SLOTS).fill('');

/**
 * The string of `len` UTF-8 bytes at `pos`, or undefined when they are not valid UTF-8 or hold NUL (the
 * caller's slow path decides). Bytes beyond 8 go straight to readUtf8.
 */
export function readShortString(b: Uint8Array, pos: number, len: number): string | undefined {
  if (len > 8 || len === 0) return readUtf8(b, pos, len);
  let lo = 0;
  let hi = 0;
  const mid = len < 4 ? len : 4;
  for (let i = 0; i < mid; i++) lo |= b[pos + i]! << (i << 3);
  for (let i = 4; i < len; i++) hi |= b[pos + i]! << ((i - 4) << 3);
  const slot = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi + len, 0x85ebca6b)) >>> 22;
  if (lengths[slot] === len && lows[slot] === lo && highs[slot] === hi) return strings[slot];
  const s = readUtf8(b, pos, len);
  if (s !== undefined) {
    lows[slot] = lo;
    highs[slot] = hi;
    lengths[slot] = len;
    strings[slot] = s;
  }
  return s;
}
