/**
 * Value checks shared by every encoder, so a wrong value gets the same ERR_ENCODE message whatever the
 * format. The compiled CDR encoder inlines equivalent expressions (see cdr/compile.ts) for speed.
 */
import { DecodeError, EncodeError } from '../errors.ts';
import type { PrimitiveKind } from './schema.ts';

const F32_MAX = 3.4028234663852886e38;

/** True when `v` is a valid value of the primitive kind. */
export function primitiveOk(kind: PrimitiveKind, v: unknown): boolean {
  switch (kind) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'octet':
    case 'uint8':
      return typeof v === 'number' && (v & 0xff) === v;
    case 'int8':
      return typeof v === 'number' && (v << 24) >> 24 === v;
    case 'int16':
      return typeof v === 'number' && (v << 16) >> 16 === v;
    case 'uint16':
      return typeof v === 'number' && (v & 0xffff) === v;
    case 'int32':
      return typeof v === 'number' && (v | 0) === v;
    case 'uint32':
      return typeof v === 'number' && v >>> 0 === v;
    case 'int64':
      return typeof v === 'bigint' && BigInt.asIntN(64, v) === v;
    case 'uint64':
      return typeof v === 'bigint' && BigInt.asUintN(64, v) === v;
    case 'float32':
      return typeof v === 'number' && !float32Overflow(v);
    case 'float64':
      return typeof v === 'number';
    case 'char':
      return typeof v === 'string' && v.length === 1 && v.charCodeAt(0) <= 0xff;
  }
}

/** True for a finite number too large in magnitude for a float32 (it would silently become Infinity). */
export function float32Overflow(v: number): boolean {
  return (v > F32_MAX || v < -F32_MAX) && Number.isFinite(v);
}

const expectations: Record<PrimitiveKind, string> = {
  boolean: 'a boolean',
  octet: 'an octet (integer 0..255)',
  uint8: 'a uint8 (integer 0..255)',
  int8: 'an int8 (integer -128..127)',
  int16: 'an int16 (integer -32768..32767)',
  uint16: 'a uint16 (integer 0..65535)',
  int32: 'an int32 (integer -2147483648..2147483647)',
  uint32: 'a uint32 (integer 0..4294967295)',
  int64: 'an int64 (bigint -2^63..2^63-1)',
  uint64: 'a uint64 (bigint 0..2^64-1)',
  float32: 'a float32 (number within ±3.4028235e38)',
  float64: 'a float64 (number)',
  char: 'a char (one character U+0000..U+00FF)',
};

/** What a primitive kind accepts, for messages: "an int32 (integer -2147483648..2147483647)". */
export function expectation(kind: PrimitiveKind): string {
  return expectations[kind];
}

/** A short description of a wrong value for messages: `"abc"`, `3.5`, `null`, `an array`. */
export function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return Object.is(v, -0) ? '-0' : String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** Throws ERR_ENCODE for the value at `path`. */
export function encodeFail(path: string, message: string, context: Record<string, unknown> = {}): never {
  throw new EncodeError(`${path}: ${message}`, { path, ...context });
}

/** Throws ERR_ENCODE because `v` is not of `kind`. */
export function badPrimitive(path: string, kind: PrimitiveKind, v: unknown): never {
  return encodeFail(path, `expected ${expectation(kind)}, got ${shown(v)}`);
}

/** Throws ERR_DECODE at a byte offset (binary formats) with the field path. */
export function decodeFail(path: string, offset: number, message: string, context: Record<string, unknown> = {}): never {
  throw new DecodeError(`${message} at byte ${offset} (${path})`, { path, offset, ...context });
}

/** Root path segment for a schema's values: the type name with a lower-case first letter ("person"). */
export function rootPath(name: string | undefined): string {
  if (!name) return 'value';
  const local = name.slice(name.lastIndexOf(':') + 1);
  return local.charAt(0).toLowerCase() + local.slice(1);
}
