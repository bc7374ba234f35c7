/**
 * The protobuf wire layer: a growable writer and a bounds-checked reader for varints, fixed-width
 * numbers and length-delimited payloads. 64-bit varints travel as two 32-bit halves (lo, hi) so the
 * hot paths stay in small integers; bigints appear only at the value boundary.
 */

/** Wire types: the low three bits of a field key. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const START_GROUP = 3;
export const END_GROUP = 4;
export const FIXED32 = 5;

const MASK32 = 0xffffffffn;

/** Appends protobuf wire data to a buffer that doubles as needed, up to `max` bytes. */
export class PbWriter {
  buf: Uint8Array;
  dv: DataView;
  pos = 0;

  constructor(
    size: number,
    readonly max: number,
  ) {
    this.buf = new Uint8Array(size);
    this.dv = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes; returns false when that would pass `max` (the caller reports it). */
  ensure(n: number): boolean {
    const need = this.pos + n;
    if (need <= this.buf.length) return true;
    if (need > this.max) return false;
    const next = new Uint8Array(Math.min(this.max, Math.max(need, this.buf.length * 2)));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
    return true;
  }

  /** A varint of a non-negative integer below 2^32 (caller ensured 5 bytes). */
  varint32(v: number): void {
    const b = this.buf;
    let p = this.pos;
    while (v > 127) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** A varint of the 64-bit pattern hi:lo, each an unsigned 32-bit half (caller ensured 10 bytes). */
  varint64(lo: number, hi: number): void {
    if (hi === 0) return this.varint32(lo);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < 4; i++) {
      b[p++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    // Bit 28..31 of lo and bits 0..2 of hi share the fifth byte.
    let v = lo | ((hi & 7) << 4);
    hi >>>= 3;
    if (hi === 0) {
      b[p++] = v;
      this.pos = p;
      return;
    }
    b[p++] = v | 128;
    v = hi;
    while (v > 127) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** int32 as protobuf writes it: negatives sign-extended to 64 bits, so always 10 bytes. */
  int32(v: number): void {
    if (v >= 0) this.varint32(v);
    else this.varint64(v >>> 0, 0xffffffff);
  }

  /** The 64-bit two's-complement pattern of `v` (int64 or uint64) as a varint. */
  bigVarint(v: bigint): void {
    this.varint64(Number(v & MASK32), Number((v >> 32n) & MASK32));
  }

  fixed32(v: number): void {
    this.dv.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }
  sfixed32(v: number): void {
    this.dv.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  fixed64(v: bigint): void {
    this.dv.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }
  float(v: number): void {
    this.dv.setFloat32(this.pos, v, true);
    this.pos += 4;
  }
  double(v: number): void {
    this.dv.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /**
   * Ends a length-delimited payload that began at `start` (where one byte was reserved for its length):
   * writes the length, moving the payload when the length needs more than one byte. Returns false when
   * that move would pass `max`.
   */
  endLength(start: number): boolean {
    const len = this.pos - start - 1;
    if (len < 128) {
      this.buf[start] = len;
      return true;
    }
    const size = varintSize(len);
    if (!this.ensure(size - 1)) return false;
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos = start;
    this.varint32(len);
    this.pos = start + size + len;
    return true;
  }

  /** A copy of what was written. */
  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Bytes of the varint of a non-negative integer below 2^32. */
export function varintSize(v: number): number {
  return v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : v < 1 << 21 ? 3 : v < 1 << 28 ? 4 : 5;
}

/** Why a read failed; the decoder adds the offset and the field path. */
export type ReadFault = 'truncated' | 'overlong varint';

/**
 * Reads wire data from `buf` between `pos` and `end`. Every read checks bounds once; on failure it sets
 * `fault` and returns a harmless value, so the caller raises ERR_DECODE with its own path.
 */
export class PbReader {
  /** High half of the last varint read by `varint64`. */
  hi = 0;
  fault: ReadFault | undefined;

  constructor(
    public buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  /** Points this reader at new input, so a codec can reuse one reader for every decode. */
  reset(buf: Uint8Array, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.hi = 0;
    this.fault = undefined;
    this.dv = undefined;
  }

  private fail(f: ReadFault): number {
    this.fault = f;
    return 0;
  }

  /** A varint's low 32 bits, unsigned; the high bits (up to 10 bytes in all) are checked and dropped. */
  varint32(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    let v = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) return this.fail('truncated');
      const c = b[p++]!;
      v |= (c & 127) << shift;
      if (c < 128) {
        this.pos = p;
        return v >>> 0;
      }
    }
    if (p >= end) return this.fail('truncated');
    let c = b[p++]!;
    v |= (c & 15) << 28;
    for (let i = 5; c >= 128; i++) {
      if (i >= 10) return this.fail('overlong varint');
      if (p >= end) return this.fail('truncated');
      c = b[p++]!;
    }
    this.pos = p;
    return v >>> 0;
  }

  /** A varint's low 32 bits (returned) and high 32 bits (in `hi`), both unsigned. */
  varint64(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    let lo = 0;
    let hi: number;
    let c: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) return this.fail('truncated');
      c = b[p++]!;
      lo |= (c & 127) << shift;
      if (c < 128) {
        this.pos = p;
        this.hi = 0;
        return lo >>> 0;
      }
    }
    if (p >= end) return this.fail('truncated');
    c = b[p++]!;
    lo |= (c & 15) << 28;
    hi = (c & 127) >> 4;
    // Bytes six to ten carry bits 35..63; bits beyond 63 in the tenth byte are dropped, as protoc does.
    for (let shift = 3; c >= 128 && shift <= 31; shift += 7) {
      if (p >= end) return this.fail('truncated');
      c = b[p++]!;
      hi |= (c & 127) << shift;
    }
    if (c >= 128) return this.fail('overlong varint');
    this.pos = p;
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /** A varint as a uint64 bigint. */
  bigVarint(): bigint {
    const lo = this.varint64();
    return (BigInt(this.hi) << 32n) | BigInt(lo);
  }

  /** Skips `n` bytes; false (and a fault) when fewer remain. */
  skip(n: number): boolean {
    if (n > this.end - this.pos) {
      this.fault = 'truncated';
      return false;
    }
    this.pos += n;
    return true;
  }

  private dv: DataView | undefined = undefined;
  /** One DataView per input, made on the first 64-bit or float read (not one per value). */
  view(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  fixed32(): number {
    const p = this.pos;
    if (!this.skip(4)) return 0;
    const b = this.buf;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }
  fixed64(): bigint {
    const p = this.pos;
    if (!this.skip(8)) return 0n;
    return this.view().getBigUint64(p, true);
  }
  float(): number {
    const p = this.pos;
    if (!this.skip(4)) return 0;
    return this.view().getFloat32(p, true);
  }
  double(): number {
    const p = this.pos;
    if (!this.skip(8)) return 0;
    return this.view().getFloat64(p, true);
  }
}
