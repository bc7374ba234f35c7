/**
 * The compiled CDR codec: turns a schema into straight-line JavaScript once (new Function), so encoding
 * a value does no lookups by name, no schema walking and no per-field method dispatch. The byte order
 * and the 64-bit alignment are constants in the generated code; alignment is relative to a run-time
 * origin. It must produce exactly the bytes of interpret.ts, which the tests check.
 */
import { badPrimitive, decodeFail, encodeFail, shown } from '../check.ts';
import { isPrimitive, type PrimitiveKind, type Schema, type UnionSchema } from '../schema.ts';
import { planUnion, resolveUnion } from '../union.ts';
import { readUtf8 } from '../utf8.ts';
import { field, index, invalid, lit, pathExpr, Source, type Path } from '../codegen.ts';
import { stringProblems } from './interpret.ts';
import { minSize, primitiveSize } from './layout.ts';
import type { CdrWriter } from './writer.ts';

/** Writes one value at `w.pos` (the writer's origin and byte order already set). */
export type CompiledEncoder = (value: unknown, w: CdrWriter) => void;
/** Reads one value from `buf` at `pos`, aligning relative to `origin`; leaves the end offset in `out.pos`. */
export type CompiledDecoder = (buf: Uint8Array, pos: number, origin: number, out: { pos: number }) => unknown;

/** Source with the CDR constants every emitter needs: byte order and 64-bit alignment. */
class CdrSource extends Source {
  constructor(
    readonly le: boolean,
    readonly align8: number,
  ) {
    super();
  }
  alignOf(kind: PrimitiveKind): number {
    const size = primitiveSize[kind];
    return size === 8 ? this.align8 : size;
  }
}

const setter: Partial<Record<PrimitiveKind, string>> = {
  int16: 'setInt16',
  uint16: 'setUint16',
  int32: 'setInt32',
  uint32: 'setUint32',
  float32: 'setFloat32',
  float64: 'setFloat64',
  int64: 'setBigInt64',
  uint64: 'setBigUint64',
};
const getter: Partial<Record<PrimitiveKind, string>> = {
  int16: 'getInt16',
  uint16: 'getUint16',
  int32: 'getInt32',
  uint32: 'getUint32',
  float32: 'getFloat32',
  float64: 'getFloat64',
  int64: 'getBigInt64',
  uint64: 'getBigUint64',
};

// ---------------------------------------------------------------- encoder

class EncoderGen {
  private readonly bad: string;
  private readonly fail: string;
  private readonly shown: string;

  constructor(readonly src: CdrSource) {
    this.bad = src.constant(badPrimitive);
    this.fail = src.constant(encodeFail);
    this.shown = src.constant(shown);
  }

  private ensure(n: string | number): void {
    this.src.emit(`if (pos + ${n} > buf.length) { w.pos = pos; w.grow(${n}); buf = w.buf; dv = w.dv; }`);
  }
  private align(a: number): void {
    if (a > 1) this.src.emit(`while ((pos - org) & ${a - 1}) buf[pos++] = 0;`);
  }
  private failWith(path: Path, message: string): string {
    return `${this.fail}(${pathExpr(path)}, ${message})`;
  }

  /** Emits the store of an already-checked primitive (space and alignment already ensured). */
  private store(kind: PrimitiveKind, v: string): void {
    const { src } = this;
    switch (kind) {
      case 'boolean':
        return src.emit(`buf[pos++] = ${v} ? 1 : 0;`);
      case 'char':
        return src.emit(`buf[pos++] = ${v}.charCodeAt(0);`);
      case 'octet':
      case 'uint8':
      case 'int8':
        return src.emit(`buf[pos++] = ${v} & 255;`);
      default:
        src.emit(`dv.${setter[kind]}(pos, ${v}, ${src.le}); pos += ${primitiveSize[kind]};`);
    }
  }

  private primitive(kind: PrimitiveKind, v: string, path: Path): void {
    const a = this.src.alignOf(kind);
    this.src.emit(`if (${invalid(kind, v)}) ${this.bad}(${pathExpr(path)}, '${kind}', ${v});`);
    this.ensure(primitiveSize[kind] + a - 1);
    this.align(a);
    this.store(kind, v);
  }

  /** Emits the writes of a list's elements, with one reservation for fixed-size primitives. */
  private elements(element: Schema, v: string, n: string, path: Path): void {
    const { src } = this;
    const i = src.local('i');
    const e = src.local('e');
    if (isPrimitive(element)) {
      const size = primitiveSize[element.kind];
      const a = src.alignOf(element.kind);
      src.emit(`if (${n} > 0) {`);
      this.ensure(`${n} * ${size} + ${a - 1}`);
      this.align(a);
      src.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${e} = ${v}[${i}];`);
      src.emit(`if (${invalid(element.kind, e)}) ${this.bad}(${pathExpr(index(path, i))}, '${element.kind}', ${e});`);
      this.store(element.kind, e);
      src.emit('} }');
      return;
    }
    src.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${e} = ${v}[${i}];`);
    this.value(element, e, index(path, i));
    src.emit('}');
  }

  value(s: Schema, v: string, path: Path): void {
    const { src } = this;
    if (isPrimitive(s)) return this.primitive(s.kind, v, path);
    switch (s.kind) {
      case 'string': {
        const r = src.local('r');
        src.emit(`if (typeof ${v} !== 'string') ${this.failWith(path, `'expected a string, got ' + ${this.shown}(${v})`)};`);
        src.emit(`w.pos = pos; const ${r} = w.str(${v}, ${s.maxLength ?? 'Infinity'});`);
        const msg = src.constant((r: number) => (r === -3 ? `string is longer than its bound of ${s.maxLength} bytes` : stringProblems[r]!));
        src.emit(`if (${r} < 0) ${this.failWith(path, `${msg}(${r})`)};`);
        src.emit('pos = w.pos; buf = w.buf; dv = w.dv;');
        return;
      }
      case 'bytes':
        src.emit(`if (!(${v} instanceof Uint8Array)) ${this.failWith(path, `'expected a Uint8Array, got ' + ${this.shown}(${v})`)};`);
        if (s.maxLength !== undefined) {
          src.emit(`if (${v}.length > ${s.maxLength}) ${this.failWith(path, `${v}.length + ' bytes exceed the bound of ${s.maxLength}'`)};`);
        }
        src.emit(`w.pos = pos; w.octets(${v}); pos = w.pos; buf = w.buf; dv = w.dv;`);
        return;
      case 'enum': {
        const map = src.constant(new Map(s.values.map((name, i) => [name, i])));
        const o = src.local('o');
        src.emit(`const ${o} = ${map}.get(${v});`);
        src.emit(`if (${o} === undefined) ${this.failWith(path, `${lit(`expected one of ${s.name} {${s.values.join(', ')}}, got `)} + ${this.shown}(${v})`)};`);
        this.ensure(7);
        this.align(4);
        src.emit(`dv.setUint32(pos, ${o}, ${src.le}); pos += 4;`);
        return;
      }
      case 'struct': {
        src.emit(`if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) ${this.failWith(path, `${lit(`expected an object for struct ${s.name}, got `)} + ${this.shown}(${v})`)};`);
        for (const f of s.fields) {
          const fv = src.local('f');
          src.emit(`{ const ${fv} = ${v}.${f.name};`);
          this.value(f.type, fv, field(path, f.name));
          src.emit('}');
        }
        return;
      }
      case 'sequence': {
        const n = src.local('n');
        src.emit(`if (!Array.isArray(${v})) ${this.failWith(path, `'expected an array, got ' + ${this.shown}(${v})`)};`);
        src.emit(`const ${n} = ${v}.length;`);
        if (s.maxLength !== undefined) {
          src.emit(`if (${n} > ${s.maxLength}) ${this.failWith(path, `${n} + ' elements exceed the bound of ${s.maxLength}'`)};`);
        }
        this.ensure(7);
        this.align(4);
        src.emit(`dv.setUint32(pos, ${n}, ${src.le}); pos += 4;`);
        this.elements(s.element, v, n, path);
        return;
      }
      case 'array':
        src.emit(`if (!Array.isArray(${v}) || ${v}.length !== ${s.length}) ${this.failWith(path, `'expected an array of exactly ${s.length}, got ' + ${this.shown}(${v})`)};`);
        this.elements(s.element, v, String(s.length), path);
        return;
      case 'optional':
        this.ensure(1);
        src.emit(`if (${v} === undefined || ${v} === null) { buf[pos++] = 0; } else { buf[pos++] = 1;`);
        this.value(s.element, v, path);
        src.emit('}');
        return;
      case 'union':
        return this.union(s, v, path);
    }
  }

  private union(s: UnionSchema, v: string, path: Path): void {
    const { src } = this;
    const plan = src.constant(planUnion(s));
    const resolve = src.constant(resolveUnion);
    const u = src.local('u');
    src.emit(`const ${u} = ${resolve}(${plan}, ${v}, ${pathExpr(path)});`);
    const d = s.discriminator;
    if (d.kind === 'enum') {
      const map = src.constant(new Map(d.values.map((name, i) => [name, i])));
      this.ensure(7);
      this.align(4);
      src.emit(`dv.setUint32(pos, ${map}.get(${u}.label), ${src.le}); pos += 4;`);
    } else if (isPrimitive(d)) {
      const a = src.alignOf(d.kind);
      this.ensure(primitiveSize[d.kind] + a - 1);
      this.align(a);
      this.store(d.kind, `${u}.label`);
    }
    src.emit(`switch (${u}.index) {`);
    s.cases.forEach((c, i) => {
      const cv = src.local('c');
      src.emit(`case ${i}: { const ${cv} = ${u}.value;`);
      this.value(c.type, cv, field(path, c.name));
      src.emit('break; }');
    });
    src.emit('}');
  }
}

/** Compiles an encoder for `s` with a fixed byte order and 64-bit alignment. */
export function compileEncoder(s: Schema, root: string, littleEndian: boolean, align8: number): CompiledEncoder {
  const src = new CdrSource(littleEndian, align8);
  new EncoderGen(src).value(s, 'v', [lit(root)]);
  return src.build<CompiledEncoder>(['v', 'w'], 'let buf = w.buf, dv = w.dv, pos = w.pos; const org = w.origin;', 'w.pos = pos;');
}

// ---------------------------------------------------------------- decoder

function truncated(path: string, pos: number, n: number, end: number): never {
  return decodeFail(path, pos, `input truncated: need ${n} more bytes, ${Math.max(0, end - pos)} left`);
}

function badString(path: string, at: number, len: number, left: number, max: number): never {
  if (len === 0) decodeFail(path, at, 'string length 0 (a CDR string length counts its NUL, so it is at least 1)');
  if (len > left) decodeFail(path, at, `string length ${len} exceeds the ${left} bytes left`);
  if (len - 1 > max) decodeFail(path, at, `string of ${len - 1} bytes exceeds its bound of ${max}`);
  return decodeFail(path, at + 4 + len - 1, 'string does not end with NUL');
}

function badBytes(path: string, at: number, len: number, left: number, max: number): never {
  if (len > left) decodeFail(path, at, `byte count ${len} exceeds the ${left} bytes left`);
  return decodeFail(path, at, `${len} bytes exceed the bound of ${max}`);
}

function badCount(path: string, at: number, n: number, max: number, least: number, left: number, maxSequence: number): never {
  if (n > max) decodeFail(path, at, `sequence of ${n} elements exceeds its bound of ${max}`);
  if (least > 0) decodeFail(path, at, `sequence count ${n} needs at least ${n * least} bytes, ${left} left`, { limit: left });
  return decodeFail(path, at, `sequence count ${n} exceeds maxSequenceLength (${maxSequence})`, { limit: maxSequence });
}

/** A 16- or 32-bit integer read from `buf` at `pos` byte by byte: cheaper than a DataView call. */
function intFromBytes(kind: 'int16' | 'uint16' | 'int32' | 'uint32', le: boolean): string {
  const b = (i: number) => (i === 0 ? 'buf[pos]' : `buf[pos + ${i}]`);
  if (kind === 'int16' || kind === 'uint16') {
    const v = le ? `(${b(0)} | (${b(1)} << 8))` : `((${b(0)} << 8) | ${b(1)})`;
    return kind === 'int16' ? `((${v} << 16) >> 16)` : v;
  }
  const v = le ? `(${b(0)} | (${b(1)} << 8) | (${b(2)} << 16) | (${b(3)} << 24))` : `((${b(0)} << 24) | (${b(1)} << 16) | (${b(2)} << 8) | ${b(3)})`;
  return kind === 'int32' ? v : `(${v} >>> 0)`;
}

class DecoderGen {
  private readonly trunc: string;
  private readonly fail: string;
  /** Whether the generated code needs a DataView (floats and 64-bit integers). */
  usesView = false;

  constructor(
    readonly src: CdrSource,
    readonly maxSequence: number,
  ) {
    this.trunc = src.constant(truncated);
    this.fail = src.constant(decodeFail);
  }

  private need(n: string | number, path: Path): void {
    this.src.emit(`if (pos + ${n} > end) ${this.trunc}(${pathExpr(path)}, pos, ${n}, end);`);
  }
  private align(a: number): void {
    if (a > 1) this.src.emit(`pos += (${a} - ((pos - org) & ${a - 1})) & ${a - 1};`);
  }
  private failAt(path: Path, at: string, message: string): string {
    return `${this.fail}(${pathExpr(path)}, ${at}, ${message})`;
  }

  /** Emits the load of a primitive whose space is checked; returns the expression's variable. */
  private load(kind: PrimitiveKind, path: Path): string {
    const { src } = this;
    const r = src.local('p');
    switch (kind) {
      case 'boolean':
        src.emit(`const ${r} = buf[pos];`);
        src.emit(`if (${r} > 1) ${this.failAt(path, 'pos', `'boolean octet is ' + ${r} + ', expected 0 or 1'`)};`);
        src.emit('pos++;');
        return `(${r} === 1)`;
      case 'char':
        src.emit(`const ${r} = String.fromCharCode(buf[pos++]);`);
        return r;
      case 'octet':
      case 'uint8':
        src.emit(`const ${r} = buf[pos++];`);
        return r;
      case 'int8':
        src.emit(`const ${r} = (buf[pos++] << 24) >> 24;`);
        return r;
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
        src.emit(`const ${r} = ${intFromBytes(kind, src.le)}; pos += ${primitiveSize[kind]};`);
        return r;
      default:
        this.usesView = true;
        src.emit(`const ${r} = dv.${getter[kind]}(pos, ${src.le}); pos += ${primitiveSize[kind]};`);
        return r;
    }
  }

  private primitive(kind: PrimitiveKind, path: Path): string {
    this.align(this.src.alignOf(kind));
    this.need(primitiveSize[kind], path);
    return this.load(kind, path);
  }

  /** Emits a loop reading `n` elements into array `a`. */
  private elements(element: Schema, a: string, n: string, path: Path): void {
    const { src } = this;
    const i = src.local('i');
    if (isPrimitive(element)) {
      const size = primitiveSize[element.kind];
      src.emit(`if (${n} > 0) {`);
      this.align(src.alignOf(element.kind));
      this.need(`${n} * ${size}`, path);
      src.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
      const e = this.load(element.kind, index(path, i));
      src.emit(`${a}[${i}] = ${e}; } }`);
      return;
    }
    src.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
    const e = this.value(element, index(path, i));
    src.emit(`${a}[${i}] = ${e}; }`);
  }

  /** Emits code reading one value of `s`; returns the variable holding it. */
  value(s: Schema, path: Path): string {
    const { src } = this;
    if (isPrimitive(s)) return this.primitive(s.kind, path);
    const out = src.local('v');
    src.emit(`let ${out};`);
    src.emit('{');
    switch (s.kind) {
      case 'string': {
        const len = src.local('l');
        const bad = src.constant(badString);
        const utf8 = src.constant(readUtf8);
        this.align(4);
        this.need(4, path);
        src.emit(`const ${len} = ${intFromBytes('uint32', src.le)}; pos += 4;`);
        src.emit(
          `if (${len} === 0 || ${len} > end - pos || ${len} - 1 > ${s.maxLength ?? 'Infinity'} || buf[pos + ${len} - 1] !== 0) ${bad}(${pathExpr(path)}, pos - 4, ${len}, end - pos, ${s.maxLength ?? 'Infinity'});`,
        );
        src.emit(`${out} = ${utf8}(buf, pos, ${len} - 1);`);
        src.emit(`if (${out} === undefined) ${this.failAt(path, 'pos', "'string is not valid UTF-8 or contains NUL'")};`);
        src.emit(`pos += ${len};`);
        break;
      }
      case 'bytes': {
        const len = src.local('l');
        const bad = src.constant(badBytes);
        this.align(4);
        this.need(4, path);
        src.emit(`const ${len} = ${intFromBytes('uint32', src.le)}; pos += 4;`);
        src.emit(`if (${len} > end - pos || ${len} > ${s.maxLength ?? 'Infinity'}) ${bad}(${pathExpr(path)}, pos - 4, ${len}, end - pos, ${s.maxLength ?? 'Infinity'});`);
        // A plain Uint8Array copy, whatever the input's class (a Buffer's slice would be a Buffer).
        src.emit(`${out} = new Uint8Array(buf.subarray(pos, pos + ${len})); pos += ${len};`);
        break;
      }
      case 'enum': {
        const names = src.constant(s.values);
        const o = this.primitive('uint32', path);
        src.emit(`if (${o} >= ${s.values.length}) ${this.failAt(path, 'pos - 4', `${lit(`enum ${s.name} has no ordinal `)} + ${o}`)};`);
        src.emit(`${out} = ${names}[${o}];`);
        break;
      }
      case 'struct': {
        const vars = s.fields.map((f) => [f, this.value(f.type, field(path, f.name))] as const);
        const required = vars.filter(([f]) => f.type.kind !== 'optional');
        src.emit(`${out} = { ${required.map(([f, x]) => `${f.name}: ${x}`).join(', ')} };`);
        for (const [f, x] of vars) if (f.type.kind === 'optional') src.emit(`if (${x} !== undefined) ${out}.${f.name} = ${x};`);
        break;
      }
      case 'sequence': {
        const least = minSize(s.element);
        const bad = src.constant(badCount);
        const max = s.maxLength ?? 'Infinity';
        const n = this.primitive('uint32', path);
        const tooMany = least > 0 ? `${n} * ${least} > end - pos` : `${n} > ${this.maxSequence}`;
        src.emit(`if (${n} > ${max} || ${tooMany}) ${bad}(${pathExpr(path)}, pos - 4, ${n}, ${max}, ${least}, end - pos, ${this.maxSequence});`);
        // Preallocating is 3x faster than growing; the count is already known to fit the input, and
        // past 65536 V8 would make a slow dictionary array, so larger lists grow as they are read.
        src.emit(`${out} = ${n} <= 65536 ? new Array(${n}) : [];`);
        this.elements(s.element, out, n, path);
        break;
      }
      case 'array':
        src.emit(`${out} = ${s.length <= 65536 ? `new Array(${s.length})` : '[]'};`);
        this.elements(s.element, out, String(s.length), path);
        break;
      case 'optional': {
        const flag = this.primitive('octet', path);
        src.emit(`if (${flag} > 1) ${this.failAt(path, 'pos - 1', `'presence flag is ' + ${flag} + ', expected 0 or 1'`)};`);
        src.emit(`if (${flag} === 1) {`);
        const x = this.value(s.element, path);
        src.emit(`${out} = ${x}; }`);
        break;
      }
      case 'union':
        this.union(s, out, path);
        break;
    }
    src.emit('}');
    return out;
  }

  private union(s: UnionSchema, out: string, path: Path): void {
    const { src } = this;
    const plan = planUnion(s);
    const d = s.discriminator;
    let label: string;
    if (d.kind === 'enum') {
      const names = src.constant(d.values);
      const o = this.primitive('uint32', path);
      src.emit(`if (${o} >= ${d.values.length}) ${this.failAt(path, 'pos - 4', `${lit(`discriminator enum ${d.name} has no ordinal `)} + ${o}`)};`);
      label = src.local('d');
      src.emit(`const ${label} = ${names}[${o}];`);
    } else if (isPrimitive(d)) {
      label = this.primitive(d.kind, path);
    } else throw new Error('unreachable: discriminator checked at schema build');
    src.emit(`switch (${label}) {`);
    s.cases.forEach((c, i) => {
      for (const l of c.labels) src.emit(`case ${JSON.stringify(l)}:`);
      if (c.isDefault) src.emit('default:');
      src.emit('{');
      const x = this.value(c.type, field(path, c.name));
      const report = plan.reportDiscriminator[i] ? `, discriminator: ${label}` : '';
      src.emit(`${out} = { case: ${lit(c.name)}, value: ${x}${report} }; break; }`);
    });
    // No case and no default: CORBA's implicit default, a union holding no member.
    if (plan.defaultIndex < 0) src.emit(`default: ${out} = { case: null, discriminator: ${label} };`);
    src.emit('}');
  }
}

/** Compiles a decoder for `s` with a fixed byte order and 64-bit alignment. */
export function compileDecoder(s: Schema, root: string, littleEndian: boolean, align8: number, maxSequence: number): CompiledDecoder {
  const src = new CdrSource(littleEndian, align8);
  const gen = new DecoderGen(src, maxSequence);
  const result = gen.value(s, [lit(root)]);
  const view = gen.usesView ? ' const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);' : '';
  return src.build<CompiledDecoder>(['buf', 'pos', 'org', 'out'], `const end = buf.length;${view}`, `out.pos = pos; return ${result};`);
}
