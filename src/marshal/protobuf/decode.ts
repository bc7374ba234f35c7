/**
 * The protobuf decoder: reads wire data by a message plan. Fields arrive in any order; the last of a
 * repeated singular field wins; repeated scalars are accepted packed and unpacked; a record whose number
 * the schema does not name, or whose wire type does not fit, is kept as an unknown field. Every length
 * is checked against what remains before anything is allocated.
 */
import { decodeFail } from '../check.ts';
import { unionValue } from '../union.ts';
import { readUtf8 } from '../utf8.ts';
import type { FieldPlan, MessagePlan, Node, OneofPlan } from './plan.ts';
import { isDefault } from './encode.ts';
import { keepUnknownFields, unknownFields } from './unknown.ts';
import { END_GROUP, FIXED32, FIXED64, LEN, PbReader, START_GROUP, VARINT } from './wire.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bounds a decode enforces beyond the input's own length. */
export interface DecodeLimits {
  readonly maxDepth: number;
  readonly maxSequenceLength: number;
}

type ScalarNode = Extract<Node, { t: 'scalar' }>;

/** Reads the fields of one message from `r.pos` to `end`; returns the value object. Throws ERR_DECODE. */
export function readMessage(r: PbReader, plan: MessagePlan, end: number, path: string, lim: DecodeLimits, depth: number): Record<string, unknown> {
  if (depth > lim.maxDepth) decodeFail(path, r.pos, `messages nest deeper than maxDepth (${lim.maxDepth})`);
  const vals: unknown[] = new Array<unknown>(plan.members.length);
  let unknown: Uint8Array[] | undefined;
  while (r.pos < end) {
    const keyAt = r.pos;
    const key = r.varint32();
    if (r.fault) fault(r, path);
    unknown = readRecord(r, plan, key, keyAt, vals, end, path, lim, depth, unknown);
  }
  return finishMessage(r, plan, vals, unknown, end, path, lim, depth);
}

/**
 * Reads the value of the record whose key was just read into `vals`, or keeps it as an unknown field
 * (returned list of raw records). Shared by the interpreter and the generated decoders.
 */
export function readRecord(
  r: PbReader, plan: MessagePlan, key: number, keyAt: number, vals: unknown[], end: number, path: string, lim: DecodeLimits, depth: number, unknown: Uint8Array[] | undefined,
): Uint8Array[] | undefined {
  const number = key >>> 3;
  const wt = key & 7;
  if (number === 0) decodeFail(path, keyAt, 'field number 0 is not allowed');
  const at = plan.byNumber.get(number);
  if (at) {
    const m = plan.members[at[0]]!;
    if (m.t === 'field') {
      if (readField(r, m.field, wt, vals, at[0], end, `${path}.${m.name}`, lim, depth)) return unknown;
    } else {
      const f = m.oneof.cases[at[1]]!;
      if (wt === (f.key & 7)) {
        const v = readValue(r, f.node, end, `${path}.${m.name}.${f.name}`, lim, depth);
        const prev = vals[at[0]];
        // The same message case twice merges, like any message field; another case replaces it.
        vals[at[0]] = caseValue(m.oneof, at[1], f.node.t === 'message' && sameCase(m.oneof, at[1], prev) ? mergeMessage(f.node.plan, (prev as { value: unknown }).value, v) : v);
        return unknown;
      }
    }
  }
  skipField(r, wt, number, end, path, lim, 0);
  (unknown ??= []).push(r.buf.subarray(keyAt, r.pos));
  return unknown;
}

/** Builds the message value from the fields read: defaults for missing ones, counts checked, unknowns kept. */
export function finishMessage(
  r: PbReader, plan: MessagePlan, vals: unknown[], unknown: Uint8Array[] | undefined, end: number, path: string, lim: DecodeLimits, depth: number,
): Record<string, unknown> {
  if (r.pos !== end) decodeFail(path, r.pos, 'a field runs past the end of its message');
  const members = plan.members;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    let v = vals[i];
    if (m.t === 'field') {
      const f = m.field;
      if (v === undefined && f.presence !== 'explicit') v = defaultOf(f, `${path}.${m.name}`, end, lim, depth);
      if (f.list?.exact !== undefined && Array.isArray(v) && v.length !== f.list.exact) {
        decodeFail(`${path}.${m.name}`, end, `expected exactly ${f.list.exact} elements, got ${v.length}`);
      }
    }
    if (v !== undefined) out[m.name] = v;
  }
  if (unknown) keepUnknownFields(out, concat(unknown));
  return out;
}

/** Whether `prev` (a union value or undefined) holds case `index` of `p`. */
function sameCase(p: OneofPlan, index: number, prev: unknown): boolean {
  return typeof prev === 'object' && prev !== null && Reflect.get(prev, 'case') === p.union.schema.cases[index]!.name;
}

function caseValue(p: OneofPlan, index: number, v: unknown): Record<string, unknown> {
  const c = p.union.schema.cases[index]!;
  const label = c.isDefault ? p.union.defaultLabel! : c.labels[0]!;
  return unionValue(p.union, index, label, v);
}

/** Joins byte chunks (of unknown records). */
export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

export function fault(r: PbReader, path: string): never {
  return decodeFail(path, r.pos, r.fault === 'truncated' ? 'input ends inside a value' : 'a varint runs longer than 10 bytes');
}

/** Reads one record of field `f` into `vals[i]`; false when the wire type does not fit (an unknown field). */
function readField(r: PbReader, f: FieldPlan, wt: number, vals: unknown[], i: number, end: number, path: string, lim: DecodeLimits, depth: number): boolean {
  const node = f.node;
  if (!f.list) {
    if (wt !== (node.t === 'scalar' ? node.wire : LEN)) return false;
    const prev = vals[i];
    const v = readValue(r, node, end, path, lim, depth);
    vals[i] = prev !== undefined && node.t === 'message' ? mergeMessage(node.plan, prev, v) : v;
    return true;
  }
  const cur = vals[i];
  const list: unknown[] = Array.isArray(cur) ? cur : [];
  vals[i] = list;
  const room = Math.min(lim.maxSequenceLength, f.list.max ?? Infinity, f.list.exact ?? Infinity);
  if (node.t === 'scalar' && wt === LEN && node.wire !== LEN) {
    const len = length(r, end, path);
    const stop = r.pos + len;
    while (r.pos < stop) {
      if (list.length >= room) decodeFail(path, r.pos, `more than ${room} elements`);
      const at = r.pos;
      const save = r.end;
      r.end = stop;
      const v = readScalar(r, node, path);
      r.end = save;
      if (r.fault) decodeFail(path, at, 'a packed element runs past the end of its record');
      list.push(v);
    }
    return true;
  }
  if (wt !== (node.t === 'scalar' ? node.wire : LEN)) return false;
  if (list.length >= room) decodeFail(path, r.pos, `more than ${room} elements`);
  list.push(readValue(r, node, end, `${path}[${list.length}]`, lim, depth));
  return true;
}

/** A length prefix, checked against the bytes that remain before anything is allocated. */
export function length(r: PbReader, end: number, path: string): number {
  const at = r.pos;
  const len = r.varint32();
  if (r.fault) fault(r, path);
  if (len > end - r.pos) decodeFail(path, at, `length ${len} exceeds the ${end - r.pos} bytes that remain`);
  return len;
}

function readValue(r: PbReader, node: Node, end: number, path: string, lim: DecodeLimits, depth: number): unknown {
  if (node.t === 'scalar') {
    const save = r.end;
    r.end = end;
    const v = readScalar(r, node, path);
    r.end = save;
    return v;
  }
  const at = r.pos;
  const len = length(r, end, path);
  const stop = r.pos + len;
  switch (node.t) {
    case 'string': {
      if (node.max !== undefined && len > node.max) decodeFail(path, at, `string of ${len} bytes exceeds the bound ${node.max}`);
      return readString(r, len, path);
    }
    case 'bytes': {
      if (node.max !== undefined && len > node.max) decodeFail(path, at, `${len} bytes exceed the bound ${node.max}`);
      // A copy as a plain Uint8Array, even when the input is a Node Buffer (whose slice would share memory).
      const b = new Uint8Array(r.buf.subarray(r.pos, stop));
      r.pos = stop;
      return b;
    }
    case 'message':
      return readMessage(r, node.plan, stop, path, lim, depth + 1);
    case 'union': {
      const v = readMessage(r, oneofMessage(node.plan), stop, path, lim, depth + 1).value;
      return v === undefined ? emptyUnion(node.plan, path, at) : v;
    }
    case 'wrap':
      return readMessage(r, wrapMessage(node.inner), stop, path, lim, depth + 1).value;
  }
}

const oneofMessages = new WeakMap<OneofPlan, MessagePlan>();
/** A union's own message: one oneof member named `value`. */
function oneofMessage(p: OneofPlan): MessagePlan {
  let m = oneofMessages.get(p);
  if (!m) {
    m = { name: p.union.schema.name, members: [{ t: 'oneof', name: 'value', oneof: p }], byNumber: new Map(p.cases.map((c, i) => [c.number, [0, i] as const])) };
    oneofMessages.set(p, m);
  }
  return m;
}
const wrapMessages = new WeakMap<FieldPlan, MessagePlan>();
/** A wrapper message: its field 1 holds the value. */
function wrapMessage(inner: FieldPlan): MessagePlan {
  let m = wrapMessages.get(inner);
  if (!m) {
    m = { name: 'wrapper', members: [{ t: 'field', name: 'value', field: { ...inner, presence: inner.list ? inner.presence : 'always' } }], byNumber: new Map([[1, [0, -1] as const]]) };
    wrapMessages.set(inner, m);
  }
  return m;
}

function emptyUnion(p: OneofPlan, path: string, at: number): unknown {
  if (p.union.emptyLabel === undefined) decodeFail(path, at, `union ${p.union.schema.name} has no case set`);
  return { case: null, discriminator: p.union.emptyLabel };
}

const empty = new Uint8Array(0);
/** The value a missing field means: proto3 defaults; a message or union with no fields set. */
/** The value a missing field decodes to (empty list, zero, empty message…). */
export function defaultOf(f: FieldPlan, path: string, at: number, lim: DecodeLimits, depth: number): unknown {
  if (f.list) return [];
  const node = f.node;
  switch (node.t) {
    case 'scalar':
      if (node.kind === 'enum') return node.enumPlan!.zero;
      if (node.kind === 'boolean') return false;
      if (node.kind === 'char') return '\u0000';
      return node.kind === 'int64' || node.kind === 'uint64' ? 0n : 0;
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'message':
      return readMessage(new PbReader(empty, 0, 0), node.plan, 0, path, lim, depth + 1);
    case 'union':
      return emptyUnion(node.plan, path, at);
    case 'wrap':
      return defaultOf(node.inner, path, at, lim, depth);
  }
}

const ranges: Partial<Record<string, readonly [number, number]>> = {
  int8: [-128, 127], int16: [-32768, 32767], octet: [0, 255], uint8: [0, 255], uint16: [0, 65535], char: [0, 255],
};

/** One scalar (no key); r.fault is set on truncation, a value out of the schema's range fails here. */
export function readScalar(r: PbReader, node: ScalarNode, path: string): unknown {
  const at = r.pos;
  let n: number;
  switch (node.type) {
    case 'bool': {
      const lo = r.varint64();
      if (r.fault) fault(r, path);
      return lo !== 0 || r.hi !== 0;
    }
    case 'int32':
    case 'enum':
      n = r.varint64() | 0;
      break;
    case 'sint32': {
      const z = r.varint64();
      n = (z >>> 1) ^ -(z & 1);
      break;
    }
    case 'sfixed32':
      n = r.fixed32() | 0;
      break;
    case 'uint32':
      n = r.varint64();
      break;
    case 'fixed32':
      n = r.fixed32();
      break;
    case 'int64':
      return checked(r, BigInt.asIntN(64, r.bigVarint()), path);
    case 'uint64':
      return checked(r, r.bigVarint(), path);
    case 'sint64': {
      const z = r.bigVarint();
      return checked(r, (z >> 1n) ^ -(z & 1n), path);
    }
    case 'sfixed64':
      return checked(r, BigInt.asIntN(64, r.fixed64()), path);
    case 'fixed64':
      return checked(r, r.fixed64(), path);
    case 'float':
      return checked(r, r.float(), path);
    case 'double':
      return checked(r, r.double(), path);
  }
  if (r.fault) fault(r, path);
  if (node.kind === 'enum') return node.enumPlan!.nameOf.get(n) ?? n;
  const range = ranges[node.kind];
  if (range && (n < range[0] || n > range[1])) decodeFail(path, at, `${n} is out of range for ${node.kind}`);
  return node.kind === 'char' ? String.fromCharCode(n) : n;
}

/** Skips one record's value by its wire type (groups to their end, at most maxDepth deep). */
function skipField(r: PbReader, wt: number, number: number, end: number, path: string, lim: DecodeLimits, depth: number): void {
  const at = r.pos;
  const save = r.end;
  r.end = end;
  switch (wt) {
    case VARINT:
      r.varint64();
      break;
    case FIXED64:
      r.skip(8);
      break;
    case FIXED32:
      r.skip(4);
      break;
    case LEN: {
      const len = length(r, end, path);
      r.skip(len);
      break;
    }
    case START_GROUP: {
      if (depth >= lim.maxDepth) decodeFail(path, at, `groups nest deeper than maxDepth (${lim.maxDepth})`);
      for (;;) {
        if (r.pos >= end) decodeFail(path, r.pos, `group ${number} has no end`);
        const key = r.varint32();
        if (r.fault) fault(r, path);
        if ((key & 7) === END_GROUP) {
          if (key >>> 3 !== number) decodeFail(path, r.pos, `group ${number} ends with the end of group ${key >>> 3}`);
          break;
        }
        skipField(r, key & 7, key >>> 3, end, path, lim, depth + 1);
      }
      break;
    }
    case END_GROUP:
      decodeFail(path, at, `end of group ${number} without its start`);
      break;
    default:
      decodeFail(path, at, `invalid wire type ${wt}`);
  }
  r.end = save;
  if (r.fault) fault(r, path);
}

/** `len` bytes of UTF-8 at `r.pos` (bounds already checked) as a string; NUL allowed, malformed UTF-8 fails. */
export function readString(r: PbReader, len: number, path: string): string {
  const start = r.pos;
  let s = readUtf8(r.buf, start, len);
  if (s === undefined) {
    // readUtf8 refuses NUL (CDR cannot carry it); protobuf strings may hold it, so decode them whole.
    try {
      s = utf8.decode(r.buf.subarray(start, start + len));
    } catch {
      // The fatal decoder throws a TypeError on malformed UTF-8, which proto3 strings may not hold.
      return decodeFail(path, start, 'string is not valid UTF-8');
    }
  }
  r.pos = start + len;
  return s;
}

/** `v`, unless the read that produced it ran out of input (then ERR_DECODE). */
function checked<T>(r: PbReader, v: T, path: string): T {
  if (r.fault) fault(r, path);
  return v;
}

/**
 * Protobuf's rule for a message field that occurs more than once: the later occurrence is merged into
 * the earlier one. Repeated fields append, nested messages merge, and any other field takes the later
 * value when it was on the wire (for implicit presence: when it is not the default).
 */
export function mergeMessage(plan: MessagePlan, a: unknown, b: unknown): unknown {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return b;
  const out: Record<string, unknown> = {};
  for (const m of plan.members) {
    const x: unknown = Reflect.get(a, m.name);
    const y: unknown = Reflect.get(b, m.name);
    let v = y === undefined ? x : y;
    if (m.t === 'field') {
      const f = m.field;
      if (f.list && Array.isArray(x) && Array.isArray(y)) v = [...x, ...y];
      else if (f.node.t === 'message' && x !== undefined && y !== undefined) v = mergeMessage(f.node.plan, x, y);
      else if (f.presence === 'implicit' && isDefault(f.node, y)) v = x;
    } else if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      const ci = m.oneof.union.schema.cases.findIndex((c) => c.name === Reflect.get(y, 'case'));
      const cf = m.oneof.cases[ci];
      if (cf?.node.t === 'message' && sameCase(m.oneof, ci, x)) v = caseValue(m.oneof, ci, mergeMessage(cf.node.plan, Reflect.get(x, 'value'), Reflect.get(y, 'value')));
    }
    if (v !== undefined) out[m.name] = v;
  }
  const ua = unknownFields(a);
  const ub = unknownFields(b);
  if (ua || ub) keepUnknownFields(out, concat([ua ?? empty, ub ?? empty]));
  return out;
}
