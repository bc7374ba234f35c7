/**
 * The protobuf encoder: walks a message plan and a value, writing proto3 wire data. Scalars with
 * implicit presence are skipped at their default value, as protoc does, so encodings are byte-identical
 * to protoc's for the same message; unknown fields a decode preserved are written back at the end.
 */
import { EncodeError } from '../../errors.ts';
import { badPrimitive, encodeFail, primitiveOk, shown } from '../check.ts';
import type { PrimitiveKind } from '../schema.ts';
import { resolveUnion } from '../union.ts';
import { utf8Length } from '../utf8.ts';
import type { FieldPlan, MessagePlan, Node, OneofPlan } from './plan.ts';
import { LEN, PbWriter } from './wire.ts';
import { unknownFields } from './unknown.ts';

const encoder = new TextEncoder();

/** Encodes `value` as the message `plan` describes; throws ERR_ENCODE with the field path. */
export function writeMessage(w: PbWriter, plan: MessagePlan, value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) encodeFail(path, `expected an object for message ${plan.name}, got ${shown(value)}`);
  for (const m of plan.members) {
    const v: unknown = Reflect.get(value, m.name);
    if (m.t === 'field') writeField(w, m.field, v, `${path}.${m.name}`);
    else if (v !== undefined) writeOneof(w, m.oneof, v, `${path}.${m.name}`);
  }
  writeUnknown(w, value);
}

/** Writes back the unknown-field records a decode kept on `value`. */
export function writeUnknown(w: PbWriter, value: object): void {
  const unknown = unknownFields(value);
  if (unknown) {
    need(w, unknown.length);
    w.buf.set(unknown, w.pos);
    w.pos += unknown.length;
  }
}

export function need(w: PbWriter, n: number): void {
  if (!w.ensure(n)) throw new EncodeError(`encoding exceeds maxMessageBytes (${w.max})`, { limit: w.max });
}

export function writeOneof(w: PbWriter, p: OneofPlan, v: unknown, path: string): void {
  const { index, value } = resolveUnion(p.union, v, path);
  // A union holding no member sets no case: nothing is written.
  if (index >= 0) writeField(w, p.cases[index]!, value, `${path}.${p.union.schema.cases[index]!.name}`);
}

export function writeField(w: PbWriter, f: FieldPlan, v: unknown, path: string): void {
  if (f.list) {
    if (!Array.isArray(v)) {
      if (v === undefined && f.presence === 'explicit') return;
      encodeFail(path, `expected an array, got ${shown(v)}`);
    }
    const n = v.length;
    if (f.list.exact !== undefined && n !== f.list.exact) encodeFail(path, `expected exactly ${f.list.exact} elements, got ${n}`);
    if (f.list.max !== undefined && n > f.list.max) encodeFail(path, `${n} elements exceed the bound ${f.list.max}`);
    if (n === 0) return;
    if (f.list.packed && f.node.t === 'scalar') {
      need(w, 6);
      w.varint32(f.key);
      const start = w.pos++;
      for (let i = 0; i < n; i++) writeScalar(w, f.node, v[i], `${path}[${i}]`);
      if (!w.endLength(start)) need(w, w.max);
      return;
    }
    for (let i = 0; i < n; i++) writeRecord(w, f, v[i], `${path}[${i}]`);
    return;
  }
  if (v === undefined && f.presence === 'explicit') return;
  if (f.presence === 'implicit' && isDefault(f.node, v)) return;
  writeRecord(w, f, v, path);
}

/** True for the proto3 default of a scalar, string or bytes field (which implicit presence omits). */
export function isDefault(node: Node, v: unknown): boolean {
  switch (node.t) {
    case 'scalar':
      switch (node.kind) {
        case 'enum':
          return v === node.enumPlan!.zero || v === 0;
        case 'boolean':
          return v === false;
        case 'int64':
        case 'uint64':
          return v === 0n;
        case 'char':
          return v === '\u0000';
        default:
          // -0 is not the default: its bits differ, and protoc writes it.
          return Object.is(v, 0);
      }
    case 'string':
      return v === '';
    case 'bytes':
      return v instanceof Uint8Array && v.length === 0;
    default:
      return false;
  }
}

/** One key and its value. */
export function writeRecord(w: PbWriter, f: FieldPlan, v: unknown, path: string): void {
  const node = f.node;
  need(w, 5);
  if (node.t === 'scalar') {
    w.varint32(((f.number << 3) | node.wire) >>> 0);
    writeScalar(w, node, v, path);
    return;
  }
  w.varint32(((f.number << 3) | LEN) >>> 0);
  writePayload(w, node, v, path);
}

/** A length-delimited payload: length, then bytes. */
function writePayload(w: PbWriter, node: Node, v: unknown, path: string): void {
  switch (node.t) {
    case 'string': {
      if (typeof v !== 'string') encodeFail(path, `expected a string, got ${shown(v)}`);
      need(w, 5 + v.length * 3);
      const start = w.pos++;
      const written = putString(w, v);
      if (written < 0) encodeFail(path, 'string holds an unpaired surrogate, which UTF-8 cannot carry');
      if (node.max !== undefined && written > node.max) encodeFail(path, `string of ${written} UTF-8 bytes exceeds the bound ${node.max}`);
      if (!w.endLength(start)) need(w, w.max);
      return;
    }
    case 'bytes': {
      if (!(v instanceof Uint8Array)) encodeFail(path, `expected a Uint8Array, got ${shown(v)}`);
      if (node.max !== undefined && v.length > node.max) encodeFail(path, `${v.length} bytes exceed the bound ${node.max}`);
      need(w, 5 + v.length);
      w.varint32(v.length);
      w.buf.set(v, w.pos);
      w.pos += v.length;
      return;
    }
    case 'scalar':
      return encodeFail(path, 'internal: a scalar has no length-delimited form');
    default: {
      need(w, 1);
      const start = w.pos++;
      if (node.t === 'message') writeMessage(w, node.plan, v, path);
      else if (node.t === 'union') writeOneof(w, node.plan, v, path);
      else writeField(w, node.inner, v, path);
      if (!w.endLength(start)) need(w, w.max);
    }
  }
}

/** One scalar value in its wire form, without a key (room for 10 bytes is made here). */
export function writeScalar(w: PbWriter, node: Extract<Node, { t: 'scalar' }>, v: unknown, path: string): void {
  need(w, 10);
  if (node.kind === 'enum') {
    const plan = node.enumPlan!;
    const n = typeof v === 'string' ? plan.numberOf.get(v) : typeof v === 'number' && (v | 0) === v ? v : undefined;
    if (n === undefined) encodeFail(path, `expected an enumerator of ${plan.schema.name} (or an int32 for an unknown one), got ${shown(v)}`);
    w.int32(n);
    return;
  }
  const kind: PrimitiveKind = node.kind;
  if (!primitiveOk(kind, v)) badPrimitive(path, kind, v);
  switch (node.type) {
    case 'bool':
      w.buf[w.pos++] = v ? 1 : 0;
      return;
    case 'int32':
      return w.int32(Number(v));
    case 'sint32': {
      const n = Number(v);
      return w.varint32(((n << 1) ^ (n >> 31)) >>> 0);
    }
    case 'sfixed32':
      return w.sfixed32(Number(v));
    case 'uint32':
      return w.varint32(kind === 'char' ? String(v).charCodeAt(0) : Number(v));
    case 'fixed32':
      return w.fixed32(kind === 'char' ? String(v).charCodeAt(0) : Number(v));
    case 'int64':
    case 'uint64':
      return w.bigVarint(big(v));
    case 'sint64': {
      const n = big(v);
      return w.bigVarint((n << 1n) ^ (n >> 63n));
    }
    case 'sfixed64':
    case 'fixed64':
      return w.fixed64(big(v));
    case 'float':
      return w.float(Number(v));
    case 'double':
      return w.double(Number(v));
    case 'enum':
      return;
  }
}

/** A value primitiveOk already accepted as an int64/uint64. */
function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : 0n;
}

/**
 * Writes `s` as UTF-8 at `w.pos` (the caller made room for 3 bytes per UTF-16 unit); returns the byte
 * count, or -1 (nothing written) when `s` holds an unpaired surrogate.
 */
export function putString(w: PbWriter, s: string): number {
  const n = s.length;
  const b = w.buf;
  let p = w.pos;
  if (n < 64) {
    // Short ASCII strings, the common case, without the cost of a TextEncoder call.
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[p++] = c;
    }
    if (i === n) {
      w.pos = p;
      return n;
    }
    p = w.pos;
  }
  if (utf8Length(s) < 0) return -1;
  const { written } = encoder.encodeInto(s, b.subarray(p));
  w.pos = p + written;
  return written;
}
