/**
 * Java's boxed primitives (java.lang.Integer and friends) as the stream carries them: a class with one
 * `value` field, most of them below java.lang.Number. Their serialVersionUIDs are the JDK's own, so a
 * stream courier writes is what ObjectOutputStream writes for the same values.
 */
import type { PrimitiveKind } from '../schema.ts';
import type { JavaClassData, JavaClassDesc, JavaObject, JavaValue } from './stream.ts';

const SC_SERIALIZABLE = 0x02;

/** java.lang.Number: serializable, no fields of its own. */
export const NUMBER_DESC: JavaClassDesc = Object.freeze({
  kind: 'classDesc',
  name: 'java.lang.Number',
  serialVersionUID: -8742448824652078965n,
  flags: SC_SERIALIZABLE,
  fields: Object.freeze([]),
  superClass: null,
});

function box(name: string, suid: bigint, code: string, number: boolean): JavaClassDesc {
  return Object.freeze({
    kind: 'classDesc',
    name,
    serialVersionUID: suid,
    flags: SC_SERIALIZABLE,
    fields: Object.freeze([Object.freeze({ type: code, name: 'value' })]),
    superClass: number ? NUMBER_DESC : null,
  });
}

export const BOX_DESCS = Object.freeze({
  Z: box('java.lang.Boolean', -3665804199014368530n, 'Z', false),
  C: box('java.lang.Character', 3786198910865385080n, 'C', false),
  B: box('java.lang.Byte', -7183698231559129828n, 'B', true),
  S: box('java.lang.Short', 7515723908773894738n, 'S', true),
  I: box('java.lang.Integer', 1360826667806852920n, 'I', true),
  J: box('java.lang.Long', 4290774380558885855n, 'J', true),
  F: box('java.lang.Float', -2671257302660747028n, 'F', true),
  D: box('java.lang.Double', -9172774392245257468n, 'D', true),
});
export type PrimitiveCode = keyof typeof BOX_DESCS;

/** The Java primitive type code of each schema primitive; unsigned kinds take the signed type of their width (as protobuf-java does). */
export const PRIMITIVE_CODES: Readonly<Record<PrimitiveKind, PrimitiveCode>> = Object.freeze({
  boolean: 'Z', char: 'C', int8: 'B', octet: 'B', uint8: 'B', int16: 'S', uint16: 'S', int32: 'I', uint32: 'I', int64: 'J', uint64: 'J', float32: 'F', float64: 'D',
});

/** Every class name a boxed value brings into a stream. */
export const BOX_CLASS_NAMES: readonly string[] = [NUMBER_DESC.name, ...Object.values(BOX_DESCS).map((d) => d.name)];

/** The schema value of `kind` as the Java primitive (two's complement for the unsigned kinds). */
export function toJavaPrimitive(kind: PrimitiveKind, v: number | bigint | boolean | string): JavaValue {
  switch (kind) {
    case 'octet':
    case 'uint8':
      return (Number(v) << 24) >> 24;
    case 'uint16':
      return (Number(v) << 16) >> 16;
    case 'uint32':
      return Number(v) | 0;
    case 'uint64':
      return BigInt.asIntN(64, BigInt(v));
    default:
      return v;
  }
}

/** The Java primitive as a value of `kind`, or undefined when it is not of the kind's Java type. */
export function fromJavaPrimitive(kind: PrimitiveKind, j: JavaValue): unknown {
  switch (PRIMITIVE_CODES[kind]) {
    case 'Z':
      return typeof j === 'boolean' ? j : undefined;
    case 'C':
      // courier's char is one ISO-8859-1 character; a wider Java char does not fit it.
      return typeof j === 'string' && j.length === 1 && j.charCodeAt(0) <= 0xff ? j : undefined;
    case 'J':
      if (typeof j !== 'bigint') return undefined;
      return kind === 'uint64' ? BigInt.asUintN(64, j) : j;
    default:
      if (typeof j !== 'number') return undefined;
      if (kind === 'octet' || kind === 'uint8') return j & 0xff;
      if (kind === 'uint16') return j & 0xffff;
      if (kind === 'uint32') return j >>> 0;
      return j;
  }
}

/**
 * True when autoboxing in Java would hand out one shared instance for this value (the valueOf caches:
 * Boolean, Byte, and Short/Integer/Long -128..127, Character 0..127), so the JDK writes it once and
 * refers back to it; courier does the same to write the same bytes.
 */
export function boxIsCached(code: PrimitiveCode, v: JavaValue): boolean {
  switch (code) {
    case 'Z':
    case 'B':
      return true;
    case 'C':
      return typeof v === 'string' && v.charCodeAt(0) <= 127;
    case 'S':
    case 'I':
      return typeof v === 'number' && v >= -128 && v <= 127;
    case 'J':
      return typeof v === 'bigint' && v >= -128n && v <= 127n;
    default:
      return false;
  }
}

/** A boxed object of the Java primitive `v`. */
export function boxObject(code: PrimitiveCode, v: JavaValue): JavaObject {
  const desc = BOX_DESCS[code];
  const own: JavaClassData = { className: desc.name, fields: { value: v } };
  const data: JavaClassData[] = desc.superClass ? [{ className: NUMBER_DESC.name, fields: {} }, own] : [own];
  return { kind: 'object', className: desc.name, desc, data };
}

/** The primitive inside a boxed object of type `code`, or undefined when `j` is not one. */
export function unbox(code: PrimitiveCode, j: JavaValue): JavaValue | undefined {
  if (j === null || typeof j !== 'object' || j instanceof Uint8Array || j.kind !== 'object' || j.className !== BOX_DESCS[code].name) return undefined;
  return j.data.find((d) => d.className === j.className)?.fields.value;
}
