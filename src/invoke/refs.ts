import { EncodeError } from '../errors.ts';
import type { Schema } from '../marshal/schema.ts';
import { REF_ANNOTATION, proxyRef } from './interface.ts';
import type { RemoteRef } from './reference.ts';

const refsCache = new WeakMap<Schema, boolean>();

/** True when some part of `schema` is a reference to a remote object (so values need walking). Cached per schema. */
export function containsRefs(schema: Schema): boolean {
  let known = refsCache.get(schema);
  if (known === undefined) refsCache.set(schema, (known = walkForRefs(schema, new Set())));
  return known;
}

function walkForRefs(schema: Schema, seen: Set<Schema>): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  switch (schema.kind) {
    case 'struct':
      return schema.annotations?.[REF_ANNOTATION] !== undefined || schema.fields.some((f) => walkForRefs(f.type, seen));
    case 'sequence':
    case 'array':
    case 'optional':
      return walkForRefs(schema.element, seen);
    case 'union':
      return schema.cases.some((c) => walkForRefs(c.type, seen));
    default:
      return false;
  }
}

/**
 * Copies `value`, replacing every reference position (a struct annotated by `refTo`) with `convert` of
 * what is there. Used on the way out (proxy → reference) and in (reference → proxy).
 */
export function mapRefs(schema: Schema, value: unknown, convert: (value: unknown, iface: string, path: string) => unknown, path = ''): unknown {
  switch (schema.kind) {
    case 'struct': {
      const iface = schema.annotations?.[REF_ANNOTATION]?.['interface'];
      if (typeof iface === 'string') return convert(value, iface, path || 'value');
      if (typeof value !== 'object' || value === null) return value; // the codec reports the type error
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = { ...record };
      for (const f of schema.fields) if (f.name in record) out[f.name] = mapRefs(f.type, record[f.name], convert, path ? `${path}.${f.name}` : f.name);
      return out;
    }
    case 'sequence':
    case 'array':
      return Array.isArray(value) ? value.map((v, i) => mapRefs(schema.element, v, convert, `${path}[${i}]`)) : value;
    case 'optional':
      return value === undefined ? value : mapRefs(schema.element, value, convert, path);
    case 'union': {
      if (typeof value !== 'object' || value === null) return value;
      const u = value as { case: unknown; value?: unknown };
      const c = schema.cases.find((x) => x.name === u.case);
      return c ? { ...u, value: mapRefs(c.type, u.value, convert, `${path}.${c.name}`) } : value;
    }
    default:
      return value;
  }
}

/** On the way out: a proxy becomes its reference; a plain reference passes; anything else is ERR_ENCODE. */
export function outgoingRef(value: unknown, iface: string, path: string): RemoteRef {
  const fromProxy = proxyRef(value);
  const ref = fromProxy ?? (value as RemoteRef);
  if (!fromProxy && (typeof value !== 'object' || value === null || !('objectNumber' in value))) {
    throw new EncodeError(`${path}: expected a proxy or reference to a ${iface}`, { path });
  }
  if (ref.interfaceName !== iface) throw new EncodeError(`${path}: expected a ${iface}, got a reference to a ${ref.interfaceName}`, { path });
  return ref;
}
