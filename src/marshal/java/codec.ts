/**
 * `codec(schema, 'java')`: a schema struct as a Java class (annotation `{ java: { className,
 * serialVersionUID } }`), written and read through the generic stream tree. Field descriptors follow
 * ObjectStreamClass's order (primitives first, then objects, each sorted by name); a serialVersionUID
 * that does not match is refused, as Java refuses it.
 */
import { DecodeError, EncodeError, SchemaError } from '../../errors.ts';
import { badPrimitive, primitiveOk, rootPath } from '../check.ts';
import type { Codec } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import { isPrimitive, type EnumSchema, type Schema, type StructSchema } from '../schema.ts';
import { readJavaStream, type JavaClassDesc, type JavaFieldDesc, type JavaValue } from './stream.ts';
import { writeJavaStream } from './write.ts';

const SC_SERIALIZABLE = 0x02;
const SC_ENUM = 0x10;
const codes: Partial<Record<string, string>> = { boolean: 'Z', int8: 'B', octet: 'B', uint8: 'B', int16: 'S', char: 'C', int32: 'I', int64: 'J', float32: 'F', float64: 'D' };

function className(s: StructSchema | EnumSchema): string {
  const n = s.annotations?.java?.className;
  return typeof n === 'string' ? n : s.name.replaceAll('::', '.');
}
function suid(s: StructSchema | EnumSchema): bigint {
  const v = s.annotations?.java?.serialVersionUID;
  return typeof v === 'string' || typeof v === 'number' ? BigInt(v) : 0n;
}

/** The JVM type signature of values of `s` (`I`, `Ljava/lang/String;`, `[I`); ERR_SCHEMA when Java has none. */
function signature(s: Schema, path: string): string {
  if (isPrimitive(s)) {
    const c = codes[s.kind];
    if (!c) throw new SchemaError(`${path}: ${s.kind} has no Java type (Java has no unsigned ${s.kind})`, { path });
    return c;
  }
  switch (s.kind) {
    case 'string':
      return 'Ljava/lang/String;';
    case 'bytes':
      return '[B';
    case 'struct':
    case 'enum':
      return `L${className(s).replaceAll('.', '/')};`;
    case 'sequence':
    case 'array':
      return '[' + signature(s.element, path);
    case 'optional':
      if (isPrimitive(s.element)) throw new SchemaError(`${path}: an optional primitive would be a boxed Java type, not supported`, { path });
      return signature(s.element, path);
    default:
      throw new SchemaError(`${path}: ${s.kind} has no Java representation`, { path });
  }
}

class Mapper {
  private readonly descs = new Map<Schema, JavaClassDesc>();
  readonly names = new Set<string>(['java.lang.Enum']);
  private enumBase: JavaClassDesc | undefined;

  desc(s: Schema, path: string): JavaClassDesc {
    const known = this.descs.get(s);
    if (known) return known;
    let d: JavaClassDesc;
    if (s.kind === 'struct') {
      const fields: JavaFieldDesc[] = s.fields.map((f) => {
        const sig = signature(f.type, `${path}.${f.name}`);
        return sig.length === 1 ? { type: sig, name: f.name } : { type: sig.charAt(0), name: f.name, className: sig };
      });
      // ObjectStreamClass's order: primitive fields first, then object fields, each by name.
      const prim = (f: JavaFieldDesc) => (f.className === undefined ? 0 : 1);
      fields.sort((a, b) => prim(a) - prim(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      d = { kind: 'classDesc', name: className(s), serialVersionUID: suid(s), flags: SC_SERIALIZABLE, fields, superClass: null };
      this.names.add(d.name);
    } else if (s.kind === 'enum') {
      this.enumBase ??= { kind: 'classDesc', name: 'java.lang.Enum', serialVersionUID: 0n, flags: SC_SERIALIZABLE | SC_ENUM, fields: [], superClass: null };
      d = { kind: 'classDesc', name: className(s), serialVersionUID: 0n, flags: SC_SERIALIZABLE | SC_ENUM, fields: [], superClass: this.enumBase };
      this.names.add(d.name);
    } else {
      const sig = signature(s, path);
      d = { kind: 'classDesc', name: sig.replaceAll('/', '.'), serialVersionUID: 0n, flags: SC_SERIALIZABLE, fields: [], superClass: null };
      this.names.add(d.name);
    }
    this.descs.set(s, d);
    return d;
  }

  /** The stream tree of `v`, a value of `s`; ERR_ENCODE with the path for a wrong value. */
  toJava(s: Schema, v: unknown, path: string): JavaValue {
    if (isPrimitive(s)) {
      if (!primitiveOk(s.kind, v)) badPrimitive(path, s.kind, v);
      if (s.kind === 'octet' || s.kind === 'uint8') return (Number(v) << 24) >> 24;
      return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string' ? v : null;
    }
    switch (s.kind) {
      case 'string':
        if (typeof v !== 'string') throw new EncodeError(`${path}: expected a string`, { path });
        return v;
      case 'bytes':
        if (!(v instanceof Uint8Array)) throw new EncodeError(`${path}: expected a Uint8Array`, { path });
        return { kind: 'array', className: '[B', desc: this.desc(s, path), elements: Array.from(v, (b) => (b << 24) >> 24) };
      case 'enum':
        if (typeof v !== 'string' || !s.values.includes(v)) throw new EncodeError(`${path}: expected an enumerator of ${s.name}`, { path });
        return { kind: 'enum', className: className(s), desc: this.desc(s, path), constant: v };
      case 'optional':
        return v === undefined || v === null ? null : this.toJava(s.element, v, path);
      case 'sequence':
      case 'array': {
        if (!Array.isArray(v)) throw new EncodeError(`${path}: expected an array`, { path });
        const d = this.desc(s, path);
        return { kind: 'array', className: d.name, desc: d, elements: v.map((e, i) => this.toJava(s.element, e, `${path}[${i}]`)) };
      }
      case 'struct': {
        if (typeof v !== 'object' || v === null) throw new EncodeError(`${path}: expected an object`, { path });
        const d = this.desc(s, path);
        const fields: Record<string, JavaValue> = {};
        for (const f of s.fields) fields[f.name] = this.toJava(f.type, Reflect.get(v, f.name), `${path}.${f.name}`);
        return { kind: 'object', className: d.name, desc: d, data: [{ className: d.name, fields }] };
      }
      default:
        throw new EncodeError(`${path}: ${s.kind} has no Java representation`, { path });
    }
  }

  /** The value of `s` a stream tree holds; ERR_DECODE (path, offset 0) when it does not fit. */
  fromJava(s: Schema, j: JavaValue, path: string): unknown {
    const fail = (m: string): never => {
      throw new DecodeError(`${path}: ${m}`, { path, offset: 0 });
    };
    if (isPrimitive(s)) {
      if (s.kind === 'octet' || s.kind === 'uint8') return typeof j === 'number' ? j & 255 : fail('expected a byte');
      if (!primitiveOk(s.kind, j)) fail(`expected a Java ${codes[s.kind]}`);
      return j;
    }
    switch (s.kind) {
      case 'string':
        return typeof j === 'string' ? j : fail('expected a String');
      case 'optional':
        return j === null ? undefined : this.fromJava(s.element, j, path);
      default:
        break;
    }
    if (j === null || typeof j !== 'object' || j instanceof Uint8Array) return fail('expected an object');
    switch (s.kind) {
      case 'bytes':
        return j.kind === 'array' && j.className === '[B' ? Uint8Array.from(j.elements, (b) => Number(b) & 255) : fail('expected a byte[]');
      case 'enum':
        return j.kind === 'enum' && j.className === className(s) && s.values.includes(j.constant) ? j.constant : fail(`expected a constant of enum ${className(s)}`);
      case 'sequence':
      case 'array':
        if (j.kind !== 'array') return fail('expected an array');
        if (s.kind === 'array' && j.elements.length !== s.length) fail(`expected ${s.length} elements`);
        return j.elements.map((e, i) => this.fromJava(s.element, e, `${path}[${i}]`));
      case 'struct': {
        const name = className(s);
        if (j.kind !== 'object' || j.className !== name) return fail(`expected an object of class ${name}`);
        if (j.desc.serialVersionUID !== suid(s)) fail(`class ${name}: stream serialVersionUID ${j.desc.serialVersionUID} does not match ${suid(s)}`);
        const data = j.data.find((d) => d.className === name) ?? fail(`class ${name} wrote no field data (not serializable?)`);
        const out: Record<string, unknown> = {};
        for (const f of s.fields) {
          if (!(f.name in data.fields) && f.type.kind !== 'optional') fail(`class ${name} has no field ${f.name}`);
          const v = this.fromJava(f.type, data.fields[f.name] ?? null, `${path}.${f.name}`);
          if (v !== undefined) out[f.name] = v;
        }
        return out;
      }
      default:
        return fail(`${s.kind} has no Java representation`);
    }
  }
}

/** Builds the Java serialization codec of a struct or enum schema; ERR_SCHEMA for types Java lacks. */
export function javaCodec<T>(schema: Schema, limits: Limits): Codec<T> {
  const root = rootPath('name' in schema ? schema.name : undefined);
  const m = new Mapper();
  m.desc(schema, root);
  // Walk the whole schema once so every type Java lacks is refused now, not at the first encode.
  const check = (s: Schema, p: string): void => {
    if (s.kind === 'struct') s.fields.forEach((f) => check(f.type, `${p}.${f.name}`));
    else if (s.kind === 'sequence' || s.kind === 'array' || s.kind === 'optional') check(s.element, p);
    if (s.kind === 'struct' || s.kind === 'enum' || s.kind === 'sequence' || s.kind === 'array' || s.kind === 'bytes') m.desc(s, p);
    else signature(s, p);
  };
  check(schema, root);
  const allowed = m.names;
  return {
    schema,
    format: 'java',
    encode(value: T): Uint8Array {
      return writeJavaStream([m.toJava(schema, value, root)], limits.maxMessageBytes);
    },
    decode(bytes: Uint8Array): T {
      const items = readJavaStream(bytes, { maxDepth: limits.maxDepth, maxBytes: limits.maxMessageBytes, allowClass: (n) => allowed.has(n) });
      if (items.length !== 1) throw new DecodeError(`expected one object in the stream, found ${items.length}`, { path: root, offset: 0 });
      // The mapper built exactly the value shape of the schema.
      return m.fromJava(schema, items[0]!, root) as T;
    },
  };
}
