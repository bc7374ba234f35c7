/**
 * `codec(schema, 'java')`: values of a schema as Java objects (the mapping is in plan.ts), written and
 * read through the generic stream tree. A serialVersionUID that does not match is refused, as Java
 * refuses it; decoding reads with an allowlist of exactly the classes the schema can bring in.
 */
import { DecodeError, EncodeError } from '../../errors.ts';
import { badPrimitive, primitiveOk, rootPath } from '../check.ts';
import type { Codec } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import { isPrimitive, type Schema } from '../schema.ts';
import { boxIsCached, boxObject, fromJavaPrimitive, toJavaPrimitive, unbox } from './boxes.ts';
import { collectionItems, collectionObject, hashOrder } from './collections.ts';
import { boxHash, stringHash } from './hash.ts';
import { Planner, type JType, type StructClass } from './plan.ts';
import { readJavaStream, type JavaClassData, type JavaEnum, type JavaObject, type JavaValue } from './stream.ts';
import { writeJavaStream } from './write.ts';

type Node = Exclude<JavaValue, null | boolean | number | bigint | string | Uint8Array>;

/** One encode: the boxes Java's valueOf caches would share, so they are written once and referred to. */
class Encoder {
  private readonly boxes = new Map<string, JavaObject>();
  private readonly enums = new Map<string, JavaEnum>();

  value(j: JType, v: unknown, path: string): JavaValue {
    switch (j.t) {
      case 'prim':
        if (!primitiveOk(j.kind, v)) badPrimitive(path, j.kind, v);
        return toJavaPrimitive(j.kind, v as number | bigint | boolean | string);
      case 'box': {
        if (!primitiveOk(j.kind, v)) badPrimitive(path, j.kind, v);
        const p = toJavaPrimitive(j.kind, v as number | bigint | boolean | string);
        if (!boxIsCached(j.code, p)) return boxObject(j.code, p);
        const key = j.code + String(p);
        let o = this.boxes.get(key);
        if (!o) this.boxes.set(key, (o = boxObject(j.code, p)));
        return o;
      }
      case 'string':
        if (typeof v !== 'string') throw new EncodeError(`${path}: expected a string`, { path });
        return v;
      case 'bytes':
        if (!(v instanceof Uint8Array)) throw new EncodeError(`${path}: expected a Uint8Array`, { path });
        return { kind: 'array', className: '[B', desc: j.desc, elements: Array.from(v, (b) => (b << 24) >> 24) };
      case 'enum':
      {
        if (typeof v !== 'string' || !j.schema.values.includes(v)) throw new EncodeError(`${path}: expected an enumerator of ${j.schema.name}`, { path });
        // An enum constant is a singleton in Java: written once, then referred to.
        const key = `${j.desc.name}.${v}`;
        let e = this.enums.get(key);
        if (!e) this.enums.set(key, (e = { kind: 'enum', className: j.desc.name, desc: j.desc, constant: v }));
        return e;
      }
      case 'optional':
        return v === undefined || v === null ? null : this.value(j.element, v, path);
      case 'array':
        if (!Array.isArray(v)) throw new EncodeError(`${path}: expected an array`, { path });
        if (j.length !== undefined && v.length !== j.length) throw new EncodeError(`${path}: expected ${j.length} elements, got ${v.length}`, { path });
        return { kind: 'array', className: j.desc.name, desc: j.desc, elements: v.map((e, i) => this.value(j.element, e, `${path}[${i}]`)) };
      case 'list': {
        if (!Array.isArray(v)) throw new EncodeError(`${path}: expected an array`, { path });
        const items = v.map((e, i) => this.value(j.element, e, `${path}[${i}]`));
        if (j.coll.kind === 'set') noDuplicates(j.element, items, path);
        const order = j.coll.hashOrder ? hashOrder(items.map((x) => hashOf(j.element, x))) : undefined;
        return collectionObject(j.coll.desc.name, order ? order.map((i) => items[i]!) : items);
      }
      case 'map': {
        if (!Array.isArray(v)) throw new EncodeError(`${path}: expected an array of { key, value }`, { path });
        const keys: JavaValue[] = [];
        const values: JavaValue[] = [];
        v.forEach((e: unknown, i) => {
          if (typeof e !== 'object' || e === null) throw new EncodeError(`${path}[${i}]: expected { key, value }`, { path: `${path}[${i}]` });
          keys.push(this.value(j.key, Reflect.get(e, 'key'), `${path}[${i}].key`));
          values.push(this.value(j.value, Reflect.get(e, 'value'), `${path}[${i}].value`));
        });
        noDuplicates(j.key, keys, path);
        const order = j.coll.hashOrder ? hashOrder(keys.map((x) => hashOf(j.key, x))) : keys.map((_, i) => i);
        return collectionObject(j.coll.desc.name, order.flatMap((i) => [keys[i]!, values[i]!]));
      }
      case 'struct': {
        if (typeof v !== 'object' || v === null) throw new EncodeError(`${path}: expected an object`, { path });
        return { kind: 'object', className: j.cls.name, desc: j.cls.desc, data: this.structData(j.cls, v, path) };
      }
    }
  }

  /** The field data of `v` for its class and its superclasses, superclass first. */
  private structData(cls: StructClass, v: object, path: string): JavaClassData[] {
    let data: JavaClassData[] = [];
    if (cls.superclass) {
      const sup: unknown = Reflect.get(v, cls.superclass.field);
      const p = `${path}.${cls.superclass.field}`;
      if (typeof sup !== 'object' || sup === null) throw new EncodeError(`${p}: expected an object (the ${cls.superclass.cls.name} part)`, { path: p });
      data = this.structData(cls.superclass.cls, sup, p);
    }
    const fields: Record<string, JavaValue> = {};
    for (const f of cls.fields) fields[f.name] = this.value(f.type, Reflect.get(v, f.name), `${path}.${f.name}`);
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

/** The value of a compiled type a stream tree holds; ERR_DECODE (path, offset 0) when it does not fit. */
function fromJava(j: JType, x: JavaValue, path: string): unknown {
  const fail = (m: string): never => {
    throw new DecodeError(`${path}: ${m}`, { path, offset: 0 });
  };
  switch (j.t) {
    case 'prim': {
      const v = fromJavaPrimitive(j.kind, x);
      return v === undefined ? fail(`expected a Java ${j.code} for ${j.kind}`) : v;
    }
    case 'box': {
      const p = unbox(j.code, x);
      const v = p === undefined ? undefined : fromJavaPrimitive(j.kind, p);
      return v === undefined ? fail(`expected a ${j.kind} as a boxed Java ${j.code}`) : v;
    }
    case 'string':
      return typeof x === 'string' ? x : fail('expected a String');
    case 'optional':
      return x === null ? undefined : fromJava(j.element, x, path);
    default:
      break;
  }
  if (!isNode(x)) return fail('expected an object');
  switch (j.t) {
    case 'bytes':
      return x.kind === 'array' && x.className === '[B' ? Uint8Array.from(x.elements, (b) => Number(b) & 255) : fail('expected a byte[]');
    case 'enum':
      return x.kind === 'enum' && x.className === j.desc.name && j.schema.values.includes(x.constant) ? x.constant : fail(`expected a constant of enum ${j.desc.name}`);
    case 'array':
      if (x.kind !== 'array') return fail('expected an array');
      if (j.length !== undefined && x.elements.length !== j.length) fail(`expected ${j.length} elements`);
      return x.elements.map((e, i) => fromJava(j.element, e, `${path}[${i}]`));
    case 'list':
    case 'map': {
      if (x.kind !== 'object') return fail('expected a collection object');
      const c = collectionItems(x);
      if (typeof c === 'string') return fail(c);
      if ((c.kind === 'map') !== (j.t === 'map')) fail(`expected a ${j.t === 'map' ? 'map' : 'list or set'}, found ${x.className}`);
      if (j.t === 'list') return c.items.map((e, i) => fromJava(j.element, e, `${path}[${i}]`));
      const out: { key: unknown; value?: unknown }[] = [];
      for (let i = 0; i < c.items.length; i += 2) {
        const key = fromJava(j.key, c.items[i]!, `${path}[${i / 2}].key`);
        const value = fromJava(j.value, c.items[i + 1]!, `${path}[${i / 2}].value`);
        // An absent optional value is left out, as in any struct.
        out.push(value === undefined ? { key } : { key, value });
      }
      return out;
    }
    case 'struct':
      if (x.kind !== 'object' || x.className !== j.cls.name) return fail(`expected an object of class ${j.cls.name}`);
      return structFrom(j.cls, x, path);
  }
}

/** The struct value of `cls`'s part of object `o` (its superclass part under the superclass field). */
function structFrom(cls: StructClass, o: JavaObject, path: string): Record<string, unknown> {
  const fail = (m: string): never => {
    throw new DecodeError(`${path}: ${m}`, { path, offset: 0 });
  };
  let d = o.desc as JavaObject['desc'] | null;
  while (d && d.name !== cls.name) d = d.superClass;
  if (!d) fail(`class ${o.className} does not extend ${cls.name}`);
  else if (d.serialVersionUID !== cls.desc.serialVersionUID) fail(`class ${cls.name}: stream serialVersionUID ${d.serialVersionUID} does not match ${cls.desc.serialVersionUID}`);
  const data = o.data.find((x) => x.className === cls.name) ?? fail(`class ${cls.name} wrote no field data (not serializable?)`);
  const out: Record<string, unknown> = {};
  if (cls.superclass) out[cls.superclass.field] = structFrom(cls.superclass.cls, o, `${path}.${cls.superclass.field}`);
  for (const f of cls.fields) {
    if (!(f.name in data.fields) && f.type.t !== 'optional') fail(`class ${cls.name} has no field ${f.name}`);
    const v = fromJava(f.type, data.fields[f.name] ?? null, `${path}.${f.name}`);
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
      return writeJavaStream([new Encoder().value(type, value, root)], limits.maxMessageBytes);
    },
    decode(bytes: Uint8Array): T {
      const items = readJavaStream(bytes, { maxDepth: limits.maxDepth, maxBytes: limits.maxMessageBytes, allowClass });
      if (items.length !== 1) throw new DecodeError(`expected one object in the stream, found ${items.length}`, { path: root, offset: 0 });
      // fromJava built exactly the value shape of the schema.
      return fromJava(type, items[0]!, root) as T;
    },
  };
}
