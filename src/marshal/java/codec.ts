/**
 * `codec(schema, 'java')`: values of a schema as Java objects (the mapping is in plan.ts), written and
 * read through the generic stream tree. A serialVersionUID that does not match is refused, as Java
 * refuses it; decoding reads with an allowlist of exactly the classes the schema can bring in.
 */
import { DecodeError, EncodeError } from '../../errors.ts';
import { badPrimitive, primitiveOk, rootPath } from '../check.ts';
import type { Codec } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import { isPrimitive, type PrimitiveKind, type Schema } from '../schema.ts';
import { boxIsCached, boxObject, fromJavaPrimitive, toJavaPrimitive, unbox } from './boxes.ts';
import { collectionItems, collectionObject, hashOrder } from './collections.ts';
import { boxHash, stringHash } from './hash.ts';
import { PathStack } from './path.ts';
import { Planner, type JType, type StructClass } from './plan.ts';
import { readJavaStream, type JavaClassData, type JavaEnum, type JavaObject, type JavaValue } from './stream.ts';
import { writeJavaStream } from './write.ts';

type Node = Exclude<JavaValue, null | boolean | number | bigint | string | Uint8Array>;

/** One encode: the boxes Java's valueOf caches would share, so they are written once and referred to. */
class Encoder {
  private readonly boxes = new Map<string, JavaObject>();
  private readonly enums = new Map<string, JavaEnum>();

  constructor(private readonly at: PathStack) {}

  /** ERR_ENCODE at the current path. */
  private fail(m: string): never {
    const path = String(this.at);
    throw new EncodeError(`${path}: ${m}`, { path });
  }

  value(j: JType, v: unknown): JavaValue {
    switch (j.t) {
      case 'prim':
        if (!primitiveOk(j.kind, v)) badPrimitive(String(this.at), j.kind, v);
        return toJavaPrimitive(j.kind, v as number | bigint | boolean | string);
      case 'box': {
        if (!primitiveOk(j.kind, v)) badPrimitive(String(this.at), j.kind, v);
        const p = toJavaPrimitive(j.kind, v as number | bigint | boolean | string);
        if (!boxIsCached(j.code, p)) return boxObject(j.code, p);
        const key = j.code + String(p);
        let o = this.boxes.get(key);
        if (!o) this.boxes.set(key, (o = boxObject(j.code, p)));
        return o;
      }
      case 'string':
        return typeof v === 'string' ? v : this.fail('expected a string');
      case 'bytes':
        if (!(v instanceof Uint8Array)) return this.fail('expected a Uint8Array');
        return { kind: 'array', className: '[B', desc: j.desc, elements: Array.from(v, (b) => (b << 24) >> 24) };
      case 'enum': {
        if (typeof v !== 'string' || !j.schema.values.includes(v)) return this.fail(`expected an enumerator of ${j.schema.name}`);
        // An enum constant is a singleton in Java: written once, then referred to.
        const key = `${j.desc.name}.${v}`;
        let e = this.enums.get(key);
        if (!e) this.enums.set(key, (e = { kind: 'enum', className: j.desc.name, desc: j.desc, constant: v }));
        return e;
      }
      case 'optional':
        return v === undefined || v === null ? null : this.value(j.element, v);
      case 'array':
        if (!Array.isArray(v)) return this.fail('expected an array');
        if (j.length !== undefined && v.length !== j.length) this.fail(`expected ${j.length} elements, got ${v.length}`);
        return { kind: 'array', className: j.desc.name, desc: j.desc, elements: this.elements(j.element, v) };
      case 'list': {
        if (!Array.isArray(v)) return this.fail('expected an array');
        const items = this.elements(j.element, v);
        if (j.coll.kind === 'set') noDuplicates(j.element, items, String(this.at));
        const order = j.coll.hashOrder ? hashOrder(items.map((x) => hashOf(j.element, x))) : undefined;
        return collectionObject(j.coll.desc.name, order ? order.map((i) => items[i]!) : items);
      }
      case 'map': {
        if (!Array.isArray(v)) return this.fail('expected an array of { key, value }');
        const keys: JavaValue[] = [];
        const values: JavaValue[] = [];
        for (let i = 0; i < v.length; i++) {
          const e: unknown = v[i];
          this.at.push(i);
          if (typeof e !== 'object' || e === null) this.fail('expected { key, value }');
          this.at.push('key');
          keys.push(this.value(j.key, Reflect.get(e, 'key')));
          this.at.pop();
          this.at.push('value');
          values.push(this.value(j.value, Reflect.get(e, 'value')));
          this.at.pop();
          this.at.pop();
        }
        noDuplicates(j.key, keys, String(this.at));
        const order = j.coll.hashOrder ? hashOrder(keys.map((x) => hashOf(j.key, x))) : keys.map((_, i) => i);
        return collectionObject(j.coll.desc.name, order.flatMap((i) => [keys[i]!, values[i]!]));
      }
      case 'struct':
        if (typeof v !== 'object' || v === null) return this.fail('expected an object');
        return { kind: 'object', className: j.cls.name, desc: j.cls.desc, data: this.structData(j.cls, v) };
    }
  }

  private elements(j: JType, v: readonly unknown[]): JavaValue[] {
    if (j.t === 'prim') return this.primitives(j.kind, v);
    const out: JavaValue[] = new Array<JavaValue>(v.length);
    for (let i = 0; i < v.length; i++) {
      this.at.push(i);
      out[i] = this.value(j, v[i]);
      this.at.pop();
    }
    return out;
  }

  /** Elements of a primitive array, checked in one loop; the path grows only for a wrong element. */
  private primitives(kind: PrimitiveKind, v: readonly unknown[]): JavaValue[] {
    const out: JavaValue[] = new Array<JavaValue>(v.length);
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (!primitiveOk(kind, e)) {
        this.at.push(i);
        badPrimitive(String(this.at), kind, e);
      }
      out[i] = toJavaPrimitive(kind, e as number | bigint | boolean | string);
    }
    return out;
  }

  /** The field data of `v` for its class and its superclasses, superclass first. */
  private structData(cls: StructClass, v: object): JavaClassData[] {
    let data: JavaClassData[] = [];
    if (cls.superclass) {
      const sup: unknown = Reflect.get(v, cls.superclass.field);
      this.at.push(cls.superclass.field);
      if (typeof sup !== 'object' || sup === null) this.fail(`expected an object (the ${cls.superclass.cls.name} part)`);
      data = this.structData(cls.superclass.cls, sup);
      this.at.pop();
    }
    const fields: Record<string, JavaValue> = {};
    for (const f of cls.fields) {
      this.at.push(f.name);
      fields[f.name] = this.value(f.type, Reflect.get(v, f.name));
      this.at.pop();
    }
    data.push({ className: cls.name, fields });
    return data;
  }
}

/** Java's hashCode of a key already in stream form, when the language defines it (strings, boxes). */
function hashOf(j: JType, x: JavaValue): number | undefined {
  if (typeof x === 'string') return stringHash(x);
  if (j.t === 'box') return boxHash(j.code, unbox(j.code, x) ?? null);
  return undefined;
}

/** ERR_ENCODE when two set elements or map keys are equal as Java's equals sees strings and boxes (a JDK would keep one). */
function noDuplicates(j: JType, xs: readonly JavaValue[], path: string): void {
  if (j.t !== 'string' && j.t !== 'box') return;
  const seen = new Set<string>();
  xs.forEach((x, i) => {
    const p = j.t === 'box' ? unbox(j.code, x) : x;
    // Double.equals tells 0.0 from -0.0 and holds NaN equal to itself.
    const id = Object.is(p, -0) ? '-0' : String(p);
    if (seen.has(id)) throw new EncodeError(`${path}[${i}]: ${id.slice(0, 40)} occurs twice in a set or as a map key`, { path: `${path}[${i}]` });
    seen.add(id);
  });
}

function isNode(j: JavaValue): j is Node {
  return j !== null && typeof j === 'object' && !(j instanceof Uint8Array);
}

/** ERR_DECODE at path `at` (offset 0: the mismatch is in the tree, not at one byte). */
function decodeAt(at: PathStack, m: string): never {
  const path = String(at);
  throw new DecodeError(`${path}: ${m}`, { path, offset: 0 });
}

/** The value of a compiled type a stream tree holds; ERR_DECODE (path, offset 0) when it does not fit. */
function fromJava(j: JType, x: JavaValue, at: PathStack): unknown {
  switch (j.t) {
    case 'prim': {
      const v = fromJavaPrimitive(j.kind, x);
      return v === undefined ? decodeAt(at, `expected a Java ${j.code} for ${j.kind}`) : v;
    }
    case 'box': {
      const p = unbox(j.code, x);
      const v = p === undefined ? undefined : fromJavaPrimitive(j.kind, p);
      return v === undefined ? decodeAt(at, `expected a ${j.kind} as a boxed Java ${j.code}`) : v;
    }
    case 'string':
      return typeof x === 'string' ? x : decodeAt(at, 'expected a String');
    case 'optional':
      return x === null ? undefined : fromJava(j.element, x, at);
    default:
      break;
  }
  if (!isNode(x)) return decodeAt(at, 'expected an object');
  switch (j.t) {
    case 'bytes':
      return x.kind === 'array' && x.className === '[B' ? Uint8Array.from(x.elements, (b) => Number(b) & 255) : decodeAt(at, 'expected a byte[]');
    case 'enum':
      return x.kind === 'enum' && x.className === j.desc.name && j.schema.values.includes(x.constant) ? x.constant : decodeAt(at, `expected a constant of enum ${j.desc.name}`);
    case 'array':
      if (x.kind !== 'array') return decodeAt(at, 'expected an array');
      if (j.length !== undefined && x.elements.length !== j.length) decodeAt(at, `expected ${j.length} elements`);
      return elementsFrom(j.element, x.elements, at);
    case 'list':
    case 'map': {
      if (x.kind !== 'object') return decodeAt(at, 'expected a collection object');
      const c = collectionItems(x);
      if (typeof c === 'string') return decodeAt(at, c);
      if ((c.kind === 'map') !== (j.t === 'map')) decodeAt(at, `expected a ${j.t === 'map' ? 'map' : 'list or set'}, found ${x.className}`);
      if (j.t === 'list') return elementsFrom(j.element, c.items, at);
      const out: { key: unknown; value?: unknown }[] = [];
      for (let i = 0; i < c.items.length; i += 2) {
        at.push(i / 2);
        at.push('key');
        const key = fromJava(j.key, c.items[i]!, at);
        at.pop();
        at.push('value');
        const value = fromJava(j.value, c.items[i + 1]!, at);
        at.pop();
        at.pop();
        // An absent optional value is left out, as in any struct.
        out.push(value === undefined ? { key } : { key, value });
      }
      return out;
    }
    case 'struct':
      if (x.kind !== 'object' || x.className !== j.cls.name) return decodeAt(at, `expected an object of class ${j.cls.name}`);
      return structFrom(j.cls, x, at);
  }
}

function elementsFrom(j: JType, xs: readonly JavaValue[], at: PathStack): unknown[] {
  const out = new Array<unknown>(xs.length);
  if (j.t === 'prim') {
    // Primitive arrays in one loop; the path grows only for a wrong element.
    for (let i = 0; i < xs.length; i++) {
      const v = fromJavaPrimitive(j.kind, xs[i]!);
      if (v === undefined) {
        at.push(i);
        decodeAt(at, `expected a Java ${j.code} for ${j.kind}`);
      }
      out[i] = v;
    }
    return out;
  }
  for (let i = 0; i < xs.length; i++) {
    at.push(i);
    out[i] = fromJava(j, xs[i]!, at);
    at.pop();
  }
  return out;
}

/** The struct value of `cls`'s part of object `o` (its superclass part under the superclass field). */
function structFrom(cls: StructClass, o: JavaObject, at: PathStack): Record<string, unknown> {
  let d = o.desc as JavaObject['desc'] | null;
  while (d && d.name !== cls.name) d = d.superClass;
  if (!d) decodeAt(at, `class ${o.className} does not extend ${cls.name}`);
  else if (d.serialVersionUID !== cls.desc.serialVersionUID) decodeAt(at, `class ${cls.name}: stream serialVersionUID ${d.serialVersionUID} does not match ${cls.desc.serialVersionUID}`);
  let data: JavaClassData | undefined;
  for (const x of o.data) if (x.className === cls.name) data = x;
  if (!data) return decodeAt(at, `class ${cls.name} wrote no field data (not serializable?)`);
  const out: Record<string, unknown> = {};
  if (cls.superclass) {
    at.push(cls.superclass.field);
    out[cls.superclass.field] = structFrom(cls.superclass.cls, o, at);
    at.pop();
  }
  for (const f of cls.fields) {
    at.push(f.name);
    // Own properties only: a field named like an Object.prototype member must not find the prototype's.
    const x = Object.hasOwn(data.fields, f.name) ? data.fields[f.name] : undefined;
    if (x === undefined && f.type.t !== 'optional') decodeAt(at, `class ${cls.name} has no field ${f.name}`);
    const v = fromJava(f.type, x ?? null, at);
    at.pop();
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}

/** Builds the Java serialization codec of a schema; ERR_SCHEMA for types Java lacks (unions). */
export function javaCodec<T>(schema: Schema, limits: Limits): Codec<T> {
  const root = rootPath('name' in schema ? schema.name : undefined);
  const planner = new Planner(limits.maxDepth);
  // A primitive on its own can only travel boxed: writeObject takes objects.
  const type = planner.type(schema, root, isPrimitive(schema) ? { boxed: true } : {});
  const allowed: ReadonlySet<string> = planner.names;
  const allowClass = (n: string) => allowed.has(n);
  return {
    schema,
    format: 'java',
    encode(value: T): Uint8Array {
      return writeJavaStream([new Encoder(new PathStack(root)).value(type, value)], limits.maxMessageBytes);
    },
    decode(bytes: Uint8Array): T {
      const items = readJavaStream(bytes, { maxDepth: limits.maxDepth, maxBytes: limits.maxMessageBytes, allowClass });
      if (items.length !== 1) throw new DecodeError(`expected one object in the stream, found ${items.length}`, { path: root, offset: 0 });
      // fromJava built exactly the value shape of the schema.
      return fromJava(type, items[0]!, new PathStack(root)) as T;
    },
  };
}
