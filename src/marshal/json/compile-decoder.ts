/**
 * The generated JSON decoder: converts what JSON.parse returned into a schema value in one straight-line
 * function, with the same checks and the same errors as the closure reader (json/decode.ts), which is the
 * fallback without code generation. Unions are delegated to the closure reader: they are rare on hot
 * paths and their rules (labels, defaults, empty unions) are best kept in one place.
 */
import { DecodeError } from '../../errors.ts';
import { fromBase64 } from '../base64.ts';
import { expectation, float32Overflow, shown } from '../check.ts';
import { field, index, invalid, lit, pathExpr, Source, type Path } from '../codegen.ts';
import { toDecodeError } from '../located.ts';
import { isPrimitive, type Schema } from '../schema.ts';
import { compileJsonReader } from './decode.ts';
import { stringBoundProblem } from './encode.ts';

/** The error the closure reader would raise for `message` at `path`. */
function fail(path: string, message: string): never {
  throw new DecodeError(`${message} (${path})`, { path });
}

class JsonDecodeGen {
  private readonly fail: string;
  private readonly shown: string;

  constructor(readonly src: Source) {
    this.fail = src.constant(fail);
    this.shown = src.constant(shown);
  }

  private failWith(path: Path, message: string): string {
    return `${this.fail}(${pathExpr(path)}, ${message})`;
  }

  /** Emits code converting JSON value `j`; returns the variable holding the result. */
  value(s: Schema, j: string, path: Path): string {
    const { src } = this;
    const r = src.local('r');
    src.emit(`let ${r};`);
    if (isPrimitive(s)) {
      const bad = this.failWith(path, `${lit(`expected ${expectation(s.kind)}, got `)} + ${this.shown}(${j})`);
      switch (s.kind) {
        case 'int64':
        case 'uint64':
          src.emit(`if (typeof ${j} === 'string' && /^-?(?:0|[1-9][0-9]*)$/.test(${j})) ${r} = BigInt(${j}); else if (typeof ${j} === 'number' && Number.isSafeInteger(${j})) ${r} = BigInt(${j});`);
          src.emit(`if (${r} === undefined || ${invalid(s.kind, r)}) ${bad};`);
          return r;
        case 'float32':
        case 'float64': {
          src.emit(`${r} = typeof ${j} === 'number' ? ${j} : ${j} === 'NaN' ? NaN : ${j} === 'Infinity' ? Infinity : ${j} === '-Infinity' ? -Infinity : undefined;`);
          if (s.kind === 'float64') src.emit(`if (${r} === undefined) ${bad};`);
          else src.emit(`if (${r} === undefined || ${src.constant(float32Overflow)}(${r})) ${bad}; ${r} = Math.fround(${r});`);
          return r;
        }
        default:
          src.emit(`if (${invalid(s.kind, j)}) ${bad}; ${r} = ${j};`);
          return r;
      }
    }
    switch (s.kind) {
      case 'string':
        src.emit(`if (typeof ${j} !== 'string') ${this.failWith(path, `'expected a string, got ' + ${this.shown}(${j})`)};`);
        if (s.maxLength !== undefined) {
          const p = src.local('b');
          src.emit(`if (${j}.length * 3 > ${s.maxLength}) { const ${p} = ${src.constant(stringBoundProblem)}(${j}, ${s.maxLength}); if (${p} !== undefined) ${this.failWith(path, p)}; }`);
        }
        src.emit(`${r} = ${j};`);
        return r;
      case 'bytes':
        src.emit(`${r} = typeof ${j} === 'string' ? ${src.constant(fromBase64)}(${j}) : undefined;`);
        src.emit(`if (${r} === undefined) ${this.failWith(path, `'expected base64 text, got ' + ${this.shown}(${j})`)};`);
        if (s.maxLength !== undefined) src.emit(`if (${r}.length > ${s.maxLength}) ${this.failWith(path, `${r}.length + ' bytes exceed the bound of ${s.maxLength}'`)};`);
        return r;
      case 'enum': {
        const names = src.constant(s.values);
        const set = src.constant(new Set(s.values));
        src.emit(`if (typeof ${j} === 'string' && ${set}.has(${j})) ${r} = ${j};`);
        src.emit(`else if (typeof ${j} === 'number' && Number.isInteger(${j}) && ${j} >= 0 && ${j} < ${s.values.length}) ${r} = ${names}[${j}];`);
        src.emit(`else ${this.failWith(path, `${lit(`expected one of ${s.name} {${s.values.join(', ')}}, got `)} + ${this.shown}(${j})`)};`);
        return r;
      }
      case 'struct': {
        src.emit(`if (typeof ${j} !== 'object' || ${j} === null || Array.isArray(${j})) ${this.failWith(path, `${lit(`expected an object for struct ${s.name}, got `)} + ${this.shown}(${j})`)};`);
        const seen = src.local('n');
        src.emit(`let ${seen} = 0;`);
        const parts: [string, string, boolean][] = [];
        for (const f of s.fields) {
          const x = src.local('x');
          // Names Object.prototype also has (toString, constructor, …) must be own properties to count.
          const read = f.name in Object.prototype ? `(Object.hasOwn(${j}, ${lit(f.name)}) ? ${j}.${f.name} : undefined)` : `${j}.${f.name}`;
          src.emit(`const ${x} = ${read}; if (${x} !== undefined) ${seen}++;`);
          const optional = f.type.kind === 'optional';
          if (optional) {
            const out = src.local('o');
            src.emit(`let ${out}; if (${x} !== null && ${x} !== undefined) {`);
            const v = this.value(f.type.kind === 'optional' ? f.type.element : f.type, x, field(path, f.name));
            src.emit(`${out} = ${v}; }`);
            parts.push([f.name, out, true]);
          } else {
            src.emit(`if (${x} === undefined || ${x} === null) ${this.failWith(path, lit(`missing field ${f.name} of struct ${s.name}`))};`);
            parts.push([f.name, this.value(f.type, x, field(path, f.name)), false]);
          }
        }
        const known = src.constant(new Set(s.fields.map((f) => f.name)));
        const k = src.local('k');
        src.emit(`let ${k}c = 0; for (const ${k} in ${j}) ${k}c++;`);
        src.emit(`if (${k}c !== ${seen}) { for (const ${k} of Object.keys(${j})) if (!${known}.has(${k})) ${this.failWith(path, `${lit(`struct ${s.name} has no field `)} + JSON.stringify(${k})`)}; }`);
        src.emit(`${r} = { ${parts.filter(([, , o]) => !o).map(([n, v]) => `${n}: ${v}`).join(', ')} };`);
        for (const [n, v, o] of parts) if (o) src.emit(`if (${v} !== undefined) ${r}.${n} = ${v};`);
        return r;
      }
      case 'sequence':
      case 'array': {
        const exact = s.kind === 'array' ? s.length : undefined;
        const max = s.kind === 'sequence' ? s.maxLength : undefined;
        const failure = exact === undefined ? `'expected an array, got ' + ${this.shown}(${j})` : `'expected an array of exactly ${exact}, got ' + ${this.shown}(${j})`;
        src.emit(`if (!Array.isArray(${j})${exact === undefined ? '' : ` || ${j}.length !== ${exact}`}) ${this.failWith(path, failure)};`);
        if (max !== undefined) src.emit(`if (${j}.length > ${max}) ${this.failWith(path, `'sequence of ' + ${j}.length + ' elements exceeds its bound of ${max}'`)};`);
        const i = src.local('i');
        const e = src.local('e');
        src.emit(`${r} = new Array(${j}.length); for (let ${i} = 0; ${i} < ${j}.length; ${i}++) { const ${e} = ${j}[${i}];`);
        const v = this.value(s.element, e, index(path, i));
        src.emit(`${r}[${i}] = ${v}; }`);
        return r;
      }
      case 'optional': {
        src.emit(`if (${j} !== null && ${j} !== undefined) {`);
        const v = this.value(s.element, j, path);
        src.emit(`${r} = ${v}; }`);
        return r;
      }
      case 'union': {
        const read = src.constant(compileJsonReader(s));
        src.emit(`try { ${r} = ${read}(${j}); } catch (err) { ${src.constant(toDecodeError)}(err, ${pathExpr(path)}); }`);
        return r;
      }
    }
  }
}

/** Compiles a converter from parsed JSON to values of `s`; ERR_DECODE with the field path. */
export function compileJsonDecoder(s: Schema, root: string): (j: unknown) => unknown {
  const src = new Source();
  const result = new JsonDecodeGen(src).value(s, 'j', [lit(root)]);
  return src.build<(j: unknown) => unknown>(['j'], '', `return ${result};`);
}
