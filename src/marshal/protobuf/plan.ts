/**
 * How a courier schema maps onto protobuf messages, worked out once per schema: struct → message,
 * sequence/array → repeated (packed for scalars), optional → explicit presence, union → a message
 * holding one oneof (or the parent's own oneof with the `protobuf.oneof` annotation), enum → enum.
 * Shapes protobuf has no field for (a list of lists, an optional list, a non-struct root) become a
 * wrapper message whose field 1 holds them. A map is a repeated entry message (key = 1, value = 2)
 * annotated `{ protobuf: { mapEntry: true } }`, which is exactly its wire form.
 */
import { SchemaError } from '../../errors.ts';
import { isPrimitive, type EnumSchema, type Field, type PrimitiveKind, type Schema, type StructSchema, type UnionSchema } from '../schema.ts';
import { planUnion, type UnionPlan } from '../union.ts';
import { FIXED32, FIXED64, LEN, VARINT } from './wire.ts';

/** How a scalar is written: the protobuf type of its field. */
export type ScalarType =
  | 'bool' | 'int32' | 'sint32' | 'sfixed32' | 'uint32' | 'fixed32' | 'int64' | 'sint64' | 'sfixed64' | 'uint64' | 'fixed64' | 'float' | 'double' | 'enum';

/** The protobuf enum behind a schema enum: enumerator numbers default to the ordinals. */
export interface EnumPlan {
  readonly schema: EnumSchema;
  readonly numberOf: ReadonlyMap<string, number>;
  readonly nameOf: ReadonlyMap<number, string>;
  /** The enumerator a missing field means (number 0, else the first). */
  readonly zero: string;
}

export type Node =
  | { readonly t: 'scalar'; readonly kind: PrimitiveKind | 'enum'; readonly type: ScalarType; readonly wire: number; readonly enumPlan?: EnumPlan }
  | { readonly t: 'string'; readonly max: number | undefined }
  | { readonly t: 'bytes'; readonly max: number | undefined }
  | { readonly t: 'message'; readonly plan: MessagePlan }
  | { readonly t: 'union'; readonly plan: OneofPlan }
  | { readonly t: 'wrap'; readonly inner: FieldPlan };

/** One protobuf field: its number, how its value is written, and whether it repeats. */
export interface FieldPlan {
  readonly name: string;
  /** The proto3 JSON name: the `protobuf.jsonName` annotation (a .proto `json_name`), else lowerCamelCase. */
  readonly jsonName: string;
  readonly number: number;
  readonly node: Node;
  /** For a sequence or array: its bounds, and whether elements are packed into one record. */
  readonly list: { readonly max: number | undefined; readonly exact: number | undefined; readonly packed: boolean } | undefined;
  /** implicit: default values are not written (proto3 scalars); explicit: written when present; always: written. */
  readonly presence: 'implicit' | 'explicit' | 'always';
  /** The field's key (number and wire type) when written as one record. */
  readonly key: number;
}

/** A union as oneof: one field per case, numbered by the case numbers. */
export interface OneofPlan {
  readonly union: UnionPlan;
  readonly cases: readonly FieldPlan[];
  readonly byNumber: ReadonlyMap<number, number>;
}

/** A message entry: an ordinary field, or a oneof whose cases are fields of this message. */
export type Member = { readonly t: 'field'; readonly name: string; readonly field: FieldPlan } | { readonly t: 'oneof'; readonly name: string; readonly oneof: OneofPlan };

export interface MessagePlan {
  readonly name: string;
  /** The fully qualified .proto name when the struct came from a .proto file (annotation `protobuf.message`). */
  readonly proto?: string;
  /** A map field's entry message (key = 1, value = 2). */
  readonly mapEntry?: boolean;
  readonly members: readonly Member[];
  /** Field number → [member index, case index or -1]. */
  readonly byNumber: ReadonlyMap<number, readonly [number, number]>;
}

const scalarOf: Record<PrimitiveKind, ScalarType> = {
  boolean: 'bool', int8: 'int32', int16: 'int32', int32: 'int32', octet: 'uint32', uint8: 'uint32', uint16: 'uint32', uint32: 'uint32', char: 'uint32',
  int64: 'int64', uint64: 'uint64', float32: 'float', float64: 'double',
};
/** The alternative wire types a field annotation `{ protobuf: { type } }` may choose, per schema kind. */
const overrides: Partial<Record<PrimitiveKind, readonly ScalarType[]>> = {
  int8: ['sint32', 'sfixed32'], int16: ['sint32', 'sfixed32'], int32: ['sint32', 'sfixed32'],
  octet: ['fixed32'], uint8: ['fixed32'], uint16: ['fixed32'], uint32: ['fixed32'], char: ['fixed32'],
  int64: ['sint64', 'sfixed64'], uint64: ['fixed64'],
};
/** Wire type of each scalar type. */
export const wireOf: Record<ScalarType, number> = {
  bool: VARINT, int32: VARINT, sint32: VARINT, uint32: VARINT, int64: VARINT, sint64: VARINT, uint64: VARINT, enum: VARINT,
  sfixed32: FIXED32, fixed32: FIXED32, float: FIXED32, sfixed64: FIXED64, fixed64: FIXED64, double: FIXED64,
};

/** protoc's JSON name of a field: underscores dropped, the letter after each one upper-cased. */
export function lowerCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replaceAll('_', '');
}

type Ann = Readonly<Record<string, string | number | boolean>> | undefined;

/** Builds the message plan of a root schema (a non-struct root is wrapped as field 1). Throws ERR_SCHEMA. */
export function planRoot(schema: Schema): MessagePlan {
  const planner = new Planner();
  if (schema.kind === 'struct') return planner.message(schema);
  const f = planner.field('value', 1, schema, undefined, 'always');
  return { name: 'value', members: [{ t: 'field', name: 'value', field: f }], byNumber: new Map([[1, [0, -1] as const]]) };
}

class Planner {
  private readonly messages = new Map<StructSchema, MessagePlan>();
  private readonly enums = new Map<EnumSchema, EnumPlan>();
  private readonly unions = new Map<UnionSchema, OneofPlan>();

  message(s: StructSchema): MessagePlan {
    const known = this.messages.get(s);
    if (known) return known;
    const members: Member[] = [];
    const byNumber = new Map<number, readonly [number, number]>();
    const mapEntry = s.annotations?.protobuf?.mapEntry === true;
    const claim = (n: number, at: readonly [number, number], what: string) => {
      if (byNumber.has(n)) throw new SchemaError(`${s.name}.${what}: protobuf field number ${n} is used twice in message ${s.name}`, { type: s.name, field: what });
      byNumber.set(n, at);
    };
    s.fields.forEach((f: Field, i) => {
      const ann: Ann = f.annotations?.protobuf;
      if (ann?.oneof === true) {
        if (f.type.kind !== 'optional' || f.type.element.kind !== 'union') {
          throw new SchemaError(`${s.name}.${f.name}: a field marked protobuf.oneof must be optional<union>`, { type: s.name, field: f.name });
        }
        const oneof = this.oneof(f.type.element);
        members.push({ t: 'oneof', name: f.name, oneof });
        oneof.cases.forEach((c, ci) => claim(c.number, [i, ci], `${f.name}.${c.name}`));
      } else {
        // protoc writes a map entry's key and value even at their defaults; so does courier, byte for byte.
        const field = this.field(f.name, f.number, f.type, ann, mapEntry ? 'always' : 'implicit');
        members.push({ t: 'field', name: f.name, field });
        claim(f.number, [i, -1], f.name);
      }
    });
    const proto = s.annotations?.protobuf?.message;
    const plan: MessagePlan = { name: s.name, members, byNumber, ...(typeof proto === 'string' ? { proto } : {}), ...(mapEntry ? { mapEntry } : {}) };
    this.messages.set(s, plan);
    return plan;
  }

  private oneof(u: UnionSchema): OneofPlan {
    const known = this.unions.get(u);
    if (known) return known;
    const cases = u.cases.map((c) => this.field(c.name, c.number, c.type, c.annotations?.protobuf, 'explicit'));
    if (cases.some((c) => c.list)) {
      // A repeated field cannot be a oneof member; wrap the list so the case stays one record.
      cases.forEach((c, i) => {
        if (c.list) cases[i] = this.wrapped(c.name, c.number, c);
      });
    }
    const plan: OneofPlan = { union: planUnion(u), cases, byNumber: new Map(cases.map((c, i) => [c.number, i])) };
    this.unions.set(u, plan);
    return plan;
  }

  private wrapped(name: string, number: number, inner: FieldPlan): FieldPlan {
    const node: Node = { t: 'wrap', inner: { ...inner, name: 'value', jsonName: 'value', number: 1, key: (1 << 3) | (inner.key & 7) } };
    return { name, jsonName: inner.jsonName, number, node, list: undefined, presence: 'explicit', key: ((number << 3) | LEN) >>> 0 };
  }

  /** The plan of a field (or case) of type `s`; `presence` is what a non-optional value of it gets. */
  field(name: string, number: number, s: Schema, ann: Ann, presence: 'implicit' | 'explicit' | 'always'): FieldPlan {
    if (s.kind === 'optional') {
      const inner = this.field(name, number, s.element, ann, 'explicit');
      // An absent list and an empty one look the same on the wire, so an optional list is wrapped.
      return inner.list ? this.wrapped(name, number, inner) : { ...inner, presence: 'explicit' };
    }
    if (s.kind === 'sequence' || s.kind === 'array') {
      let el = this.field(name, number, s.element, ann, 'always');
      if (el.list) el = { ...this.wrapped(name, number, el), presence: 'always' };
      const packed = el.node.t === 'scalar' && ann?.packed !== false;
      const list = { max: s.kind === 'sequence' ? s.maxLength : undefined, exact: s.kind === 'array' ? s.length : undefined, packed };
      return { ...el, list, key: packed ? ((number << 3) | LEN) >>> 0 : el.key };
    }
    const node = this.node(s, ann, name);
    // A proto2 required field is written even at its default, or a proto2 peer rejects the message.
    if (ann?.required === true && presence === 'implicit') presence = 'always';
    const wire = node.t === 'scalar' ? node.wire : LEN;
    const p = node.t === 'scalar' || node.t === 'string' || node.t === 'bytes' ? presence : presence === 'implicit' ? 'always' : presence;
    const jsonName = typeof ann?.jsonName === 'string' ? ann.jsonName : lowerCamel(name);
    return { name, jsonName, number, node, list: undefined, presence: p, key: ((number << 3) | wire) >>> 0 };
  }

  private node(s: Schema, ann: Ann, name: string): Node {
    if (isPrimitive(s)) {
      let type = scalarOf[s.kind];
      const wanted = ann?.type;
      if (wanted !== undefined && wanted !== type) {
        const ok = overrides[s.kind]?.find((x) => x === wanted);
        if (!ok) throw new SchemaError(`${name}: protobuf type ${String(wanted)} cannot carry a ${s.kind}`, { field: name });
        type = ok;
      }
      return { t: 'scalar', kind: s.kind, type, wire: wireOf[type] };
    }
    switch (s.kind) {
      case 'string':
      case 'bytes':
        return { t: s.kind, max: s.maxLength };
      case 'enum':
        return { t: 'scalar', kind: 'enum', type: 'enum', wire: VARINT, enumPlan: this.enumPlan(s) };
      case 'struct':
        return { t: 'message', plan: this.message(s) };
      case 'union':
        return { t: 'union', plan: this.oneof(s) };
      default:
        throw new SchemaError(`${name}: ${s.kind} has no protobuf representation here`, { field: name });
    }
  }

  private enumPlan(s: EnumSchema): EnumPlan {
    const known = this.enums.get(s);
    if (known) return known;
    const given = s.annotations?.protobuf?.numbers;
    const numbers = typeof given === 'string' ? given.split(',').map((x) => Number(x.trim())) : s.values.map((_, i) => i);
    if (numbers.length !== s.values.length || numbers.some((n) => !Number.isInteger(n) || (n | 0) !== n)) {
      throw new SchemaError(`enum ${s.name}: protobuf.numbers must list one int32 per enumerator`, { type: s.name });
    }
    const numberOf = new Map(s.values.map((v, i) => [v, numbers[i]!]));
    const nameOf = new Map<number, string>();
    // With allow_alias several names share a number; the first one is read back.
    s.values.forEach((v, i) => {
      if (!nameOf.has(numbers[i]!)) nameOf.set(numbers[i]!, v);
    });
    const plan: EnumPlan = { schema: s, numberOf, nameOf, zero: nameOf.get(0) ?? s.values[0]! };
    this.enums.set(s, plan);
    return plan;
  }
}
