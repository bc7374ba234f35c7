/**
 * The type system every codec compiles from. A schema is a plain, immutable data tree (no classes, no
 * functions), so the IDL importer, the codecs, the XSD generator and later the protobuf and Java
 * serialization codecs can all walk the same structure. The TypeScript type of the values a schema
 * describes rides along as a phantom property, so `Infer<typeof person>` works without any runtime cost.
 */

import { SchemaError } from '../errors.ts';

declare const phantom: unique symbol;

/** Carries the TypeScript type of a schema's values; never present at run time. */
export interface Typed<T> {
  readonly [phantom]?: T;
}

/** The value type a schema describes: `Infer<typeof personSchema>`. */
export type Infer<S> = [S] extends [Typed<infer T>] ? (unknown extends T ? unknown : T) : unknown;

/** Per-format annotations on a named type, field or case, e.g. `{ java: { className: 'x.Person' } }`. */
export type Annotations = Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>;

export type IntegerKind = 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'octet';
export type BigIntegerKind = 'int64' | 'uint64';
export type FloatKind = 'float32' | 'float64';
export type PrimitiveKind = 'boolean' | 'char' | IntegerKind | BigIntegerKind | FloatKind;

export interface PrimitiveSchema {
  readonly kind: PrimitiveKind;
}
export interface StringSchema {
  readonly kind: 'string';
  /** Maximum length in bytes of the UTF-8 encoding (IDL `string<N>`); absent means unbounded. */
  readonly maxLength?: number;
}
export interface BytesSchema {
  readonly kind: 'bytes';
  /** Maximum number of bytes; absent means unbounded. */
  readonly maxLength?: number;
}
export interface EnumSchema {
  readonly kind: 'enum';
  readonly name: string;
  /** Enumerator names in declaration order; the position is the wire ordinal. */
  readonly values: readonly string[];
  readonly annotations?: Annotations;
}
export interface Field {
  readonly name: string;
  /** Stable field number (protobuf tag); unique within its struct, 1 or more. */
  readonly number: number;
  readonly type: Schema;
  readonly annotations?: Annotations;
}
export interface StructSchema {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: readonly Field[];
  readonly annotations?: Annotations;
}
export interface SequenceSchema {
  readonly kind: 'sequence';
  readonly element: Schema;
  /** Maximum element count (IDL `sequence<T, N>`); absent means unbounded. */
  readonly maxLength?: number;
}
export interface ArraySchema {
  readonly kind: 'array';
  readonly element: Schema;
  /** Exact element count. */
  readonly length: number;
}
/** A value that may be absent. Allowed only as the type of a struct field. */
export interface OptionalSchema {
  readonly kind: 'optional';
  readonly element: Schema;
}
/** A discriminator label: a number for integer discriminators, boolean, a one-character string for char, the enumerator name for enums. */
export type Label = number | boolean | string;
export interface UnionCase {
  readonly name: string;
  readonly number: number;
  /** Discriminator values that select this case; empty for the default case alone. */
  readonly labels: readonly Label[];
  /** True for the `default:` case, chosen by every discriminator value no other case names. */
  readonly isDefault: boolean;
  readonly type: Schema;
  readonly annotations?: Annotations;
}
export interface UnionSchema {
  readonly kind: 'union';
  readonly name: string;
  /** boolean, char, an 8/16/32-bit integer or an enum. */
  readonly discriminator: Schema;
  readonly cases: readonly UnionCase[];
  readonly annotations?: Annotations;
}

/** Any node of a schema tree. */
export type Schema =
  | PrimitiveSchema
  | StringSchema
  | BytesSchema
  | EnumSchema
  | StructSchema
  | SequenceSchema
  | ArraySchema
  | OptionalSchema
  | UnionSchema;

/** A field given with its number or annotations: `t.field(t.int32(), { number: 7 })`. */
export interface FieldSpec<S extends Schema = Schema> {
  readonly kind: 'field';
  readonly type: S;
  readonly number?: number;
  readonly annotations?: Annotations;
}
type FieldInput = Schema | FieldSpec;
type FieldType<F> = F extends FieldSpec<infer S> ? S : F;

type OptionalKeys<F> = { [K in keyof F]: FieldType<F[K]> extends OptionalSchema ? K : never }[keyof F];
type RequiredKeys<F> = Exclude<keyof F, OptionalKeys<F>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** The object type of a struct whose fields are `F`: optional fields become optional properties. */
export type StructValue<F> = Simplify<
  { [K in RequiredKeys<F>]: Infer<FieldType<F[K]>> } & { [K in OptionalKeys<F>]?: Infer<FieldType<F[K]>> }
>;

/** A union case given to the builder: `t.case([1, 2], t.float64())` or `t.defaultCase(t.string())`. */
export interface CaseSpec<S extends Schema = Schema, L extends Label = Label> {
  readonly kind: 'case';
  readonly labels: readonly L[];
  readonly isDefault: boolean;
  readonly type: S;
  readonly number?: number;
  readonly annotations?: Annotations;
}
type HasDefault<C> = true extends { [K in keyof C]: C[K] extends { isDefault: true } ? true : false }[keyof C] ? true : false;
/**
 * A union's value: the case name, that case's value, and the discriminator when the case alone does not
 * determine it (a case with several labels, or the default case). A union without a default case may
 * also hold no member at all (CORBA's implicit default): `{ case: null, discriminator }` with a
 * discriminator no case names.
 */
export type UnionValue<C> =
  | {
      [K in keyof C]: C[K] extends CaseSpec<infer S, infer L>
        ? { case: K; value: Infer<S>; discriminator?: L | (C[K]['isDefault'] extends true ? Label : never) }
        : never;
    }[keyof C]
  | (HasDefault<C> extends true ? never : { case: null; discriminator?: Label });

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const scopedName = /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$/;

function fail(message: string, context: Record<string, unknown> = {}): never {
  throw new SchemaError(message, context);
}

function checkBound(what: string, n: number | undefined, min: number): void {
  if (n !== undefined && !(Number.isSafeInteger(n) && n >= min && n <= 0xffffffff)) {
    fail(`${what} must be an integer from ${min} to 4294967295, got ${n}`);
  }
}

function primitive<K extends PrimitiveKind, T>(kind: K): { readonly kind: K } & Typed<T> {
  return Object.freeze({ kind });
}

function isFieldSpec(f: FieldInput): f is FieldSpec {
  return f.kind === 'field';
}

/** The schema builder. Every function returns a frozen plain-data node typed with its value type. */
export const t = {
  boolean: () => primitive<'boolean', boolean>('boolean'),
  /** An uninterpreted byte, 0..255 (CDR octet). */
  octet: () => primitive<'octet', number>('octet'),
  int8: () => primitive<'int8', number>('int8'),
  int16: () => primitive<'int16', number>('int16'),
  int32: () => primitive<'int32', number>('int32'),
  /** 64-bit signed integer, as a bigint. */
  int64: () => primitive<'int64', bigint>('int64'),
  uint8: () => primitive<'uint8', number>('uint8'),
  uint16: () => primitive<'uint16', number>('uint16'),
  uint32: () => primitive<'uint32', number>('uint32'),
  /** 64-bit unsigned integer, as a bigint. */
  uint64: () => primitive<'uint64', bigint>('uint64'),
  float32: () => primitive<'float32', number>('float32'),
  float64: () => primitive<'float64', number>('float64'),
  /** One character of ISO-8859-1 (code point 0..255), as a one-character string (CDR narrow char). */
  char: () => primitive<'char', string>('char'),
  /** Unicode text; `maxLength` bounds its UTF-8 encoding in bytes (IDL `string<N>`). */
  string(maxLength?: number): StringSchema & Typed<string> {
    checkBound('string bound', maxLength, 1);
    return Object.freeze(maxLength === undefined ? { kind: 'string' } : { kind: 'string', maxLength });
  },
  /** Opaque bytes (CDR `sequence<octet>`, XML base64Binary, JSON base64). */
  bytes(maxLength?: number): BytesSchema & Typed<Uint8Array> {
    checkBound('bytes bound', maxLength, 1);
    return Object.freeze(maxLength === undefined ? { kind: 'bytes' } : { kind: 'bytes', maxLength });
  },
  /** A named enumeration; values are the enumerator names, encoded by ordinal in CDR. */
  enum<const V extends readonly string[]>(name: string, values: V, annotations?: Annotations): EnumSchema & Typed<V[number]> {
    checkTypeName(name);
    if (values.length === 0) fail(`enum ${name} has no enumerators`, { type: name });
    const seen = new Set<string>();
    for (const v of values) {
      if (!identifier.test(v)) fail(`enum ${name}: '${v}' is not an identifier`, { type: name });
      if (seen.has(v)) fail(`enum ${name}: duplicate enumerator '${v}'`, { type: name });
      seen.add(v);
    }
    return Object.freeze({ kind: 'enum', name, values: Object.freeze([...values]), ...(annotations ? { annotations } : {}) });
  },
  /** A field with an explicit number and/or per-format annotations. */
  field<S extends Schema>(type: S, options: { number?: number; annotations?: Annotations } = {}): FieldSpec<S> {
    return { kind: 'field', type, ...options };
  },
  /**
   * A named record. Fields keep the order given; numbers default to 1, 2, 3, … in that order unless a
   * field says otherwise. Throws ERR_SCHEMA for a bad name or a duplicate number.
   */
  struct<const F extends Record<string, FieldInput>>(name: string, fields: F, annotations?: Annotations): StructSchema & Typed<StructValue<F>> {
    checkTypeName(name);
    const list: Field[] = [];
    const numbers = new Set<number>();
    let next = 1;
    for (const [fieldName, input] of Object.entries(fields)) {
      if (!identifier.test(fieldName) || fieldName === '__proto__') fail(`struct ${name}: field name '${fieldName}' is not an identifier`, { type: name });
      const spec = isFieldSpec(input) ? input : { kind: 'field' as const, type: input };
      const number = spec.number ?? next;
      if (!(Number.isSafeInteger(number) && number >= 1 && number <= 536_870_911)) {
        fail(`struct ${name}: field ${fieldName} has number ${number}, expected 1..536870911`, { type: name, field: fieldName });
      }
      if (numbers.has(number)) fail(`struct ${name}: field number ${number} is used twice`, { type: name, field: fieldName });
      numbers.add(number);
      next = number + 1;
      list.push(Object.freeze({ name: fieldName, number, type: spec.type, ...(spec.annotations ? { annotations: spec.annotations } : {}) }));
    }
    return Object.freeze({ kind: 'struct', name, fields: Object.freeze(list), ...(annotations ? { annotations } : {}) });
  },
  /** A variable-length list; `maxLength` bounds the element count (IDL `sequence<T, N>`). */
  sequence<S extends Schema>(element: S, maxLength?: number): SequenceSchema & Typed<Infer<S>[]> {
    checkBound('sequence bound', maxLength, 1);
    notOptional(element, 'a sequence element');
    return Object.freeze(maxLength === undefined ? { kind: 'sequence', element } : { kind: 'sequence', element, maxLength });
  },
  /** A fixed-length list of exactly `length` elements (IDL `T name[N]`). */
  array<S extends Schema>(element: S, length: number): ArraySchema & Typed<Infer<S>[]> {
    checkBound('array length', length, 1);
    notOptional(element, 'an array element');
    return Object.freeze({ kind: 'array', element, length });
  },
  /** A struct field that may be absent (`undefined`). Only valid as a struct field's type. */
  optional<S extends Schema>(element: S): OptionalSchema & Typed<Infer<S> | undefined> {
    notOptional(element, 'an optional');
    return Object.freeze({ kind: 'optional', element });
  },
  /** A union case selected by any of `labels`. */
  case<const L extends Label, S extends Schema>(labels: readonly L[], type: S, options: { number?: number; annotations?: Annotations } = {}): CaseSpec<S, L> & { isDefault: false } {
    if (labels.length === 0) fail('a union case needs at least one label (use t.defaultCase for the default)');
    return { kind: 'case', labels, isDefault: false, type, ...options };
  },
  /** The union's default case, chosen for every discriminator value no other case names. */
  defaultCase<S extends Schema>(type: S, options: { number?: number; annotations?: Annotations } = {}): CaseSpec<S, never> & { isDefault: true } {
    return { kind: 'case', labels: [], isDefault: true, type, ...options };
  },
  /**
   * A discriminated union (CORBA union, protobuf oneof). The discriminator is boolean, char, an 8/16/32-bit
   * integer or an enum; labels must fit it and be distinct; at most one default case.
   */
  union<const C extends Record<string, CaseSpec>>(name: string, discriminator: Schema, cases: C, annotations?: Annotations): UnionSchema & Typed<UnionValue<C>> {
    checkTypeName(name);
    const list: UnionCase[] = [];
    const seenLabels = new Set<Label>();
    const numbers = new Set<number>();
    let next = 1;
    let defaults = 0;
    for (const [caseName, spec] of Object.entries(cases)) {
      if (!identifier.test(caseName) || caseName === '__proto__') fail(`union ${name}: case name '${caseName}' is not an identifier`, { type: name });
      notOptional(spec.type, 'a union case');
      for (const label of spec.labels) {
        checkLabel(name, discriminator, label);
        if (seenLabels.has(label)) fail(`union ${name}: label ${String(label)} is used twice`, { type: name, case: caseName });
        seenLabels.add(label);
      }
      if (spec.isDefault) defaults++;
      const number = spec.number ?? next;
      if (numbers.has(number)) fail(`union ${name}: case number ${number} is used twice`, { type: name, case: caseName });
      numbers.add(number);
      next = number + 1;
      list.push(
        Object.freeze({
          name: caseName,
          number,
          labels: Object.freeze([...spec.labels]),
          isDefault: spec.isDefault,
          type: spec.type,
          ...(spec.annotations ? { annotations: spec.annotations } : {}),
        }),
      );
    }
    if (list.length === 0) fail(`union ${name} has no cases`, { type: name });
    if (defaults > 1) fail(`union ${name} has more than one default case`, { type: name });
    if (defaults === 1 && unusedLabel(discriminator, seenLabels) === undefined) {
      fail(`union ${name}: the default case can never be chosen, every discriminator value has a label`, { type: name });
    }
    return Object.freeze({ kind: 'union', name, discriminator, cases: Object.freeze(list), ...(annotations ? { annotations } : {}) });
  },
};

function checkTypeName(name: string): void {
  if (!scopedName.test(name)) fail(`'${name}' is not a valid type name (identifiers joined by ::)`, { type: name });
}

function notOptional(s: Schema, where: string): void {
  if (s.kind === 'optional') fail(`optional is only allowed as a struct field's type, not as ${where}`);
}

const discriminatorRanges: Partial<Record<Schema['kind'], readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  octet: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

/** True when `s` can discriminate a union. */
export function isDiscriminatorType(s: Schema): boolean {
  return s.kind === 'boolean' || s.kind === 'char' || s.kind === 'enum' || discriminatorRanges[s.kind] !== undefined;
}

function checkLabel(union: string, d: Schema, label: Label): void {
  const bad = () => fail(`union ${union}: label ${JSON.stringify(label)} does not fit discriminator type ${d.kind}`, { type: union });
  if (d.kind === 'boolean') {
    if (typeof label !== 'boolean') bad();
  } else if (d.kind === 'char') {
    if (typeof label !== 'string' || label.length !== 1 || label.charCodeAt(0) > 255) bad();
  } else if (d.kind === 'enum') {
    if (typeof label !== 'string' || !d.values.includes(label)) bad();
  } else {
    const range = discriminatorRanges[d.kind];
    if (!range) fail(`union ${union}: ${d.kind} cannot be a discriminator (use boolean, char, an 8/16/32-bit integer or an enum)`, { type: union });
    if (typeof label !== 'number' || !Number.isInteger(label) || label < range[0] || label > range[1]) bad();
  }
}

/** A discriminator value that no label in `used` names, or undefined when every value is taken. */
export function unusedLabel(d: Schema, used: ReadonlySet<Label>): Label | undefined {
  if (d.kind === 'boolean') return !used.has(false) ? false : !used.has(true) ? true : undefined;
  if (d.kind === 'enum') return d.values.find((v) => !used.has(v));
  if (d.kind === 'char') {
    // Printable characters first, so the default label survives XML, which cannot carry most controls.
    for (let i = 0; i < 256; i++) {
      const c = String.fromCharCode((i + 0x20) % 256);
      if (!used.has(c)) return c;
    }
    return undefined;
  }
  const range = discriminatorRanges[d.kind];
  if (!range) return undefined;
  // Labels are few, so scanning from 0 upward (then the negatives) finds a free value quickly.
  for (let v = Math.max(0, range[0]); v <= range[1]; v++) if (!used.has(v)) return v;
  for (let v = -1; v >= range[0]; v--) if (!used.has(v)) return v;
  return undefined;
}

/** A short human-readable name for a schema node, for messages and the XSD. */
export function describe(s: Schema): string {
  switch (s.kind) {
    case 'struct':
    case 'enum':
    case 'union':
      return s.name;
    case 'string':
    case 'bytes':
      return s.maxLength === undefined ? s.kind : `${s.kind}<${s.maxLength}>`;
    case 'sequence':
      return `sequence<${describe(s.element)}${s.maxLength === undefined ? '' : `, ${s.maxLength}`}>`;
    case 'array':
      return `${describe(s.element)}[${s.length}]`;
    case 'optional':
      return `optional<${describe(s.element)}>`;
    default:
      return s.kind;
  }
}

/** Nesting depth of a schema tree (a primitive is 1). */
export function schemaDepth(s: Schema): number {
  switch (s.kind) {
    case 'struct':
      return 1 + Math.max(0, ...s.fields.map((f) => schemaDepth(f.type)));
    case 'union':
      return 1 + Math.max(0, ...s.cases.map((c) => schemaDepth(c.type)));
    case 'sequence':
    case 'array':
    case 'optional':
      return 1 + schemaDepth(s.element);
    default:
      return 1;
  }
}

const primitiveKinds: ReadonlySet<string> = new Set<PrimitiveKind>([
  'boolean', 'char', 'octet', 'int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32', 'int64', 'uint64', 'float32', 'float64',
]);

/** True for the fixed-size scalar kinds (boolean, char, integers, floats). */
export function isPrimitive(s: Schema): s is PrimitiveSchema {
  return primitiveKinds.has(s.kind);
}
