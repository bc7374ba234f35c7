/**
 * A bounds-checked view over CDR input for the interpreted decoder. Every read checks the remaining
 * length first and fails with ERR_DECODE naming the offset; alignment is relative to `origin`.
 */
import { decodeFail } from '../check.ts';
import { readUtf8 } from '../utf8.ts';

export class CdrReader {
  readonly dv: DataView;
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly littleEndian: boolean,
    readonly origin: number,
    /** Alignment of 64-bit values: 8 in CDR and XCDR1, 4 in XCDR2. */
    readonly align8: number,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Fails unless `n` more bytes are present. */
  need(n: number, path: string): void {
    if (this.pos + n > this.buf.length) {
      decodeFail(path, this.pos, `input truncated: need ${n} more bytes, ${this.buf.length - this.pos} left`);
    }
  }

  align(a: number): void {
    this.pos += (a - ((this.pos - this.origin) % a)) % a;
  }

  u8(path: string): number {
    this.need(1, path);
    return this.buf[this.pos++]!;
  }
  i8(path: string): number {
    this.need(1, path);
    return this.dv.getInt8(this.pos++);
  }
  i16(path: string): number {
    this.align(2);
    this.need(2, path);
    const v = this.dv.getInt16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }
  u16(path: string): number {
    this.align(2);
    this.need(2, path);
    const v = this.dv.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }
  i32(path: string): number {
    this.align(4);
    this.need(4, path);
    const v = this.dv.getInt32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }
  u32(path: string): number {
    this.align(4);
    this.need(4, path);
    const v = this.dv.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }
  f32(path: string): number {
    this.align(4);
    this.need(4, path);
    const v = this.dv.getFloat32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }
  f64(path: string): number {
    this.align(this.align8);
    this.need(8, path);
    const v = this.dv.getFloat64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }
  i64(path: string): bigint {
    this.align(this.align8);
    this.need(8, path);
    const v = this.dv.getBigInt64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }
  u64(path: string): bigint {
    this.align(this.align8);
    this.need(8, path);
    const v = this.dv.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  /** Reads a CDR string: its length counts the NUL, which must be present and last. */
  str(path: string, max: number): string {
    const at = this.pos;
    const len = this.u32(path);
    if (len === 0) decodeFail(path, at, 'string length 0 (a CDR string length counts its NUL, so it is at least 1)');
    if (len > this.remaining) decodeFail(path, at, `string length ${len} exceeds the ${this.remaining} bytes left`);
    if (len - 1 > max) decodeFail(path, at, `string of ${len - 1} bytes exceeds its bound of ${max}`);
    if (this.buf[this.pos + len - 1] !== 0) decodeFail(path, this.pos + len - 1, 'string does not end with NUL');
    const s = readUtf8(this.buf, this.pos, len - 1);
    if (s === undefined) decodeFail(path, this.pos, 'string is not valid UTF-8 or contains NUL');
    this.pos += len;
    return s;
  }

  /** Reads a sequence<octet> as a copy (the input buffer may be reused by the caller). */
  octets(path: string, max: number): Uint8Array {
    const at = this.pos;
    const len = this.u32(path);
    if (len > this.remaining) decodeFail(path, at, `byte count ${len} exceeds the ${this.remaining} bytes left`);
    if (len > max) decodeFail(path, at, `${len} bytes exceed the bound of ${max}`);
    const b = new Uint8Array(this.buf.subarray(this.pos, this.pos + len)); // plain, even from a Buffer
    this.pos += len;
    return b;
  }
}
