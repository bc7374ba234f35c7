/**
 * A growable output buffer for CDR. The compiled encoders write into `buf`/`dv` directly and call `grow`
 * only when a reservation does not fit; the interpreted encoder uses the methods. Alignment is relative
 * to `origin` (0 for a plain stream or a CORBA encapsulation, 4 after an XCDR header).
 */
import { EncodeError } from '../../errors.ts';
import { writeUtf8 } from '../utf8.ts';

export class CdrWriter {
  buf: Uint8Array;
  dv: DataView;
  pos = 0;
  littleEndian = false;
  origin = 0;
  /** Alignment of 64-bit values: 8 in CDR and XCDR1, 4 in XCDR2. */
  align8 = 8;

  constructor(
    initialBytes: number,
    /** Largest encoding allowed, in bytes; growing past it throws ERR_ENCODE. */
    readonly maxBytes: number,
  ) {
    this.buf = new Uint8Array(Math.min(initialBytes, maxBytes));
    this.dv = new DataView(this.buf.buffer);
  }

  /**
   * Makes room for `n` more bytes after `pos`, doubling the buffer but never past `maxBytes`.
   * Reservations are upper bounds (worst-case padding, 3 bytes per UTF-16 unit), so running into the
   * cap is not yet an error: `result()` fails if the bytes really written did not fit.
   */
  grow(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length || this.buf.length >= this.maxBytes) return;
    const next = new Uint8Array(Math.min(this.maxBytes, Math.max(need, this.buf.length * 2)));
    next.set(this.buf.subarray(0, Math.min(this.pos, this.buf.length)));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  /** True when the encoding ran past `maxBytes` (writes beyond the capped buffer were dropped). */
  get overflowed(): boolean {
    return this.pos > this.buf.length;
  }

  /** The error for an encoding larger than `maxBytes`. */
  tooLarge(): EncodeError {
    return new EncodeError(`encoding exceeds maxMessageBytes (${this.maxBytes} bytes)`, { limit: this.maxBytes, size: this.pos });
  }

  /** Drops a buffer grown past `keep` bytes, so one huge message does not pin its memory for good. */
  shrink(keep: number): void {
    if (this.buf.length <= keep) return;
    this.buf = new Uint8Array(Math.min(256, this.maxBytes));
    this.dv = new DataView(this.buf.buffer);
    this.pos = 0;
  }

  /** The bytes written so far, copied out so the buffer can be reused. */
  result(): Uint8Array {
    if (this.overflowed) throw this.tooLarge();
    return this.buf.slice(0, this.pos);
  }

  /** Pads with zero bytes to a multiple of `a` from the origin. */
  align(a: number): void {
    const pad = (a - ((this.pos - this.origin) % a)) % a;
    this.grow(pad);
    for (let i = 0; i < pad; i++) this.buf[this.pos++] = 0;
  }

  u8(v: number): void {
    this.grow(1);
    this.buf[this.pos++] = v;
  }
  i16(v: number): void {
    this.align(2);
    this.grow(2);
    this.dv.setInt16(this.pos, v, this.littleEndian);
    this.pos += 2;
  }
  u16(v: number): void {
    this.align(2);
    this.grow(2);
    this.dv.setUint16(this.pos, v, this.littleEndian);
    this.pos += 2;
  }
  i32(v: number): void {
    this.align(4);
    this.grow(4);
    this.dv.setInt32(this.pos, v, this.littleEndian);
    this.pos += 4;
  }
  u32(v: number): void {
    this.align(4);
    this.grow(4);
    this.dv.setUint32(this.pos, v, this.littleEndian);
    this.pos += 4;
  }
  f32(v: number): void {
    this.align(4);
    this.grow(4);
    this.dv.setFloat32(this.pos, v, this.littleEndian);
    this.pos += 4;
  }
  f64(v: number): void {
    this.align(this.align8);
    this.grow(8);
    this.dv.setFloat64(this.pos, v, this.littleEndian);
    this.pos += 8;
  }
  i64(v: bigint): void {
    this.align(this.align8);
    this.grow(8);
    this.dv.setBigInt64(this.pos, v, this.littleEndian);
    this.pos += 8;
  }
  u64(v: bigint): void {
    this.align(this.align8);
    this.grow(8);
    this.dv.setBigUint64(this.pos, v, this.littleEndian);
    this.pos += 8;
  }

  /**
   * Writes a CDR string: uint32 length counting the terminating NUL, the UTF-8 bytes, the NUL. Returns 0,
   * or a negative code for the caller to report with its path: -1 unpaired surrogate, -2 NUL inside,
   * -3 longer than `max` bytes.
   */
  str(s: string, max: number): number {
    this.align(4);
    this.grow(4 + s.length * 3 + 1);
    const start = this.pos + 4;
    const stop = writeUtf8(this.buf, start, s);
    if (stop < 0) return stop;
    const bytes = stop - start;
    if (bytes > max) return -3;
    this.dv.setUint32(this.pos, bytes + 1, this.littleEndian);
    this.buf[stop] = 0;
    this.pos = stop + 1;
    return 0;
  }

  /** Writes a CDR sequence<octet>: uint32 count, then the bytes. */
  octets(b: Uint8Array): void {
    this.u32(b.length);
    this.grow(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}
