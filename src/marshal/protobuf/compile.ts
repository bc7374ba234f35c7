/**
 * The generated protobuf encoder: one JavaScript function per message (new Function), with the field
 * keys as constants and the common fields (scalars, strings, bytes, nested messages) written inline.
 * Lists, enums, unions and wrappers are handed to the interpreter (encode.ts), which must give the same
 * bytes and the same errors; the tests check both paths against each other.
 */
import { badPrimitive, encodeFail, shown } from '../check.ts';
import { field, invalid, lit, pathExpr, Source, type Path } from '../codegen.ts';
import { need, putString, writeField, writeOneof, writeUnknown } from './encode.ts';
import type { FieldPlan, MessagePlan, Node } from './plan.ts';
import { UNKNOWN_FIELDS } from './unknown.ts';
import type { PbWriter } from './wire.ts';

/** Writes one message's fields (no key, no length) at `w.pos`; `path` names it in errors. */
export type MessageEncoder = (value: unknown, w: PbWriter, path: string) => void;

/** The compiled encoder of `plan` (and, through it, of the messages it nests). */
export function compileEncoder(plan: MessagePlan, cache = new Map<MessagePlan, MessageEncoder>()): MessageEncoder {
  const known = cache.get(plan);
  if (known) return known;
  // Schemas are trees, so no plan is reached again while it compiles: no forward reference is needed.
  const src = new Source();
  const $fail = src.constant(encodeFail);
  const $bad = src.constant(badPrimitive);
  const $shown = src.constant(shown);
  const $need = src.constant(need);
  const $str = src.constant(putString);
  const root: Path = ['path'];
  src.emit(`if (typeof v !== 'object' || v === null || Array.isArray(v)) ${$fail}(path, ${lit(`expected an object for message ${plan.name}, got `)} + ${$shown}(v));`);
  src.emit('let x;');
  for (const m of plan.members) {
    const p = field(root, m.name);
    // Each member in its own block, so the locals of one cannot clash with the next.
    src.emit(`{ x = v[${lit(m.name)}];`);
    if (m.t === 'oneof') {
      src.emit(`if (x !== undefined) ${src.constant(writeOneof)}(w, ${src.constant(m.oneof)}, x, ${pathExpr(p)}); }`);
      continue;
    }
    const f: FieldPlan = m.field;
    const node = f.node;
    const explicit = f.presence === 'explicit';
    const implicit = f.presence === 'implicit';
    if (f.list && (node.t === 'message' || node.t === 'string' || node.t === 'bytes' || (node.t === 'scalar' && node.kind !== 'enum'))) {
      // Anything unusual (not an array, empty, a bound crossed) goes to the interpreter, which reports it.
      const bounds = [f.list.exact !== undefined ? `x.length !== ${f.list.exact}` : '', f.list.max !== undefined ? `x.length > ${f.list.max}` : ''].filter(Boolean);
      src.emit(`if (!Array.isArray(x) || x.length === 0${bounds.map((b) => ` || ${b}`).join('')}) ${src.constant(writeField)}(w, ${src.constant(f)}, x, ${pathExpr(p)}); else {`);
      const el: Path = [...p, lit('['), 'i', lit(']')];
      const width = node.t === 'scalar' ? fixedWidth[node.type] : undefined;
      const sk = node.t === 'scalar' && node.kind !== 'enum' ? node.kind : undefined;
      if (f.list.packed && node.t === 'scalar' && sk !== undefined && width !== undefined) {
        // Fixed-width elements: the payload length is known before writing, so nothing moves afterwards.
        src.emit(`const n = x.length * ${width}; ${$need}(w, 10 + n); w.varint32(${f.key}); w.varint32(n);`);
        src.emit(`for (let i = 0; i < x.length; i++) { const e = x[i]; if (${invalid(sk, 'e')}) ${$bad}(${pathExpr(el)}, '${sk}', e); ${scalarWrite(node.type, sk === 'char', 'e')} }`);
      } else if (f.list.packed && node.t === 'scalar' && sk !== undefined) {
        src.emit(`${$need}(w, 6); w.varint32(${f.key}); const s = w.pos++;`);
        src.emit(`for (let i = 0; i < x.length; i++) { const e = x[i]; if (${invalid(sk, 'e')}) ${$bad}(${pathExpr(el)}, '${sk}', e);`);
        src.emit(`if (w.pos + 10 > w.buf.length) ${$need}(w, 10); ${scalarWrite(node.type, sk === 'char', 'e')} }`);
        src.emit(`if (!w.endLength(s)) ${$need}(w, w.max);`);
      } else {
        src.emit('for (let i = 0; i < x.length; i++) { const e = x[i];');
        emitValue(node, 'e', el, keyCode(f.key));
        src.emit('}');
      }
      src.emit('} }');
      continue;
    }
    if (f.list || node.t === 'union' || node.t === 'wrap' || (node.t === 'scalar' && node.kind === 'enum')) {
      src.emit(`${src.constant(writeField)}(w, ${src.constant(f)}, x, ${pathExpr(p)}); }`);
      continue;
    }
    if (explicit) src.emit('if (x !== undefined) {');
    if (implicit && node.t === 'scalar' && node.kind !== 'enum') {
      const kind = node.kind;
      src.emit(`if (${invalid(kind, 'x')}) ${$bad}(${pathExpr(p)}, '${kind}', x);`);
      const dflt = kind === 'boolean' ? 'x !== false' : kind === 'int64' || kind === 'uint64' ? 'x !== 0n' : kind === 'char' ? "x !== '\\u0000'" : '!Object.is(x, 0)';
      src.emit(`if (${dflt}) {`);
      emitValue(node, 'x', p, keyCode(f.key), true);
      src.emit('}');
    } else if (implicit && (node.t === 'string' || node.t === 'bytes')) {
      const check = node.t === 'string' ? 'typeof x !== \'string\'' : '!(x instanceof Uint8Array)';
      const what = node.t === 'string' ? 'a string' : 'a Uint8Array';
      src.emit(`if (${check}) ${$fail}(${pathExpr(p)}, 'expected ${what}, got ' + ${$shown}(x));`);
      if (node.t === 'bytes' && node.max !== undefined) src.emit(`if (x.length > ${node.max}) ${$fail}(${pathExpr(p)}, x.length + ' bytes exceed the bound ${node.max}');`);
      src.emit(node.t === 'string' ? `if (x !== '') {` : 'if (x.length > 0) {');
      emitValue(node, 'x', p, keyCode(f.key), true);
      src.emit('}');
    } else emitValue(node, 'x', p, keyCode(f.key));
    if (explicit) src.emit('}');
    src.emit('}');
  }

  /** Emits code writing key and value of `node` held in `x` (present, not a default); `checked`: type already checked. */
  function emitValue(node: Node, x: string, p: Path, key: string, checked = false): void {
    switch (node.t) {
      case 'scalar': {
        const kind = node.kind;
        if (kind === 'enum') throw new Error('enums are written by the interpreter');
        if (!checked) src.emit(`if (${invalid(kind, x)}) ${$bad}(${pathExpr(p)}, '${kind}', ${x});`);
        src.emit(`if (w.pos + 15 > w.buf.length) ${$need}(w, 15);`);
        src.emit(key);
        src.emit(scalarWrite(node.type, kind === 'char', x));
        break;
      }
      case 'string':
        if (!checked) src.emit(`if (typeof ${x} !== 'string') ${$fail}(${pathExpr(p)}, 'expected a string, got ' + ${$shown}(${x}));`);
        src.emit(`{ if (w.pos + 10 + ${x}.length * 3 > w.buf.length) ${$need}(w, 10 + ${x}.length * 3); ${key} const s = w.pos++; const n = ${$str}(w, ${x});`);
        src.emit(`if (n < 0) ${$fail}(${pathExpr(p)}, 'string holds an unpaired surrogate, which UTF-8 cannot carry');`);
        if (node.max !== undefined) src.emit(`if (n > ${node.max}) ${$fail}(${pathExpr(p)}, 'string of ' + n + ' UTF-8 bytes exceeds the bound ${node.max}');`);
        src.emit(`if (!w.endLength(s)) ${$need}(w, w.max); }`);
        break;
      case 'bytes':
        if (!checked) {
          src.emit(`if (!(${x} instanceof Uint8Array)) ${$fail}(${pathExpr(p)}, 'expected a Uint8Array, got ' + ${$shown}(${x}));`);
          if (node.max !== undefined) src.emit(`if (${x}.length > ${node.max}) ${$fail}(${pathExpr(p)}, ${x}.length + ' bytes exceed the bound ${node.max}');`);
        }
        src.emit(`${$need}(w, 10 + ${x}.length); ${key} w.varint32(${x}.length); w.buf.set(${x}, w.pos); w.pos += ${x}.length;`);
        break;
      case 'message': {
        const sub = src.constant(compileEncoder(node.plan, cache));
        src.emit(`{ if (w.pos + 6 > w.buf.length) ${$need}(w, 6); ${key} const s = w.pos++; ${sub}(${x}, w, ${pathExpr(p)}); if (!w.endLength(s)) ${$need}(w, w.max); }`);
        break;
      }
      default:
        throw new Error(`not generated: ${node.t}`);
    }
  }
  // The symbol is read here, at a site that sees one message shape, rather than inside the shared helper.
  src.emit(`if (v[${src.constant(UNKNOWN_FIELDS)}] !== undefined) ${src.constant(writeUnknown)}(w, v);`);
  const compiled = src.build<MessageEncoder>(['v', 'w', 'path'], '', '');
  cache.set(plan, compiled);
  return compiled;
}

/** Code writing a field key (room for 5 bytes already made): one or two byte stores for the usual keys. */
function keyCode(key: number): string {
  if (key < 0x80) return `w.buf[w.pos++] = ${key};`;
  if (key < 0x4000) return `w.buf[w.pos++] = ${(key & 0x7f) | 0x80}; w.buf[w.pos++] = ${key >>> 7};`;
  return `w.varint32(${key});`;
}

/** Bytes per element of the fixed-width scalar types. */
const fixedWidth: Partial<Record<string, number>> = { fixed32: 4, sfixed32: 4, float: 4, fixed64: 8, sfixed64: 8, double: 8 };

function scalarWrite(type: string, char: boolean, x: string): string {
  switch (type) {
    case 'bool':
      return `w.buf[w.pos++] = ${x} ? 1 : 0;`;
    case 'int32':
      return `w.int32(${x});`;
    case 'sint32':
      return `w.varint32(((${x} << 1) ^ (${x} >> 31)) >>> 0);`;
    case 'sfixed32':
      return `w.sfixed32(${x});`;
    case 'uint32':
      return char ? `w.varint32(${x}.charCodeAt(0));` : `w.varint32(${x});`;
    case 'fixed32':
      return char ? `w.fixed32(${x}.charCodeAt(0));` : `w.fixed32(${x});`;
    case 'int64':
    case 'uint64':
      return `w.bigVarint(${x});`;
    case 'sint64':
      return `w.bigVarint((${x} << 1n) ^ (${x} >> 63n));`;
    case 'sfixed64':
    case 'fixed64':
      return `w.fixed64(${x});`;
    case 'float':
      return `w.float(${x});`;
    default:
      return `w.double(${x});`;
  }
}
