/**
 * The generated protobuf decoder: one JavaScript function per message (new Function) whose loop
 * switches on the whole field key, reading the common fields (32-bit integers, bools, floats, strings,
 * bytes, nested messages) inline. Every other record (lists, enums, 64-bit and zigzag integers, oneofs,
 * unknown fields, a wire type that does not fit) goes to the interpreter's readRecord, and the value is
 * assembled by the interpreter's finishMessage, so both paths agree by construction.
 */
import { decodeFail } from '../check.ts';
import { field, pathExpr, Source, type Path } from '../codegen.ts';
import { fault, finishMessage, mergeMessage, readRecord, readScalar, readString, type DecodeLimits } from './decode.ts';
import type { MessagePlan } from './plan.ts';
import type { PbReader } from './wire.ts';

/** Reads one message from `r.pos` to `end`; throws ERR_DECODE with the offset and `path`. */
export type MessageDecoder = (r: PbReader, end: number, path: string, lim: DecodeLimits, depth: number) => Record<string, unknown>;

const ranges: Partial<Record<string, readonly [number, number]>> = { int8: [-128, 127], int16: [-32768, 32767] };

/** The compiled decoder of `plan` and of the messages it nests directly. */
export function compileDecoder(plan: MessagePlan, cache = new Map<MessagePlan, MessageDecoder>()): MessageDecoder {
  const known = cache.get(plan);
  if (known) return known;
  const src = new Source();
  const $fail = src.constant(decodeFail);
  const $fault = src.constant(fault);
  const root: Path = ['path'];
  src.emit(`if (depth > lim.maxDepth) ${$fail}(path, r.pos, 'messages nest deeper than maxDepth (' + lim.maxDepth + ')');`);
  src.emit(`const saveEnd = r.end; r.end = end; const b = r.buf; const vals = new Array(${plan.members.length}); let unknown;`);
  src.emit('while (r.pos < end) { const keyAt = r.pos; let key = b[keyAt];');
  src.emit(`if (key < 128) r.pos = keyAt + 1; else { key = r.varint32(); if (r.fault) ${$fault}(r, path); }`);
  src.emit('switch (key) {');
  const lengthOf = (p: Path) =>
    `const at = r.pos; const len = r.varint32(); if (r.fault) ${$fault}(r, ${pathExpr(p)}); ` +
    `if (len > end - r.pos) ${$fail}(${pathExpr(p)}, at, 'length ' + len + ' exceeds the ' + (end - r.pos) + ' bytes that remain');`;
  plan.members.forEach((m, i) => {
    if (m.t !== 'field' || m.field.list) return;
    const f = m.field;
    const node = f.node;
    const p = field(root, m.name);
    switch (node.t) {
      case 'scalar': {
        const kind = node.kind;
        if (node.type === 'int32' && kind !== 'enum') {
          const range = ranges[kind];
          src.emit(`case ${f.key}: { const at = r.pos; const n = r.varint64() | 0; if (r.fault) ${$fault}(r, ${pathExpr(p)});`);
          if (range) src.emit(`if (n < ${range[0]} || n > ${range[1]}) ${$fail}(${pathExpr(p)}, at, n + ' is out of range for ${kind}');`);
          src.emit(`vals[${i}] = n; continue; }`);
        } else if (node.type === 'uint32' && kind === 'uint32') {
          src.emit(`case ${f.key}: { const n = r.varint64(); if (r.fault) ${$fault}(r, ${pathExpr(p)}); vals[${i}] = n; continue; }`);
        } else if (node.type === 'bool') {
          src.emit(`case ${f.key}: { const n = r.varint64(); if (r.fault) ${$fault}(r, ${pathExpr(p)}); vals[${i}] = n !== 0 || r.hi !== 0; continue; }`);
        } else if (node.type === 'double' || node.type === 'float') {
          src.emit(`case ${f.key}: { const n = r.${node.type}(); if (r.fault) ${$fault}(r, ${pathExpr(p)}); vals[${i}] = n; continue; }`);
        } else if (kind !== 'enum') {
          src.emit(`case ${f.key}: { vals[${i}] = ${src.constant(readScalar)}(r, ${src.constant(node)}, ${pathExpr(p)}); continue; }`);
        }
        return;
      }
      case 'string':
        src.emit(`case ${f.key}: { ${lengthOf(p)}`);
        if (node.max !== undefined) src.emit(`if (len > ${node.max}) ${$fail}(${pathExpr(p)}, at, 'string of ' + len + ' bytes exceeds the bound ${node.max}');`);
        src.emit(`vals[${i}] = ${src.constant(readString)}(r, len, ${pathExpr(p)}); continue; }`);
        return;
      case 'bytes':
        src.emit(`case ${f.key}: { ${lengthOf(p)}`);
        if (node.max !== undefined) src.emit(`if (len > ${node.max}) ${$fail}(${pathExpr(p)}, at, len + ' bytes exceed the bound ${node.max}');`);
        src.emit(`vals[${i}] = new Uint8Array(b.subarray(r.pos, r.pos + len)); r.pos += len; continue; }`);
        return;
      case 'message': {
        const sub = src.constant(compileDecoder(node.plan, cache));
        // A second occurrence of the field merges into the first, as protobuf specifies.
        src.emit(`case ${f.key}: { ${lengthOf(p)} const v = ${sub}(r, r.pos + len, ${pathExpr(p)}, lim, depth + 1);`);
        src.emit(`vals[${i}] = vals[${i}] === undefined ? v : ${src.constant(mergeMessage)}(${src.constant(node.plan)}, vals[${i}], v); continue; }`);
        return;
      }
      default:
        return;
    }
  });
  src.emit('}');
  src.emit(`unknown = ${src.constant(readRecord)}(r, ${src.constant(plan)}, key, keyAt, vals, end, path, lim, depth, unknown); }`);
  src.emit(`r.end = saveEnd; return ${src.constant(finishMessage)}(r, ${src.constant(plan)}, vals, unknown, end, path, lim, depth);`);
  const compiled = src.build<MessageDecoder>(['r', 'end', 'path', 'lim', 'depth'], '', '');
  cache.set(plan, compiled);
  return compiled;
}
