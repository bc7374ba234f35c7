/**
 * The generated protobuf decoder: one JavaScript function per message (new Function) whose loop
 * switches on the whole field key. Fields are read into locals and the value is built as one object at
 * the end. Inline: every scalar (enums and 64-bit ones through readScalar), string, bytes and nested
 * message, singular or listed (packed and unpacked keys both). Every other record (oneofs, wrappers,
 * unknown fields, a wire type that does not fit) goes to the interpreter's readRecord into a side array, so both
 * paths agree on the values and errors the tests compare.
 */
import { DecodeError } from '../../errors.ts';
import { decodeFail } from '../check.ts';
import { field, lit, pathExpr, Source, type Path } from '../codegen.ts';
import { concat, defaultOf, fault, mergeMessage, readRecord, readScalar, readString, type DecodeLimits } from './decode.ts';
import type { FieldPlan, MessagePlan, Node } from './plan.ts';
import { keepUnknownFields } from './unknown.ts';
import { readShortString } from './short-strings.ts';
import { LEN, type PbReader } from './wire.ts';

/** Reads one message from `r.pos` to `end`; throws ERR_DECODE with the offset and `path`. */
export type MessageDecoder = (r: PbReader, end: number, path: string, lim: DecodeLimits, depth: number) => Record<string, unknown>;

const ranges: Partial<Record<string, readonly [number, number]>> = { int8: [-128, 127], int16: [-32768, 32767] };

/** Whether the generated code reads values of `node` itself (else readRecord does). */
function inline(node: Node): boolean {
  if (node.t === 'string' || node.t === 'bytes' || node.t === 'message') return true;
  if (node.t !== 'scalar' || node.kind === 'enum') return false;
  return node.type === 'int32' || (node.type === 'uint32' && node.kind === 'uint32') || node.type === 'bool' || node.type === 'double' || node.type === 'float';
}

/** `err` with list element `i` put into its path (ERR_DECODE raised inside an element read with path `base`). */
function indexed(err: unknown, base: string, i: number): unknown {
  if (!(err instanceof DecodeError)) return err;
  const p = err.context.path;
  if (typeof p !== 'string' || !p.startsWith(base)) return err;
  const path = `${base}[${i}]${p.slice(base.length)}`;
  return new DecodeError(err.message.replace(`(${p})`, `(${path})`), { ...err.context, path });
}

/** The compiled decoder of `plan` and of the messages it nests directly. */
export function compileDecoder(plan: MessagePlan, cache = new Map<MessagePlan, MessageDecoder>()): MessageDecoder {
  const known = cache.get(plan);
  if (known) return known;
  const src = new Source();
  const $fail = src.constant(decodeFail);
  const $fault = src.constant(fault);
  const $str = src.constant(readString);
  const root: Path = ['path'];
  const members = plan.members;
  // Scalars of every type (enums, 64-bit, zigzag too), singular or listed, are read here; the types
  // without inline code go through readScalar, exactly as the interpreter reads them.
  const inlined = members.map((m) => m.t === 'field' && (inline(m.field.node) || m.field.node.t === 'scalar'));
  const side = inlined.some((x) => !x);
  src.emit(`if (depth > lim.maxDepth) ${$fail}(path, r.pos, 'messages nest deeper than maxDepth (' + lim.maxDepth + ')');`);
  src.emit(`const saveEnd = r.end; r.end = end; const b = r.buf; let unknown;`);
  // The side array holds what readRecord reads; readRecord indexes it by member.
  src.emit(side ? `const vals = new Array(${members.length});` : 'let vals;');
  members.forEach((m, i) => {
    if (inlined[i]) src.emit(`let v${i};`);
    if (inlined[i] && m.t === 'field' && m.field.list && m.field.node.t === 'message') src.emit(`let p${i};`);
  });
  src.emit('while (r.pos < end) { const keyAt = r.pos; let key = b[keyAt];');
  src.emit(`if (key < 128) r.pos = keyAt + 1; else { key = r.varint32(); if (r.fault) ${$fault}(r, path); }`);
  src.emit('switch (key) {');
  // One-byte lengths and varints (the common case) are read without a call.
  const lengthOf = (p: Path) =>
    `const at = r.pos; let len = at < end ? b[at] : 128; if (len < 128) r.pos = at + 1; else { len = r.varint32(); if (r.fault) ${$fault}(r, ${pathExpr(p)}); } ` +
    `if (len > end - r.pos) ${$fail}(${pathExpr(p)}, at, 'length ' + len + ' exceeds the ' + (end - r.pos) + ' bytes that remain');`;
  /** Statements that read one value of `node` into `n` (for records of its own wire type). */
  const readOne = (node: Node, p: Path, target: string): string => {
    switch (node.t) {
      case 'scalar': {
        const kind = node.kind;
        if (!inline(node)) return `{ const n = ${src.constant(readScalar)}(r, ${src.constant(node)}, ${pathExpr(p)}); ${target} }`;
        if (node.type === 'int32') {
          const range = ranges[kind];
          const check = range ? `if (n < ${range[0]} || n > ${range[1]}) ${$fail}(${pathExpr(p)}, at, n + ' is out of range for ${kind}');` : '';
          return `{ const at = r.pos; let n = at < r.end ? b[at] : 128; if (n < 128) r.pos = at + 1; else { n = r.varint64() | 0; if (r.fault) ${$fault}(r, ${pathExpr(p)}); } ${check} ${target} }`;
        }
        if (node.type === 'uint32') return `{ const at = r.pos; let n = at < r.end ? b[at] : 128; if (n < 128) r.pos = at + 1; else { n = r.varint64(); if (r.fault) ${$fault}(r, ${pathExpr(p)}); } ${target} }`;
        if (node.type === 'bool') return `{ const n = r.varint64() !== 0 || r.hi !== 0; if (r.fault) ${$fault}(r, ${pathExpr(p)}); ${target} }`;
        return `{ const n = r.${node.type}(); if (r.fault) ${$fault}(r, ${pathExpr(p)}); ${target} }`;
      }
      case 'string': {
        const bound = node.max !== undefined ? `if (len > ${node.max}) ${$fail}(${pathExpr(p)}, at, 'string of ' + len + ' bytes exceeds the bound ${node.max}');` : '';
        // Valid UTF-8 without NUL is read in place; anything else (and its error path) goes to readString.
        return `{ ${lengthOf(p)} ${bound} let n = ${src.constant(readShortString)}(b, r.pos, len); if (n === undefined) n = ${$str}(r, len, ${pathExpr(p)}); else r.pos += len; ${target} }`;
      }
      case 'bytes': {
        const bound = node.max !== undefined ? `if (len > ${node.max}) ${$fail}(${pathExpr(p)}, at, len + ' bytes exceed the bound ${node.max}');` : '';
        return `{ ${lengthOf(p)} ${bound} const n = new Uint8Array(b.subarray(r.pos, r.pos + len)); r.pos += len; ${target} }`;
      }
      case 'message': {
        const sub = src.constant(compileDecoder(node.plan, cache));
        return `{ ${lengthOf(p)} const n = ${sub}(r, r.pos + len, ${pathExpr(p)}, lim, depth + 1); ${target} }`;
      }
      default:
        throw new Error(`not inlined: ${node.t}`);
    }
  };
  members.forEach((m, i) => {
    if (!inlined[i] || m.t !== 'field') return;
    const f: FieldPlan = m.field;
    const node = f.node;
    const p = field(root, m.name);
    const elementKey = ((f.number << 3) | (node.t === 'scalar' ? node.wire : LEN)) >>> 0;
    if (!f.list) {
      // A second occurrence of a message field merges into the first, as protobuf specifies.
      const store = node.t === 'message' ? `v${i} = v${i} === undefined ? n : ${src.constant(mergeMessage)}(${src.constant(node.plan)}, v${i}, n);` : `v${i} = n;`;
      src.emit(`case ${elementKey}: ${readOne(node, p, store)} continue;`);
      return;
    }
    const room = Math.min(f.list.max ?? Infinity, f.list.exact ?? Infinity);
    const roomExpr = room === Infinity ? 'lim.maxSequenceLength' : `Math.min(lim.maxSequenceLength, ${room})`;
    const full = (at: string) => `if (l.length >= ${roomExpr}) ${$fail}(${pathExpr(p)}, ${at}, 'more than ' + ${roomExpr} + ' elements');`;
    if (node.t === 'message') {
      // Elements get their list's path, made once per message; the index is put in only when one fails.
      const sub = src.constant(compileDecoder(node.plan, cache));
      src.emit(`case ${elementKey}: { const l = v${i} ??= []; ${full('r.pos')} ${lengthOf(p)} const lp = p${i} ??= ${pathExpr(p)}; let n;`);
      src.emit(`try { n = ${sub}(r, r.pos + len, lp, lim, depth + 1); } catch (e) { throw ${src.constant(indexed)}(e, lp, l.length); } l.push(n); continue; }`);
      return;
    }
    src.emit(`case ${elementKey}: { const l = v${i} ??= []; ${full('r.pos')} ${readOne(node, [...p, lit('['), 'l.length', lit(']')], 'l.push(n);')} continue; }`);
    if (node.t === 'scalar' && (node.type === 'double' || node.type === 'float')) {
      // Packed floats: a whole number of elements, read straight from one DataView.
      const [width, get] = node.type === 'double' ? [8, 'getFloat64'] : [4, 'getFloat32'];
      src.emit(
        `case ${((f.number << 3) | LEN) >>> 0}: { ${lengthOf(p)} const l = v${i} ??= []; const count = len / ${width};` +
          // The interpreter's order: the element count is checked before each element is read.
          `if (l.length + Math.ceil(count) > ${roomExpr}) ${$fail}(${pathExpr(p)}, r.pos + (${roomExpr} - l.length) * ${width}, 'more than ' + ${roomExpr} + ' elements');` +
          `if (count !== Math.floor(count)) ${$fail}(${pathExpr(p)}, r.pos + Math.floor(count) * ${width}, 'a packed element runs past the end of its record');` +
          // A fresh list is allocated at its final size rather than grown by push.
          `const dv = r.view(); let q = r.pos; if (l.length === 0) { const a = new Array(count); for (let k = 0; k < count; k++, q += ${width}) a[k] = dv.${get}(q, true); v${i} = a; }` +
          ` else for (let k = 0; k < count; k++, q += ${width}) l.push(dv.${get}(q, true)); r.pos = q; continue; }`,
      );
    } else if (node.t === 'scalar') {
      // Packed: one record of back-to-back values, read with the record's end as the reader's end.
      src.emit(
        `case ${((f.number << 3) | LEN) >>> 0}: { ${lengthOf(p)} const l = v${i} ??= []; const stop = r.pos + len; r.end = stop;` +
          `while (r.pos < stop) { const el = r.pos; ${full('el')} ${readOne(node, p, 'l.push(n);').replace(`${$fault}(r, ${pathExpr(p)})`, `${$fail}(${pathExpr(p)}, el, 'a packed element runs past the end of its record')`)} }` +
          ' r.end = end; continue; }',
      );
    }
  });
  src.emit('}');
  // Without side members, readRecord only meets unknown records; it gets a scratch array then.
  src.emit(`unknown = ${src.constant(readRecord)}(r, ${src.constant(plan)}, key, keyAt, ${side ? 'vals' : `vals ??= new Array(${members.length})`}, end, path, lim, depth, unknown); }`);
  src.emit(`r.end = saveEnd; if (r.pos !== end) ${$fail}(path, r.pos, 'a field runs past the end of its message');`);
  // The value, built in member order; fields at their default are filled in, explicit ones only when set.
  const $default = src.constant(defaultOf);
  let literal = true;
  const parts: string[] = [];
  const after: string[] = [];
  members.forEach((m, i) => {
    const v = inlined[i] ? `v${i}` : `vals[${i}]`;
    const key = lit(m.name);
    const p = field(root, m.name);
    let expr: string | undefined;
    if (m.t === 'field' && m.field.presence !== 'explicit') {
      const f = m.field;
      const dflt = f.list ? '[]' : defaultLiteral(f.node) ?? `${$default}(${src.constant(f)}, ${pathExpr(p)}, end, lim, depth)`;
      expr = `(${v} === undefined ? ${dflt} : ${v})`;
      if (f.list?.exact !== undefined) {
        after.push(`if (o[${key}].length !== ${f.list.exact}) ${$fail}(${pathExpr(p)}, end, 'expected exactly ${f.list.exact} elements, got ' + o[${key}].length);`);
      }
    }
    if (expr !== undefined && literal) parts.push(`${key}: ${expr}`);
    else {
      literal = false;
      after.push(expr !== undefined ? `o[${key}] = ${expr};` : `if (${v} !== undefined) o[${key}] = ${v};`);
    }
  });
  // Exact-length checks read o, so they go after every assignment.
  after.sort((a, b) => Number(a.startsWith('if (o[')) - Number(b.startsWith('if (o[')));
  src.emit(`const o = { ${parts.join(', ')} };`);
  for (const a of after) src.emit(a);
  src.emit(`if (unknown) ${src.constant(keepUnknownFields)}(o, ${src.constant(concat)}(unknown));`);
  src.emit('return o;');
  const compiled = src.build<MessageDecoder>(['r', 'end', 'path', 'lim', 'depth'], '', '');
  cache.set(plan, compiled);
  return compiled;
}

/** A JavaScript expression for the default of a scalar, string or bytes field, or undefined for others. */
function defaultLiteral(node: Node): string | undefined {
  switch (node.t) {
    case 'scalar':
      if (node.kind === 'enum') return lit(node.enumPlan!.zero);
      if (node.kind === 'boolean') return 'false';
      if (node.kind === 'char') return "'\\u0000'";
      return node.kind === 'int64' || node.kind === 'uint64' ? '0n' : '0';
    case 'string':
      return "''";
    case 'bytes':
      return 'new Uint8Array(0)';
    default:
      return undefined;
  }
}
