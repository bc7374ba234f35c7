/**
 * The interpreted CDR codec: walks the schema tree for every value. It is the reference the compiled
 * codec (compile.ts) must match byte for byte, and the fallback where code generation is not allowed.
 */
import { badPrimitive, decodeFail, encodeFail, float32Overflow, shown } from '../check.ts';
import { isPrimitive, type Label, type PrimitiveKind, type Schema } from '../schema.ts';
import { planUnion, resolveUnion, unionValue, type UnionPlan } from '../union.ts';
import { minSize } from './layout.ts';
import type { CdrReader } from './reader.ts';
import type { CdrWriter } from './writer.ts';

const plans = new WeakMap<Schema, UnionPlan>();
function plan(s: Schema & { kind: 'union' }): UnionPlan {
  let p = plans.get(s);
  if (!p) plans.set(s, (p = planUnion(s)));
  return p;
}

function writePrimitive(w: CdrWriter, kind: PrimitiveKind, v: unknown, path: string): void {
  switch (kind) {
    case 'boolean':
      if (typeof v !== 'boolean') badPrimitive(path, kind, v);
      return w.u8(v ? 1 : 0);
    case 'char':
      if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) > 0xff) badPrimitive(path, kind, v);
      return w.u8(v.charCodeAt(0));
    case 'octet':
    case 'uint8':
      if (typeof v !== 'number' || (v & 0xff) !== v) badPrimitive(path, kind, v);
      return w.u8(v);
    case 'int8':
      if (typeof v !== 'number' || (v << 24) >> 24 !== v) badPrimitive(path, kind, v);
      return w.u8(v & 0xff);
    case 'int16':
      if (typeof v !== 'number' || (v << 16) >> 16 !== v) badPrimitive(path, kind, v);
      return w.i16(v);
    case 'uint16':
      if (typeof v !== 'number' || (v & 0xffff) !== v) badPrimitive(path, kind, v);
      return w.u16(v);
    case 'int32':
      if (typeof v !== 'number' || (v | 0) !== v) badPrimitive(path, kind, v);
      return w.i32(v);
    case 'uint32':
      if (typeof v !== 'number' || v >>> 0 !== v) badPrimitive(path, kind, v);
      return w.u32(v);
    case 'int64':
      if (typeof v !== 'bigint' || BigInt.asIntN(64, v) !== v) badPrimitive(path, kind, v);
      return w.i64(v);
    case 'uint64':
      if (typeof v !== 'bigint' || BigInt.asUintN(64, v) !== v) badPrimitive(path, kind, v);
      return w.u64(v);
    case 'float32':
      if (typeof v !== 'number' || float32Overflow(v)) badPrimitive(path, kind, v);
      return w.f32(v);
    case 'float64':
      if (typeof v !== 'number') badPrimitive(path, kind, v);
      return w.f64(v);
  }
}

/** Messages for the negative codes CdrWriter.str returns. */
export const stringProblems: Readonly<Record<number, string>> = {
  [-1]: 'string holds an unpaired UTF-16 surrogate, which UTF-8 cannot encode',
  [-2]: 'string holds U+0000, which a CDR string cannot carry (its NUL ends the string)',
  [-3]: 'string is longer than its bound',
};

/** Encodes `v` as `s` at the writer's position; ERR_ENCODE with `path` for a value that does not fit. */
export function writeValue(w: CdrWriter, s: Schema, v: unknown, path: string): void {
  if (isPrimitive(s)) return writePrimitive(w, s.kind, v, path);
  switch (s.kind) {
    case 'string': {
      if (typeof v !== 'string') encodeFail(path, `expected a string, got ${shown(v)}`);
      const r = w.str(v, s.maxLength ?? Infinity);
      if (r < 0) encodeFail(path, r === -3 ? `string is longer than its bound of ${s.maxLength} bytes` : stringProblems[r]!);
      return;
    }
    case 'bytes':
      if (!(v instanceof Uint8Array)) encodeFail(path, `expected a Uint8Array, got ${shown(v)}`);
      if (s.maxLength !== undefined && v.length > s.maxLength) encodeFail(path, `${v.length} bytes exceed the bound of ${s.maxLength}`);
      return w.octets(v);
    case 'enum': {
      const i = typeof v === 'string' ? s.values.indexOf(v) : -1;
      if (i < 0) encodeFail(path, `expected one of ${s.name} {${s.values.join(', ')}}, got ${shown(v)}`);
      return w.u32(i);
    }
    case 'struct': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) encodeFail(path, `expected an object for struct ${s.name}, got ${shown(v)}`);
      for (const f of s.fields) writeValue(w, f.type, Reflect.get(v, f.name), `${path}.${f.name}`);
      return;
    }
    case 'sequence': {
      if (!Array.isArray(v)) encodeFail(path, `expected an array, got ${shown(v)}`);
      if (s.maxLength !== undefined && v.length > s.maxLength) encodeFail(path, `${v.length} elements exceed the bound of ${s.maxLength}`);
      w.u32(v.length);
      for (let i = 0; i < v.length; i++) writeValue(w, s.element, v[i], `${path}[${i}]`);
      return;
    }
    case 'array': {
      if (!Array.isArray(v) || v.length !== s.length) encodeFail(path, `expected an array of exactly ${s.length}, got ${shown(v)}`);
      for (let i = 0; i < v.length; i++) writeValue(w, s.element, v[i], `${path}[${i}]`);
      return;
    }
    case 'optional':
      if (v === undefined || v === null) return w.u8(0);
      w.u8(1);
      return writeValue(w, s.element, v, path);
    case 'union': {
      const p = plan(s);
      const { index, label, value } = resolveUnion(p, v, path);
      writeLabel(w, s.discriminator, label);
      if (index < 0) return;
      return writeValue(w, s.cases[index]!.type, value, `${path}.${s.cases[index]!.name}`);
    }
  }
}

function writeLabel(w: CdrWriter, d: Schema, label: Label): void {
  if (d.kind === 'enum') return w.u32(d.values.indexOf(String(label)));
  if (isPrimitive(d)) return writePrimitive(w, d.kind, label, 'discriminator');
}

function readPrimitive(r: CdrReader, kind: PrimitiveKind, path: string): number | bigint | boolean | string {
  switch (kind) {
    case 'boolean': {
      const at = r.pos;
      const b = r.u8(path);
      if (b > 1) decodeFail(path, at, `boolean octet is ${b}, expected 0 or 1`);
      return b === 1;
    }
    case 'char':
      return String.fromCharCode(r.u8(path));
    case 'octet':
    case 'uint8':
      return r.u8(path);
    case 'int8':
      return r.i8(path);
    case 'int16':
      return r.i16(path);
    case 'uint16':
      return r.u16(path);
    case 'int32':
      return r.i32(path);
    case 'uint32':
      return r.u32(path);
    case 'int64':
      return r.i64(path);
    case 'uint64':
      return r.u64(path);
    case 'float32':
      return r.f32(path);
    case 'float64':
      return r.f64(path);
  }
}

/** Reads one value of `s`; ERR_DECODE with offset and path for anything malformed. */
export function readValue(r: CdrReader, s: Schema, path: string, maxSequence: number): unknown {
  if (isPrimitive(s)) return readPrimitive(r, s.kind, path);
  switch (s.kind) {
    case 'string':
      return r.str(path, s.maxLength ?? Infinity);
    case 'bytes':
      return r.octets(path, s.maxLength ?? Infinity);
    case 'enum': {
      const at = r.pos;
      const i = r.u32(path);
      if (i >= s.values.length) decodeFail(path, at, `enum ${s.name} has no ordinal ${i}`);
      return s.values[i];
    }
    case 'struct': {
      const o: Record<string, unknown> = {};
      for (const f of s.fields) {
        const v = readValue(r, f.type, `${path}.${f.name}`, maxSequence);
        if (v !== undefined) o[f.name] = v;
      }
      return o;
    }
    case 'sequence': {
      const at = r.pos;
      const n = r.u32(path);
      checkCount(n, s.element, s.maxLength, r.remaining, maxSequence, path, at);
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) a.push(readValue(r, s.element, `${path}[${i}]`, maxSequence));
      return a;
    }
    case 'array': {
      const a: unknown[] = [];
      for (let i = 0; i < s.length; i++) a.push(readValue(r, s.element, `${path}[${i}]`, maxSequence));
      return a;
    }
    case 'optional': {
      const at = r.pos;
      const flag = r.u8(path);
      if (flag > 1) decodeFail(path, at, `presence flag is ${flag}, expected 0 or 1`);
      return flag === 1 ? readValue(r, s.element, path, maxSequence) : undefined;
    }
    case 'union': {
      const p = plan(s);
      const label = readLabel(r, s.discriminator, path);
      const index = p.byLabel.get(label) ?? p.defaultIndex;
      // No case and no default: CORBA's implicit default, a union holding no member.
      if (index < 0) return unionValue(p, -1, label, undefined);
      const c = s.cases[index]!;
      return unionValue(p, index, label, readValue(r, c.type, `${path}.${c.name}`, maxSequence));
    }
  }
}

function readLabel(r: CdrReader, d: Schema, path: string): Label {
  if (d.kind === 'enum') {
    const at = r.pos;
    const i = r.u32(path);
    if (i >= d.values.length) decodeFail(path, at, `discriminator enum ${d.name} has no ordinal ${i}`);
    return d.values[i]!;
  }
  if (!isPrimitive(d)) return decodeFail(path, r.pos, 'bad discriminator type');
  const v = readPrimitive(r, d.kind, path);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Fails at once when a sequence count cannot be satisfied by the bytes left (nothing is allocated). */
export function checkCount(n: number, element: Schema, max: number | undefined, remaining: number, maxSequence: number, path: string, at: number): void {
  if (max !== undefined && n > max) decodeFail(path, at, `sequence of ${n} elements exceeds its bound of ${max}`);
  const least = minSize(element);
  if (least > 0 ? n * least > remaining : n > maxSequence) {
    decodeFail(path, at, least > 0 ? `sequence count ${n} needs at least ${n * least} bytes, ${remaining} left` : `sequence count ${n} exceeds maxSequenceLength (${maxSequence})`, {
      limit: least > 0 ? remaining : maxSequence,
    });
  }
}
