/**
 * Reads proto3 canonical JSON (a parsed JsonNode tree) into the value the protobuf codec would decode:
 * fields by JSON name or proto name, oneof members inline, maps as objects, 64-bit integers from strings
 * or numbers, bytes from standard or URL-safe base64, enums by name or number, null as "not set", and the
 * well-known types Timestamp, Duration, FieldMask, the wrappers, Struct, Value, ListValue and Empty.
 * Every failure is ERR_DECODE naming the field path.
 */
import { DecodeError } from '../../errors.ts';
import { fromBase64 } from '../base64.ts';
import { defaultOf, type DecodeLimits } from '../protobuf/decode.ts';
import type { EnumPlan, FieldPlan, MessagePlan, Node } from '../protobuf/plan.ts';
import { unionValue } from '../union.ts';
import type { JsonNode } from './json-tree.ts';
import { underValue, type AnyTypes } from './proto3-any.ts';
import { parseDuration, parseTimestamp } from './proto3-time.ts';

export interface Proto3ReadOptions {
  /** Skip object members that name no field, and enum names the schema does not know (default false). */
  readonly ignoreUnknownFields: boolean;
  readonly limits: DecodeLimits;
  /** The types an Any may hold; without them an Any is ERR_DECODE. */
  readonly anyTypes?: AnyTypes;
}

/** Marks a value to leave out: an unknown enum name under ignoreUnknownFields. */
const SKIP = Symbol('skip');

const fail = (path: string, message: string): never => {
  throw new DecodeError(message, { path });
};

const intRanges: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n], sint32: [-(2n ** 31n), 2n ** 31n - 1n], sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n], fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], sint64: [-(2n ** 63n), 2n ** 63n - 1n], sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n], fixed64: [0n, 2n ** 64n - 1n],
};
/** Narrower courier kinds carried by a 32-bit protobuf type. */
const kindRanges: Partial<Record<string, readonly [bigint, bigint]>> = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], octet: [0n, 255n], uint8: [0n, 255n], uint16: [0n, 65535n],
};
const jsonNumber = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const FLOAT_MAX = 3.4028234663852886e38;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An integer from a JSON number or a string holding one (1, "1", 1e2, 1.0); exact for 64-bit values. */
function integer(n: JsonNode, type: string, kind: string, path: string): bigint {
  const raw = n.t === 'number' ? n.raw : n.t === 'string' ? n.v : fail(path, `expected an integer, got ${n.t}`);
  if (!jsonNumber.test(raw)) fail(path, `${JSON.stringify(raw)} is not an integer`);
  let v: bigint;
  if (/^-?\d+$/.test(raw)) v = BigInt(raw);
  else {
    const x = Number(raw);
    if (!Number.isInteger(x)) fail(path, `${raw} is not an integer`);
    v = BigInt(x);
  }
  const [lo, hi] = kindRanges[kind] ?? intRanges[type]!;
  if (v < lo || v > hi) fail(path, `${raw} is out of range for ${kind === 'int32' || kind === 'uint32' || kind === 'int64' || kind === 'uint64' ? type : kind}`);
  return v;
}

function float(n: JsonNode, single: boolean, path: string): number {
  let v: number;
  if (n.t === 'string' && (n.v === 'NaN' || n.v === 'Infinity' || n.v === '-Infinity')) return Number(n.v);
  if (n.t === 'number') v = Number(n.raw);
  else if (n.t === 'string' && jsonNumber.test(n.v)) v = Number(n.v);
  else return fail(path, `expected a number, got ${n.t === 'string' ? JSON.stringify(n.v) : n.t}`);
  if (!Number.isFinite(v) || (single && Math.abs(v) > FLOAT_MAX)) fail(path, `${n.t === 'number' ? n.raw : n.v} is out of range for ${single ? 'float' : 'double'}`);
  return single ? Math.fround(v) : v;
}

function enumValue(n: JsonNode, plan: EnumPlan, path: string, o: Proto3ReadOptions): unknown {
  if (n.t === 'string') {
    if (plan.numberOf.has(n.v)) return n.v;
    return o.ignoreUnknownFields ? SKIP : fail(path, `${JSON.stringify(n.v)} is not an enumerator of ${plan.schema.name}`);
  }
  if (n.t === 'null' && plan.schema.name === 'google::protobuf::NullValue') return plan.zero;
  const num = Number(integer(n, 'int32', 'int32', path));
  return plan.nameOf.get(num) ?? num;
}

/** One value of a field (not a list): scalar, string, bytes, enum or message. */
function single(n: JsonNode, node: Node, path: string, o: Proto3ReadOptions, depth: number): unknown {
  switch (node.t) {
    case 'scalar': {
      if (node.kind === 'enum') return enumValue(n, node.enumPlan!, path, o);
      if (node.kind === 'boolean') return n.t === 'bool' ? n.v : fail(path, `expected true or false, got ${n.t}`);
      if (node.kind === 'float32' || node.kind === 'float64') return float(n, node.kind === 'float32', path);
      if (node.kind === 'char') return fail(path, 'char has no proto3 JSON form');
      const v = integer(n, node.type, node.kind, path);
      return node.kind === 'int64' || node.kind === 'uint64' ? v : Number(v);
    }
    case 'string':
      if (n.t !== 'string') fail(path, `expected a string, got ${n.t}`);
      // A lone surrogate (from a \u escape) has no UTF-8 form, so the protobuf string could not carry it.
      if (loneSurrogate.test((n as { v: string }).v)) fail(path, 'string holds an unpaired surrogate');
      return (n as { v: string }).v;
    case 'bytes': {
      const b = n.t === 'string' ? fromBase64(n.v) ?? fromBase64(n.v.replace(/=+$/, '')) : undefined;
      return b ?? fail(path, 'expected base64 text');
    }
    case 'message':
      return message(n, node.plan, path, o, depth + 1);
    default:
      return fail(path, `a ${node.t} has no proto3 JSON form (only schemas from .proto files do)`);
  }
}

/** A map key from its JSON member name. */
function mapKey(k: string, f: FieldPlan, path: string): unknown {
  const node = f.node;
  if (node.t === 'string') return k;
  if (node.t === 'scalar' && node.kind === 'boolean') return k === 'true' ? true : k === 'false' ? false : fail(path, `map key ${JSON.stringify(k)} is not a bool`);
  return single({ t: 'string', v: k }, node, path, { ignoreUnknownFields: false, limits: { maxDepth: 0, maxSequenceLength: 0 } }, 0);
}

function field(n: JsonNode, f: FieldPlan, path: string, o: Proto3ReadOptions, depth: number): unknown {
  if (f.list) {
    if (n.t === 'null') return [];
    const entry = f.node.t === 'message' && f.node.plan.mapEntry ? f.node.plan : undefined;
    if (entry) {
      if (n.t !== 'object') fail(path, `expected an object for map field ${f.name}, got ${n.t}`);
      const [kf, vf] = entry.members.map((m) => (m.t === 'field' ? m.field : fail(path, 'bad map entry')));
      const out: unknown[] = [];
      for (const [k, v] of (n as { members: readonly (readonly [string, JsonNode])[] }).members) {
        const p = `${path}[${JSON.stringify(k)}]`;
        if (v.t === 'null' && !isValue(vf!.node)) fail(p, 'a map value cannot be null');
        const value = single(v, vf!.node, p, o, depth);
        if (value !== SKIP) out.push({ key: mapKey(k, kf!, p), value });
      }
      return checkCount(out, o, path);
    }
    if (n.t !== 'array') fail(path, `expected an array for repeated field ${f.name}, got ${n.t}`);
    const out: unknown[] = [];
    (n as { items: readonly JsonNode[] }).items.forEach((item, i) => {
      if (item.t === 'null' && !isValue(f.node)) fail(`${path}[${i}]`, 'a repeated element cannot be null');
      const v = single(item, f.node, `${path}[${i}]`, o, depth);
      if (v !== SKIP) out.push(v);
    });
    return checkCount(out, o, path);
  }
  return single(n, f.node, path, o, depth);
}

function checkCount(out: unknown[], o: Proto3ReadOptions, path: string): unknown[] {
  if (out.length > o.limits.maxSequenceLength) fail(path, `${out.length} elements exceed maxSequenceLength (${o.limits.maxSequenceLength})`);
  return out;
}

const isValue = (node: Node) => node.t === 'message' && node.plan.proto === 'google.protobuf.Value';
const wrappers = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((w) => `google.protobuf.${w}`));

/** A field of a well-known type's plan by name (the .proto's own field names). */
function member(plan: MessagePlan, name: string, path: string): FieldPlan {
  for (const m of plan.members) if (m.t === 'field' && m.name === name) return m.field;
  return fail(path, `${plan.proto ?? plan.name} nests deeper than the schema was unrolled`);
}

function wellKnown(n: JsonNode, plan: MessagePlan, path: string, o: Proto3ReadOptions, depth: number): Record<string, unknown> | undefined {
  const name = plan.proto;
  if (name === undefined || !name.startsWith('google.protobuf.')) return undefined;
  if (wrappers.has(name)) return { value: single(n, member(plan, 'value', path).node, path, o, depth) };
  switch (name) {
    case 'google.protobuf.Timestamp':
    case 'google.protobuf.Duration': {
      const t = n.t === 'string' ? (name.endsWith('Timestamp') ? parseTimestamp(n.v) : parseDuration(n.v)) : undefined;
      return t ?? fail(path, `expected a ${name.slice(16)} string`);
    }
    case 'google.protobuf.FieldMask': {
      if (n.t !== 'string') fail(path, 'expected a FieldMask string');
      const paths = (n as { v: string }).v === '' ? [] : (n as { v: string }).v.split(',');
      return {
        paths: paths.map((p) => {
          if (p.includes('_')) fail(path, `FieldMask path ${JSON.stringify(p)} is not lowerCamelCase`);
          return p.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
        }),
      };
    }
    case 'google.protobuf.Struct': {
      if (n.t !== 'object') fail(path, `expected an object for Struct, got ${n.t}`);
      return { fields: field(n, member(plan, 'fields', path), path, o, depth) };
    }
    case 'google.protobuf.ListValue': {
      if (n.t !== 'array') fail(path, `expected an array for ListValue, got ${n.t}`);
      return { values: field(n, member(plan, 'values', path), path, o, depth) };
    }
    case 'google.protobuf.Value':
      return { kind: valueKind(n, plan, path, o, depth) };
    case 'google.protobuf.Any':
      return readAny(n, path, o, depth);
    default:
      return undefined;
  }
}

/** An Any from {"@type": URL, ...fields} (or {"@type", "value"} for a well-known type): the message packed as bytes. */
function readAny(n: JsonNode, path: string, o: Proto3ReadOptions, depth: number): Record<string, unknown> {
  if (n.t !== 'object') return fail(path, `expected an object for Any, got ${n.t}`);
  const typeMember = n.members.find(([k]) => k === '@type');
  if (!typeMember) return n.members.length === 0 ? { type_url: '', value: new Uint8Array(0) } : fail(path, 'an Any needs "@type"');
  const url = typeMember[1].t === 'string' ? typeMember[1].v : fail(path, '"@type" must be a string');
  if (!o.anyTypes) return fail(path, 'an Any needs the codec option protoTypes to find its message type');
  const type = o.anyTypes(url) ?? fail(path, `Any type ${JSON.stringify(url)} is not a message of the schema's document`);
  const rest = n.members.filter(([k]) => k !== '@type');
  let inner: JsonNode;
  if (underValue(type.plan)) {
    const v = rest.find(([k]) => k === 'value');
    if (!v || rest.length !== 1) fail(path, `an Any holding ${type.plan.proto} has exactly one member besides "@type": "value"`);
    inner = v![1];
  } else inner = { t: 'object', members: rest };
  const value = message(inner, type.plan, `${path}.value`, o, depth + 1);
  return { type_url: url, value: type.pb.encode(value) };
}

function valueKind(n: JsonNode, plan: MessagePlan, path: string, o: Proto3ReadOptions, depth: number): unknown {
  const kind = plan.members.find((m) => m.t === 'oneof');
  if (kind?.t !== 'oneof') return fail(path, 'google.protobuf.Value without its kind oneof');
  const caseName = { null: 'null_value', number: 'number_value', string: 'string_value', bool: 'bool_value', object: 'struct_value', array: 'list_value' }[n.t];
  const index = kind.oneof.cases.findIndex((c) => c.name === caseName);
  if (index < 0) fail(path, 'google.protobuf.Value nests deeper than the schema was unrolled');
  const c = kind.oneof.cases[index]!;
  let v: unknown;
  if (n.t === 'null') v = c.node.t === 'scalar' ? c.node.enumPlan!.zero : 0;
  else if (n.t === 'number') {
    v = Number(n.raw);
    if (!Number.isFinite(v)) fail(path, `${n.raw} is out of range for a Value number`);
  } else v = single(n, c.node, path, o, depth);
  return unionValue(kind.oneof.union, index, kind.oneof.union.schema.cases[index]!.labels[0]!, v);
}

/** Reads a message from a JSON object (or a well-known type from its own JSON form). */
export function message(n: JsonNode, plan: MessagePlan, path: string, o: Proto3ReadOptions, depth: number): Record<string, unknown> {
  if (depth > o.limits.maxDepth) fail(path, `messages nest deeper than maxDepth (${o.limits.maxDepth})`);
  const wk = wellKnown(n, plan, path, o, depth);
  if (wk) return wk;
  if (n.t !== 'object') fail(path, `expected an object for message ${plan.proto ?? plan.name}, got ${n.t}`);
  const byName = names(plan);
  const vals: unknown[] = new Array(plan.members.length);
  const seen = new Set<number>();
  for (const [k, v] of (n as { members: readonly (readonly [string, JsonNode])[] }).members) {
    const at = byName.get(k);
    if (!at) {
      if (o.ignoreUnknownFields) continue;
      fail(path, `message ${plan.proto ?? plan.name} has no field ${JSON.stringify(k)}`);
    }
    const [mi, ci] = at!;
    const m = plan.members[mi]!;
    const p = `${path}.${k}`;
    const f = m.t === 'field' ? m.field : m.oneof.cases[ci]!;
    if (seen.has(f.number)) fail(p, `field ${f.name} is set twice`);
    seen.add(f.number);
    if (m.t === 'field') {
      if (v.t === 'null' && !isValue(f.node) && !(f.node.t === 'scalar' && f.node.enumPlan?.schema.name === 'google::protobuf::NullValue')) continue;
      const x = field(v, f, p, o, depth);
      if (x !== SKIP) vals[mi] = x;
      continue;
    }
    if (v.t === 'null' && !isValue(f.node) && !(f.node.t === 'scalar' && f.node.enumPlan?.schema.name === 'google::protobuf::NullValue')) continue;
    if (vals[mi] !== undefined) fail(p, `oneof ${m.name} has more than one field set`);
    const x = single(v, f.node, p, o, depth);
    if (x !== SKIP) vals[mi] = unionValue(m.oneof.union, ci, m.oneof.union.schema.cases[ci]!.labels[0]!, x);
  }
  const out: Record<string, unknown> = {};
  plan.members.forEach((m, i) => {
    let v = vals[i];
    if (v === undefined && m.t === 'field' && m.field.presence !== 'explicit') v = defaultOf(m.field, `${path}.${m.name}`, 0, o.limits, depth);
    if (v !== undefined) out[m.name] = v;
  });
  return out;
}

const nameTables = new WeakMap<MessagePlan, Map<string, readonly [number, number]>>();
/** JSON name and proto name of every field and oneof member → [member index, case index]. */
function names(plan: MessagePlan): Map<string, readonly [number, number]> {
  let t = nameTables.get(plan);
  if (!t) {
    t = new Map();
    plan.members.forEach((m, i) => {
      const fields = m.t === 'field' ? [m.field] : m.oneof.cases;
      fields.forEach((f, ci) => {
        t!.set(f.name, [i, m.t === 'field' ? -1 : ci]);
        t!.set(f.jsonName, [i, m.t === 'field' ? -1 : ci]);
      });
    });
    nameTables.set(plan, t);
  }
  return t;
}
