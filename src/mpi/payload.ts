// How a value travels: typed arrays as their raw bytes with an element-type code (no serialisation),
// everything else through node:v8's structured-clone serialisation.
import { deserialize, serialize } from 'node:v8';
import { DecodeError } from '../errors.ts';

/** Every typed array the MPI layer sends without serialisation. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Element type codes on the wire; 0 means "serialised with node:v8". */
export const enum DType {
  Serialized = 0,
  Int8 = 1,
  Uint8 = 2,
  Uint8Clamped = 3,
  Int16 = 4,
  Uint16 = 5,
  Int32 = 6,
  Uint32 = 7,
  Float32 = 8,
  Float64 = 9,
  BigInt64 = 10,
  BigUint64 = 11,
}

type TypedArrayConstructor = { new (length: number): TypedArray; new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray; readonly BYTES_PER_ELEMENT: number };

const CONSTRUCTORS: readonly (TypedArrayConstructor | undefined)[] = [
  undefined,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** A value ready for the wire: its element type and its bytes (a private copy the caller may keep). */
export interface Encoded {
  readonly dtype: DType;
  readonly bytes: Uint8Array;
}

/** True for the typed arrays that travel as raw bytes (Buffer counts as a Uint8Array). */
export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && dtypeOf(value) !== DType.Serialized;
}

/** The element type code of an array view (DType.Serialized for anything that is not a typed array). */
export function dtypeOf(value: ArrayBufferView): DType {
  for (let code = 1; code < CONSTRUCTORS.length; code++) if (value instanceof CONSTRUCTORS[code]!) return code;
  return DType.Serialized;
}

/**
 * Encodes a value: a typed array's bytes are copied once (so the caller may reuse its array as soon as the
 * send completes locally, as MPI allows); any other value is serialised with node:v8, which throws a
 * DataCloneError for functions and other values structured clone cannot carry.
 */
export function encodeValue(value: unknown): Encoded {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const dtype = dtypeOf(value);
    if (dtype !== DType.Serialized) return { dtype, bytes: Uint8Array.prototype.slice.call(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  }
  return { dtype: DType.Serialized, bytes: serialize(value) };
}

/**
 * A typed array of at most `maxBytes` as a view of its bytes, without a copy (for transports that copy
 * before `send` returns); undefined for anything else.
 */
export function viewOf(value: unknown, maxBytes: number): Encoded | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView || value.byteLength > maxBytes) return undefined;
  const dtype = dtypeOf(value);
  if (dtype === DType.Serialized) return undefined;
  return { dtype, bytes: value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
}

/** Decodes bytes received with `dtype`. A typed array is a view when aligned, else one copy. ERR_DECODE on bad input. */
export function decodeValue(dtype: number, bytes: Uint8Array): unknown {
  if (dtype === DType.Serialized) {
    try {
      return deserialize(bytes);
    } catch (err) {
      throw new DecodeError(`undecodable MPI message (${bytes.length} bytes): ${err instanceof Error ? err.message : String(err)}`, { size: bytes.length });
    }
  }
  const ctor = CONSTRUCTORS[dtype];
  if (!ctor || bytes.byteLength % ctor.BYTES_PER_ELEMENT !== 0) throw new DecodeError(`MPI message with element type ${dtype} and ${bytes.length} bytes`, { dtype, size: bytes.length });
  const count = bytes.byteLength / ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0) return new ctor(bytes.buffer, bytes.byteOffset, count);
  const copy = new ctor(count);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

/** Elements in a message of `size` bytes with element type `dtype` (bytes when serialised). */
export function elementCount(dtype: number, size: number): number {
  const ctor = CONSTRUCTORS[dtype];
  return ctor ? size / ctor.BYTES_PER_ELEMENT : size;
}

/** A new zero-filled typed array of the same kind as `like`, with `length` elements. */
export function sameKind<T extends TypedArray>(like: T, length: number): T {
  const ctor = CONSTRUCTORS[dtypeOf(like)];
  if (!ctor) throw new DecodeError('not a typed array', {});
  const made = new ctor(length);
  if (!isSameKind(made, like)) throw new DecodeError('typed array kinds differ', {});
  return made;
}

function isSameKind<T extends TypedArray>(made: TypedArray, like: T): made is T {
  return made.constructor === like.constructor || (like instanceof Uint8Array && made instanceof Uint8Array);
}
