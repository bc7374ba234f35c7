/**
 * The generated JSON encoder: the same text as the closure writer (json/encode.ts), as one straight-line
 * function per schema that appends to a string, with every check inline and field paths rendered only
 * when a check fails. The closure writer is the fallback when code generation is disabled.
 */
import { toBase64 } from '../base64.ts';
import { badPrimitive, encodeFail, shown } from '../check.ts';
import { field, index, invalid, lit, pathExpr, Source, type Path } from '../codegen.ts';
import { isPrimitive, type Schema, type UnionSchema } from '../schema.ts';
import { planUnion, resolveUnion } from '../union.ts';
import { jsonNumber, stringBoundProblem } from './encode.ts';

class JsonGen {
  private readonly bad: string;
  private readonly fail: string;
  private readonly shown: string;
  private readonly num: string;

  constructor(readonly src: Source) {
    this.bad = src.constant(badPrimitive);
    this.fail = src.constant(encodeFail);
    this.shown = src.constant(shown);
    this.num = src.constant(jsonNumber);
  }

  private failWith(path: Path, message: string): string {
    return `${this.fail}(${pathExpr(path)}, ${message})`;
  }

  /** Emits `o += <text of v>` for a value of `s`. */
  value(s: Schema, v: string, path: Path): void {
    const { src } = this;
    if (isPrimitive(s)) {
      src.emit(`if (${invalid(s.kind, v)}) ${this.bad}(${pathExpr(path)}, '${s.kind}', ${v});`);
      switch (s.kind) {
        case 'boolean':
          return src.emit(`o += ${v} ? 'true' : 'false';`);
        case 'int64':
        case 'uint64':
          return src.emit(`o += '"' + ${v} + '"';`);
        case 'float32':
          return src.emit(`o += ${this.num}(Math.fround(${v}));`);
        case 'float64':
          return src.emit(`o += ${this.num}(${v});`);
        case 'char':
          return src.emit(`o += JSON.stringify(${v});`);
        default:
          return src.emit(`o += '' + ${v};`);
      }
    }
    switch (s.kind) {
      case 'string': {
        src.emit(`if (typeof ${v} !== 'string') ${this.failWith(path, `'expected a string, got ' + ${this.shown}(${v})`)};`);
        if (s.maxLength !== undefined) {
          const problem = src.constant(stringBoundProblem);
          const p = src.local('b');
          src.emit(`if (${v}.length * 3 > ${s.maxLength}) { const ${p} = ${problem}(${v}, ${s.maxLength}); if (${p} !== undefined) ${this.failWith(path, p)}; }`);
        }
        return src.emit(`o += JSON.stringify(${v});`);
      }
      case 'bytes': {
        const b64 = src.constant(toBase64);
        src.emit(`if (!(${v} instanceof Uint8Array)) ${this.failWith(path, `'expected a Uint8Array, got ' + ${this.shown}(${v})`)};`);
        if (s.maxLength !== undefined) src.emit(`if (${v}.length > ${s.maxLength}) ${this.failWith(path, `${v}.length + ' bytes exceed the bound of ${s.maxLength}'`)};`);
        return src.emit(`o += '"' + ${b64}(${v}) + '"';`);
      }
      case 'enum': {
        const names = src.constant(new Set(s.values));
        src.emit(`if (!${names}.has(${v})) ${this.failWith(path, `${lit(`expected one of ${s.name} {${s.values.join(', ')}}, got `)} + ${this.shown}(${v})`)};`);
        return src.emit(`o += '"' + ${v} + '"';`);
      }
      case 'struct': {
        src.emit(`if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) ${this.failWith(path, `${lit(`expected an object for struct ${s.name}, got `)} + ${this.shown}(${v})`)};`);
        src.emit(`o += '{';`);
        // Commas are known statically until an optional field, which may be absent; after one, whether
        // anything was written since the brace (the mark) decides.
        const mark = s.fields.some((f) => f.type.kind === 'optional') ? src.local('m') : null;
        if (mark) src.emit(`const ${mark} = o.length;`);
        let uncertain = false;
        s.fields.forEach((f, n) => {
          const fv = src.local('f');
          const optional = f.type.kind === 'optional';
          src.emit(`{ const ${fv} = ${v}.${f.name};`);
          if (optional) src.emit(`if (${fv} !== undefined && ${fv} !== null) {`);
          const key = lit(JSON.stringify(f.name) + ':');
          if (uncertain) src.emit(`o += (o.length > ${mark} ? ',' : '') + ${key};`);
          else src.emit(`o += ${lit((n > 0 ? ',' : '') + JSON.stringify(f.name) + ':')};`);
          this.value(optional && f.type.kind === 'optional' ? f.type.element : f.type, fv, field(path, f.name));
          if (optional) src.emit('}');
          src.emit('}');
          uncertain ||= optional;
        });
        return src.emit(`o += '}';`);
      }
      case 'sequence':
      case 'array': {
        const exact = s.kind === 'array' ? s.length : undefined;
        const max = s.kind === 'sequence' ? s.maxLength : undefined;
        const failure = exact === undefined ? `'expected an array, got ' + ${this.shown}(${v})` : `'expected an array of exactly ${exact}, got ' + ${this.shown}(${v})`;
        src.emit(`if (!Array.isArray(${v})${exact === undefined ? '' : ` || ${v}.length !== ${exact}`}) ${this.failWith(path, failure)};`);
        if (max !== undefined) src.emit(`if (${v}.length > ${max}) ${this.failWith(path, `${v}.length + ' elements exceed the bound of ${max}'`)};`);
        const i = src.local('i');
        const e = src.local('e');
        src.emit(`o += '['; for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${e} = ${v}[${i}]; if (${i} > 0) o += ',';`);
        this.value(s.element, e, index(path, i));
        return src.emit(`} o += ']';`);
      }
      case 'optional':
        src.emit(`if (${v} === undefined || ${v} === null) o += 'null'; else {`);
        this.value(s.element, v, path);
        return src.emit('}');
      case 'union':
        return this.union(s, v, path);
    }
  }

  private union(s: UnionSchema, v: string, path: Path): void {
    const { src } = this;
    const plan = planUnion(s);
    const u = src.local('u');
    src.emit(`const ${u} = ${src.constant(resolveUnion)}(${src.constant(plan)}, ${v}, ${pathExpr(path)});`);
    const label = this.labelText(s, `${u}.label`);
    src.emit(`switch (${u}.index) {`);
    src.emit(`case -1: o += '{"case":null,"discriminator":' + ${label} + '}'; break;`);
    s.cases.forEach((c, i) => {
      const cv = src.local('c');
      src.emit(`case ${i}: { const ${cv} = ${u}.value; o += ${lit(`{"case":${JSON.stringify(c.name)},"value":`)};`);
      this.value(c.type, cv, field(path, c.name));
      src.emit(plan.reportDiscriminator[i] ? `o += ',"discriminator":' + ${label} + '}'; break; }` : `o += '}'; break; }`);
    });
    src.emit('}');
  }

  /** JS expression for the JSON text of an already-checked discriminator label. */
  private labelText(s: UnionSchema, label: string): string {
    const d = s.discriminator;
    if (d.kind === 'enum') return `'"' + ${label} + '"'`;
    if (d.kind === 'boolean') return `(${label} ? 'true' : 'false')`;
    if (d.kind === 'char') return `JSON.stringify(${label})`;
    return `('' + ${label})`;
  }
}

/** Compiles a JSON text encoder for `s`; it throws ERR_ENCODE with the field path. */
export function compileJsonEncoder(s: Schema, root: string): (v: unknown) => string {
  const src = new Source();
  new JsonGen(src).value(s, 'v', [lit(root)]);
  return src.build<(v: unknown) => string>(['v'], "let o = '';", 'return o;');
}
