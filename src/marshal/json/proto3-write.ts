/**
 * Writes a protobuf message value as proto3 canonical JSON: lowerCamelCase (or json_name) member names,
 * fields at their default left out (explicit-presence fields written when set), 64-bit integers as
 * strings, bytes as standard base64, enums by name (an unknown number as the number), NaN and the
 * infinities as strings, maps as objects, and the well-known types in their own JSON forms. A value that
 * does not fit the schema is ERR_ENCODE naming the field path.
 */
import { EncodeError } from '../../errors.ts';
import { toBase64 } from '../base64.ts';
import { shown } from '../check.ts';
import { isDefault } from '../protobuf/encode.ts';
import type { FieldPlan, MessagePlan, Node } from '../protobuf/plan.ts';
import { jsonNumber } from './encode.ts';
import { underValue, type AnyTypes } from './proto3-any.ts';
import { formatDuration, formatTimestamp } from './proto3-time.ts';

/** Anys inside Anys written at most this deep (each one's value is a separate protobuf decode). */
const MAX_ANY_DEPTH = 64;
let anyDepth = 0;

const fail = (path: string, message: string): never => {
  throw new EncodeError(message, { path });
};

const wrappers = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((w) => `google.protobuf.${w}`));

function get(v: unknown, name: string, path: string): unknown {
  if (typeof v !== 'object' || v === null) fail(path, `expected an object, got ${shown(v)}`);
  return Reflect.get(v as object, name);
}

function scalar(v: unknown, node: Node & { t: 'scalar' }, path: string): string {
  switch (node.kind) {
    case 'enum':
      if (typeof v === 'number' && Number.isInteger(v)) return node.enumPlan!.nameOf.has(v) ? JSON.stringify(node.enumPlan!.nameOf.get(v)) : String(v);
      if (typeof v === 'string' && node.enumPlan!.numberOf.has(v)) {
        return node.enumPlan!.schema.name === 'google::protobuf::NullValue' ? 'null' : JSON.stringify(v);
      }
      return fail(path, `expected an enumerator of ${node.enumPlan!.schema.name}, got ${shown(v)}`);
    case 'boolean':
      return typeof v === 'boolean' ? String(v) : fail(path, `expected a boolean, got ${shown(v)}`);
    case 'int64':
    case 'uint64':
      return typeof v === 'bigint' ? `"${v}"` : fail(path, `expected a bigint, got ${shown(v)}`);
    case 'float32':
    case 'float64':
      return typeof v === 'number' ? jsonNumber(node.kind === 'float32' ? Math.fround(v) : v).replace(/^-0$/, '-0') : fail(path, `expected a number, got ${shown(v)}`);
    case 'char':
      return fail(path, 'char has no proto3 JSON form');
    default:
      return typeof v === 'number' && Number.isInteger(v) ? String(v === 0 ? 0 : v) : fail(path, `expected an integer, got ${shown(v)}`);
  }
}

function single(v: unknown, node: Node, path: string, types: AnyTypes | undefined): string {
  switch (node.t) {
    case 'scalar':
      return scalar(v, node, path);
    case 'string':
      return typeof v === 'string' ? JSON.stringify(v) : fail(path, `expected a string, got ${shown(v)}`);
    case 'bytes':
      return v instanceof Uint8Array ? `"${toBase64(v)}"` : fail(path, `expected a Uint8Array, got ${shown(v)}`);
    case 'message':
      return writeProto3Json(v, node.plan, path, types);
    default:
      return fail(path, `a ${node.t} has no proto3 JSON form (only schemas from .proto files do)`);
  }
}

function field(v: unknown, f: FieldPlan, path: string, types: AnyTypes | undefined): string {
  if (!f.list) return single(v, f.node, path, types);
  if (!Array.isArray(v)) return fail(path, `expected an array, got ${shown(v)}`);
  if (f.node.t === 'message' && f.node.plan.mapEntry) {
    const [kf, vf] = f.node.plan.members.map((m) => (m.t === 'field' ? m.field : fail(path, 'bad map entry')));
    // A key that occurs twice keeps its last value, as a protobuf map does.
    const entries = new Map<string, string>();
    v.forEach((e, i) => {
      const k = get(e, 'key', `${path}[${i}]`);
      const key = typeof k === 'string' ? k : kf!.node.t === 'scalar' ? scalar(k, kf!.node, `${path}[${i}].key`).replace(/^"|"$/g, '') : fail(path, 'bad map key');
      entries.delete(key);
      entries.set(key, single(get(e, 'value', `${path}[${i}]`), vf!.node, `${path}[${JSON.stringify(key)}]`, types));
    });
    return `{${[...entries].map(([k, x]) => `${JSON.stringify(k)}:${x}`).join(',')}}`;
  }
  return `[${v.map((x, i) => single(x, f.node, `${path}[${i}]`, types)).join(',')}]`;
}

function wellKnown(v: unknown, plan: MessagePlan, path: string, types: AnyTypes | undefined): string | undefined {
  const name = plan.proto;
  if (name === undefined || !name.startsWith('google.protobuf.')) return undefined;
  if (wrappers.has(name)) {
    const m = plan.members[0];
    return m?.t === 'field' ? single(get(v, 'value', path), m.field.node, path, types) : undefined;
  }
  switch (name) {
    case 'google.protobuf.Timestamp':
    case 'google.protobuf.Duration': {
      const seconds = get(v, 'seconds', path);
      const nanos = get(v, 'nanos', path);
      if (typeof seconds !== 'bigint' || typeof nanos !== 'number') return fail(path, `expected seconds and nanos of a ${name.slice(16)}`);
      const s = name.endsWith('Timestamp') ? formatTimestamp(seconds, nanos) : formatDuration(seconds, nanos);
      return s === undefined ? fail(path, `${name.slice(16)} ${seconds}s ${nanos}ns is out of range`) : `"${s}"`;
    }
    case 'google.protobuf.FieldMask': {
      const paths = get(v, 'paths', path);
      if (!Array.isArray(paths)) return fail(path, 'expected FieldMask paths');
      const out = paths.map((p) => {
        if (typeof p !== 'string' || /[A-Z]|_(?![a-z])/.test(p)) return fail(path, `FieldMask path ${shown(p)} cannot be written in lowerCamelCase`);
        return p.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      });
      return JSON.stringify(out.join(','));
    }
    case 'google.protobuf.Struct':
    case 'google.protobuf.ListValue': {
      const m = plan.members[0];
      return m?.t === 'field' ? field(get(v, m.name, path), m.field, path, types) : undefined;
    }
    case 'google.protobuf.Value': {
      const kind = get(v, 'kind', path);
      const oneof = plan.members[0];
      if (kind === undefined || oneof?.t !== 'oneof') return fail(path, 'a google.protobuf.Value must hold a kind');
      const c = oneof.oneof.cases.find((x) => x.name === get(kind, 'case', path));
      if (!c) return fail(path, `unknown Value kind ${shown(get(kind, 'case', path))}`);
      const x = get(kind, 'value', path);
      if (c.name === 'null_value') return 'null';
      if (c.name === 'number_value' && typeof x === 'number' && !Number.isFinite(x)) return fail(path, 'a Value number cannot be NaN or infinite');
      return single(x, c.node, path, types);
    }
    case 'google.protobuf.Any': {
      const url = get(v, 'type_url', path);
      const bytes = get(v, 'value', path);
      if (typeof url !== 'string' || !(bytes instanceof Uint8Array)) return fail(path, 'expected an Any with type_url and value');
      if (url === '' && bytes.length === 0) return '{}';
      if (!types) return fail(path, 'an Any needs the codec option protoTypes to find its message type');
      const type = types(url) ?? fail(path, `Any type ${JSON.stringify(url)} is not a message of the schema's document`);
      // Each Any's value is decoded on its own, so nesting of Anys is bounded here rather than by maxDepth.
      if (anyDepth >= MAX_ANY_DEPTH) return fail(path, `Anys nest deeper than ${MAX_ANY_DEPTH}`);
      let inner: unknown;
      try {
        inner = type.pb.decode(bytes);
      } catch (err) {
        return fail(path, `the Any's value is not a valid ${type.plan.proto}: ${err instanceof Error ? err.message : String(err)}`);
      }
      let json: string;
      anyDepth++;
      try {
        json = writeProto3Json(inner, type.plan, `${path}.value`, types);
      } finally {
        anyDepth--;
      }
      const at = `"@type":${JSON.stringify(url)}`;
      if (underValue(type.plan)) return `{${at},"value":${json}}`;
      return json === '{}' ? `{${at}}` : `{${at},${json.slice(1)}`;
    }
    default:
      return undefined;
  }
}

/** The proto3 JSON text of message value `v` of `plan`. */
export function writeProto3Json(v: unknown, plan: MessagePlan, path: string, types?: AnyTypes): string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, `expected an object for message ${plan.proto ?? plan.name}, got ${shown(v)}`);
  const wk = wellKnown(v, plan, path, types);
  if (wk !== undefined) return wk;
  const parts: string[] = [];
  for (const m of plan.members) {
    const x: unknown = Reflect.get(v, m.name);
    if (x === undefined) continue;
    if (m.t === 'oneof') {
      const c = m.oneof.cases.find((f) => f.name === get(x, 'case', path));
      if (!c) continue;
      parts.push(`${JSON.stringify(c.jsonName)}:${single(get(x, 'value', path), c.node, `${path}.${c.name}`, types)}`);
      continue;
    }
    const f = m.field;
    if (f.list ? Array.isArray(x) && x.length === 0 : f.presence === 'implicit' && isDefault(f.node, x)) continue;
    parts.push(`${JSON.stringify(f.jsonName)}:${field(x, f, `${path}.${m.name}`, types)}`);
  }
  return `{${parts.join(',')}}`;
}
