/**
 * How a courier schema maps onto Java classes, worked out once per schema. Struct annotations:
 * `{ java: { className, serialVersionUID, public } }`. Field annotations: `boxed: true` (a primitive as
 * java.lang.Integer &c., a sequence of primitives as Integer[]), `collection: 'java.util.ArrayList'`
 * (LinkedList, HashSet, LinkedHashSet; HashMap or LinkedHashMap for a sequence of `{ key, value }`
 * structs), `type: 'java.util.List'` (the field's declared type, for its descriptor) and
 * `superclass: true` (this struct field is the Java superclass's part of the object). Unsigned integers
 * take the signed Java type of their width, as protobuf-java does. Unions have no Java form (ERR_SCHEMA).
 */
import { SchemaError } from '../../errors.ts';
import { isPrimitive, type EnumSchema, type Field, type PrimitiveKind, type Schema, type StructSchema } from '../schema.ts';
import { arraySerialVersionUID } from './array-suid.ts';
import { BOX_CLASS_NAMES, BOX_DESCS, PRIMITIVE_CODES, type PrimitiveCode } from './boxes.ts';
import { COLLECTIONS, COLLECTION_CLASS_NAMES, type CollectionClass } from './collections.ts';
import type { JavaClassDesc, JavaFieldDesc } from './stream.ts';

const SC_SERIALIZABLE = 0x02;
const SC_ENUM = 0x10;

/** A struct as a Java class: its descriptor, its fields in descriptor order, and its superclass part. */
export interface StructClass {
  readonly schema: StructSchema;
  readonly name: string;
  readonly desc: JavaClassDesc;
  /** The struct's own fields (not the superclass field), in ObjectStreamClass's order. */
  readonly fields: readonly { readonly name: string; readonly code: string; readonly type: JType }[];
  readonly superclass?: { readonly field: string; readonly cls: StructClass };
}

/** A compiled Java type: what a value becomes in the stream and how it is checked. */
export type JType =
  | { readonly t: 'prim'; readonly kind: PrimitiveKind; readonly code: PrimitiveCode }
  | { readonly t: 'box'; readonly kind: PrimitiveKind; readonly code: PrimitiveCode }
  | { readonly t: 'string' }
  | { readonly t: 'bytes'; readonly desc: JavaClassDesc }
  | { readonly t: 'enum'; readonly schema: EnumSchema; readonly desc: JavaClassDesc }
  | { readonly t: 'struct'; readonly cls: StructClass }
  | { readonly t: 'array'; readonly desc: JavaClassDesc; readonly element: JType; readonly length?: number }
  | { readonly t: 'list'; readonly coll: CollectionClass; readonly element: JType; readonly declared: string }
  | { readonly t: 'map'; readonly coll: CollectionClass; readonly key: JType; readonly value: JType; readonly declared: string }
  | { readonly t: 'optional'; readonly element: JType };

type FieldOptions = { boxed?: boolean; collection?: string; type?: string; superclass?: boolean };

function javaAnn(ann: Field['annotations'], path: string): FieldOptions {
  const j = ann?.java;
  if (!j) return {};
  const out: FieldOptions = {};
  for (const [k, v] of Object.entries(j)) {
    if ((k === 'boxed' || k === 'superclass') && typeof v === 'boolean') out[k] = v;
    else if ((k === 'collection' || k === 'type') && typeof v === 'string') out[k] = v;
    else throw new SchemaError(`${path}: unknown or mistyped Java field annotation ${k}=${JSON.stringify(v)}`, { path });
  }
  return out;
}

export function className(s: StructSchema | EnumSchema): string {
  const n = s.annotations?.java?.className;
  return typeof n === 'string' ? n : s.name.replaceAll('::', '.');
}
function suid(s: StructSchema): bigint {
  const v = s.annotations?.java?.serialVersionUID;
  return typeof v === 'string' || typeof v === 'number' ? BigInt(v) : 0n;
}

/** Compiles a schema's Java mapping; every class name it can bring into a stream lands in `names`. */
export class Planner {
  readonly names = new Set<string>();
  private readonly structs = new Map<StructSchema, StructClass>();
  private readonly enums = new Map<EnumSchema, JavaClassDesc>();
  private readonly arrays = new Map<string, JavaClassDesc>();
  private enumBase: JavaClassDesc | undefined;

  constructor(private readonly maxDepth: number) {}

  /** The Java type of a value of `s`; `opts` are the annotations of the field that holds it. */
  type(s: Schema, path: string, opts: FieldOptions = {}, depth = 0): JType {
    if (depth > this.maxDepth) throw new SchemaError(`${path}: schema nests deeper than maxDepth (${this.maxDepth})`, { path });
    if (opts.collection !== undefined && s.kind !== 'sequence' && !(s.kind === 'optional' && s.element.kind === 'sequence')) {
      throw new SchemaError(`${path}: collection ${opts.collection} needs a sequence field`, { path });
    }
    if (isPrimitive(s)) {
      const code = PRIMITIVE_CODES[s.kind];
      if (!opts.boxed) return { t: 'prim', kind: s.kind, code };
      BOX_CLASS_NAMES.forEach((n) => this.names.add(n));
      return { t: 'box', kind: s.kind, code };
    }
    switch (s.kind) {
      case 'string':
        return { t: 'string' };
      case 'bytes':
        return { t: 'bytes', desc: this.arrayDesc('[B', true) };
      case 'enum':
        return { t: 'enum', schema: s, desc: this.enumDesc(s) };
      case 'struct':
        return { t: 'struct', cls: this.struct(s, path, depth) };
      case 'optional': {
        // A primitive that may be absent can only be a boxed type in Java.
        const inner = this.type(s.element, path, isPrimitive(s.element) ? { ...opts, boxed: true } : opts, depth + 1);
        return { t: 'optional', element: inner };
      }
      case 'sequence':
      case 'array': {
        if (opts.collection !== undefined) return this.collection(s.element, opts.collection, opts.type, path, depth);
        const element = this.type(s.element, `${path}[]`, opts.boxed && isPrimitive(s.element) ? { boxed: true } : {}, depth + 1);
        const name = '[' + descriptorOf(element).replaceAll('/', '.');
        return { t: 'array', desc: this.arrayDesc(name, publicElement(element)), element, ...(s.kind === 'array' ? { length: s.length } : {}) };
      }
      default:
        throw new SchemaError(`${path}: ${s.kind} has no Java representation (Java has no unions)`, { path });
    }
  }

  private collection(element: Schema, name: string, declared: string | undefined, path: string, depth: number): JType {
    const coll = COLLECTIONS.get(name);
    if (!coll) throw new SchemaError(`${path}: ${name} is not a supported collection (${[...COLLECTIONS.keys()].join(', ')})`, { path });
    COLLECTION_CLASS_NAMES.forEach((n) => this.names.add(n));
    // Collections hold objects: primitives go in boxed.
    const boxed = (s: Schema) => (isPrimitive(s) ? { boxed: true } : {});
    if (coll.kind !== 'map') return { t: 'list', coll, element: this.type(element, `${path}[]`, boxed(element), depth + 1), declared: declared ?? name };
    const [k, v] = element.kind === 'struct' ? element.fields : [];
    if (element.kind !== 'struct' || element.fields.length !== 2 || k?.name !== 'key' || v?.name !== 'value') {
      throw new SchemaError(`${path}: ${name} needs a sequence of structs with exactly the fields key and value`, { path });
    }
    return { t: 'map', coll, key: this.type(k.type, `${path}.key`, boxed(k.type), depth + 1), value: this.type(v.type, `${path}.value`, boxed(v.type), depth + 1), declared: declared ?? name };
  }

  private arrayDesc(name: string, pub: boolean): JavaClassDesc {
    let d = this.arrays.get(name);
    if (!d) {
      d = { kind: 'classDesc', name, serialVersionUID: arraySerialVersionUID(name, pub), flags: SC_SERIALIZABLE, fields: [], superClass: null };
      this.arrays.set(name, d);
      this.names.add(name);
    }
    return d;
  }

  private enumDesc(s: EnumSchema): JavaClassDesc {
    let d = this.enums.get(s);
    if (!d) {
      this.enumBase ??= { kind: 'classDesc', name: 'java.lang.Enum', serialVersionUID: 0n, flags: SC_SERIALIZABLE | SC_ENUM, fields: [], superClass: null };
      d = { kind: 'classDesc', name: className(s), serialVersionUID: 0n, flags: SC_SERIALIZABLE | SC_ENUM, fields: [], superClass: this.enumBase };
      this.enums.set(s, d);
      this.names.add(d.name).add('java.lang.Enum');
    }
    return d;
  }

  struct(s: StructSchema, path: string, depth = 0): StructClass {
    const known = this.structs.get(s);
    if (known) return known;
    const fields: { name: string; code: string; type: JType; sig: string }[] = [];
    let superclass: StructClass['superclass'];
    for (const f of s.fields) {
      const fpath = `${path}.${f.name}`;
      const opts = javaAnn(f.annotations, fpath);
      if (opts.superclass) {
        if (f.type.kind !== 'struct') throw new SchemaError(`${fpath}: a superclass field must be a struct (not optional)`, { path: fpath });
        if (superclass) throw new SchemaError(`${fpath}: a Java class has one superclass, ${superclass.field} is already it`, { path: fpath });
        superclass = { field: f.name, cls: this.struct(f.type, fpath, depth + 1) };
        continue;
      }
      const type = this.type(f.type, fpath, opts, depth + 1);
      const sig = descriptorOf(type);
      fields.push({ name: f.name, code: sig.charAt(0), type, sig });
    }
    // ObjectStreamClass's order: primitive fields first, then object fields, each by name.
    const prim = (f: { sig: string }) => (f.sig.length === 1 ? 0 : 1);
    fields.sort((a, b) => prim(a) - prim(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const descFields: JavaFieldDesc[] = fields.map((f) => (f.sig.length === 1 ? { type: f.code, name: f.name } : { type: f.code, name: f.name, className: f.sig }));
    const name = className(s);
    const desc: JavaClassDesc = { kind: 'classDesc', name, serialVersionUID: suid(s), flags: SC_SERIALIZABLE, fields: descFields, superClass: superclass?.cls.desc ?? null };
    this.names.add(name);
    const cls: StructClass = { schema: s, name, desc, fields: fields.map(({ name: n, code, type }) => ({ name: n, code, type })), ...(superclass ? { superclass } : {}) };
    this.structs.set(s, cls);
    return cls;
  }
}

/** The JVM type descriptor of a compiled type (`I`, `Ljava/lang/Integer;`, `[I`, `Ljava/util/List;`). */
export function descriptorOf(j: JType): string {
  switch (j.t) {
    case 'prim':
      return j.code;
    case 'box':
      return `L${BOX_DESCS[j.code].name.replaceAll('.', '/')};`;
    case 'string':
      return 'Ljava/lang/String;';
    case 'bytes':
      return '[B';
    case 'enum':
    case 'array':
      return j.desc.name.startsWith('[') ? j.desc.name.replaceAll('.', '/') : `L${j.desc.name.replaceAll('.', '/')};`;
    case 'struct':
      return `L${j.cls.name.replaceAll('.', '/')};`;
    case 'list':
    case 'map':
      return `L${j.declared.replaceAll('.', '/')};`;
    case 'optional':
      return descriptorOf(j.element);
  }
}

/** Whether the innermost element class of an array is public (it decides the array's serialVersionUID). */
function publicElement(j: JType): boolean {
  if (j.t === 'struct') return j.cls.schema.annotations?.java?.public !== false;
  if (j.t === 'enum') return j.schema.annotations?.java?.public !== false;
  if (j.t === 'array') return publicElement(j.element);
  return true;
}
