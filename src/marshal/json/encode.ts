/**
 * Schema-checked JSON text, protobuf JSON conventions: 64-bit integers as decimal strings, bytes as
 * base64, enums by name, NaN/Infinity as strings, -0 kept. Compiled once per schema into a tree of
 * closures (no lookups by name per value); failures carry the field path via Located.
 */
import { toBase64 } from '../base64.ts';
import { expectation, float32Overflow, primitiveOk, shown } from '../check.ts';
import { Located, relocate, relocated } from '../located.ts';
import { isPrimitive, type PrimitiveKind, type Schema } from '../schema.ts';
import { planUnion, resolveUnion } from '../union.ts';
import { utf8Length } from '../utf8.ts';

export type JsonWriter = (v: unknown) => string;

/** A JSON number token for `v`, or the protobuf JSON string for NaN and the infinities; -0 stays -0. */
export function jsonNumber(v: number): string {
  if (v !== v) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return Object.is(v, -0) ? '-0' : String(v);
}

function primitive(kind: PrimitiveKind): JsonWriter {
  const bad = (v: unknown) => new Located(`expected ${expectation(kind)}, got ${shown(v)}`);
  switch (kind) {
    case 'boolean':
      return (v) => {
        if (typeof v !== 'boolean') throw bad(v);
        return v ? 'true' : 'false';
      };
    case 'int64':
    case 'uint64':
      return (v) => {
        if (!primitiveOk(kind, v)) throw bad(v);
        return `"${String(v)}"`;
      };
    case 'float32':
      return (v) => {
        if (typeof v !== 'number' || float32Overflow(v)) throw bad(v);
        return jsonNumber(Math.fround(v));
      };
    case 'float64':
      return (v) => {
        if (typeof v !== 'number') throw bad(v);
        return jsonNumber(v);
      };
    case 'char':
      return (v) => {
        if (!primitiveOk(kind, v)) throw bad(v);
        return JSON.stringify(v);
      };
    default:
      return (v) => {
        if (!primitiveOk(kind, v)) throw bad(v);
        return Object.is(v, -0) ? '0' : String(v);
      };
  }
}

/**
 * Why `s` breaks its bound in UTF-8 bytes, or undefined when it fits; encodes nothing when the answer
 * is obvious from the UTF-16 length (each unit is 1 to 3 bytes).
 */
export function stringBoundProblem(s: string, max: number | undefined): string | undefined {
  if (max === undefined || s.length * 3 <= max) return undefined;
  const bytes = s.length > max ? s.length : utf8Length(s);
  return bytes > max ? `string of ${bytes} UTF-8 bytes is longer than its bound of ${max}` : undefined;
}

/** Throws a Located failure when `s` breaks its bound. */
export function checkStringBound(s: string, max: number | undefined): void {
  const problem = stringBoundProblem(s, max);
  if (problem !== undefined) throw new Located(problem);
}

export function compileJsonWriter(s: Schema): JsonWriter {
  if (isPrimitive(s)) return primitive(s.kind);
  switch (s.kind) {
    case 'string':
      return (v) => {
        if (typeof v !== 'string') throw new Located(`expected a string, got ${shown(v)}`);
        checkStringBound(v, s.maxLength);
        return JSON.stringify(v);
      };
    case 'bytes':
      return (v) => {
        if (!(v instanceof Uint8Array)) throw new Located(`expected a Uint8Array, got ${shown(v)}`);
        if (s.maxLength !== undefined && v.length > s.maxLength) throw new Located(`${v.length} bytes exceed the bound of ${s.maxLength}`);
        return `"${toBase64(v)}"`;
      };
    case 'enum': {
      const names = new Set(s.values);
      return (v) => {
        if (typeof v !== 'string' || !names.has(v)) throw new Located(`expected one of ${s.name} {${s.values.join(', ')}}, got ${shown(v)}`);
        return `"${v}"`;
      };
    }
    case 'struct': {
      const fields = s.fields.map((f) => ({
        name: f.name,
        key: JSON.stringify(f.name) + ':',
        optional: f.type.kind === 'optional',
        write: compileJsonWriter(f.type.kind === 'optional' ? f.type.element : f.type),
        segment: '.' + f.name,
      }));
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Located(`expected an object for struct ${s.name}, got ${shown(v)}`);
        let out = '{';
        for (const f of fields) {
          const x: unknown = Reflect.get(v, f.name);
          if (f.optional && (x === undefined || x === null)) continue;
          try {
            out += (out.length > 1 ? ',' : '') + f.key + f.write(x);
          } catch (err) {
            relocate(err, f.segment);
          }
        }
        return out + '}';
      };
    }
    case 'sequence':
    case 'array': {
      const write = compileJsonWriter(s.element);
      const exact = s.kind === 'array' ? s.length : undefined;
      const max = s.kind === 'sequence' ? s.maxLength : undefined;
      return (v) => {
        if (!Array.isArray(v) || (exact !== undefined && v.length !== exact)) {
          throw new Located(exact === undefined ? `expected an array, got ${shown(v)}` : `expected an array of exactly ${exact}, got ${shown(v)}`);
        }
        if (max !== undefined && v.length > max) throw new Located(`${v.length} elements exceed the bound of ${max}`);
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          try {
            out += (i > 0 ? ',' : '') + write(v[i]);
          } catch (err) {
            relocate(err, `[${i}]`);
          }
        }
        return out + ']';
      };
    }
    case 'optional': {
      const write = compileJsonWriter(s.element);
      return (v) => (v === undefined || v === null ? 'null' : write(v));
    }
    case 'union': {
      const plan = planUnion(s);
      const writers = s.cases.map((c) => compileJsonWriter(c.type));
      const label = compileJsonWriter(s.discriminator);
      return (v) => {
        let r;
        try {
          r = resolveUnion(plan, v, '');
        } catch (err) {
          throw relocated(err);
        }
        if (r.index < 0) return `{"case":null,"discriminator":${label(r.label)}}`;
        const c = s.cases[r.index]!;
        let body: string;
        try {
          body = writers[r.index]!(r.value);
        } catch (err) {
          relocate(err, '.' + c.name);
        }
        const d = plan.reportDiscriminator[r.index] ? `,"discriminator":${label(r.label)}` : '';
        return `{"case":${JSON.stringify(c.name)},"value":${body}${d}}`;
      };
    }
  }
}

/** Re-indents compact JSON text by two spaces, leaving every token (numbers like -0 included) as written. */
export function indentJson(text: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (text[i + 1] === close) {
        out += c + close;
        i++;
      } else out += c + '\n' + '  '.repeat(++depth);
    } else if (c === '}' || c === ']') out += '\n' + '  '.repeat(--depth) + c;
    else if (c === ',') out += ',\n' + '  '.repeat(depth);
    else if (c === ':') out += ': ';
    else out += c;
  }
  return out;
}
