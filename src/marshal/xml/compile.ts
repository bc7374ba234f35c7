/**
 * The generated XML encoder: the same text as the closure writer (xml/encode.ts) when not
 * pretty-printing, as one straight-line function per schema with every check inline and field paths
 * rendered only when a check fails. Pretty output and codegen-free environments use the closure writer.
 */
import { toBase64 } from '../base64.ts';
import { badPrimitive, encodeFail, shown } from '../check.ts';
import { field, index, invalid, lit, pathExpr, Source, type Path } from '../codegen.ts';
import { stringBoundProblem } from '../json/encode.ts';
import { isPrimitive, type Schema, type UnionSchema } from '../schema.ts';
import { planUnion, resolveUnion } from '../union.ts';
import { escapeText, formatFloat, xmlIllegalChar } from './text.ts';

class XmlGen {
  private readonly bad: string;
  private readonly fail: string;
  private readonly shown: string;
  private readonly illegal: string;
  private readonly escape: string;

  constructor(readonly src: Source) {
    this.bad = src.constant(badPrimitive);
    this.fail = src.constant(encodeFail);
    this.shown = src.constant(shown);
    this.illegal = src.constant(xmlIllegalChar);
    this.escape = src.constant(escapeText);
  }

  private failWith(path: Path, message: string): string {
    return `${this.fail}(${pathExpr(path)}, ${message})`;
  }

  /** Emits a check that text `v` holds only characters XML can carry. */
  private checkText(v: string, path: Path): void {
    const c = this.src.local('x');
    this.src.emit(`{ const ${c} = ${this.illegal}(${v}); if (${c} !== undefined) ${this.failWith(path, `'string holds ' + ${c} + ', which XML 1.0 cannot carry'`)}; }`);
  }

  /** Emits `o += <content of v>` (the element's content, not its tags). */
  value(s: Schema, v: string, path: Path): void {
    const { src } = this;
    if (isPrimitive(s)) {
      src.emit(`if (${invalid(s.kind, v)}) ${this.bad}(${pathExpr(path)}, '${s.kind}', ${v});`);
      switch (s.kind) {
        case 'float32':
          return src.emit(`o += ${src.constant(formatFloat)}(Math.fround(${v}));`);
        case 'float64':
          return src.emit(`o += ${src.constant(formatFloat)}(${v});`);
        case 'char':
          this.checkText(v, path);
          return src.emit(`o += ${this.escape}(${v});`);
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
        this.checkText(v, path);
        return src.emit(`o += ${this.escape}(${v});`);
      }
      case 'bytes': {
        src.emit(`if (!(${v} instanceof Uint8Array)) ${this.failWith(path, `'expected a Uint8Array, got ' + ${this.shown}(${v})`)};`);
        if (s.maxLength !== undefined) src.emit(`if (${v}.length > ${s.maxLength}) ${this.failWith(path, `${v}.length + ' bytes exceed the bound of ${s.maxLength}'`)};`);
        return src.emit(`o += ${src.constant(toBase64)}(${v});`);
      }
      case 'enum': {
        const names = src.constant(new Set(s.values));
        src.emit(`if (!${names}.has(${v})) ${this.failWith(path, `${lit(`expected one of ${s.name} {${s.values.join(', ')}}, got `)} + ${this.shown}(${v})`)};`);
        return src.emit(`o += ${v};`);
      }
      case 'struct': {
        src.emit(`if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) ${this.failWith(path, `${lit(`expected an object for struct ${s.name}, got `)} + ${this.shown}(${v})`)};`);
        for (const f of s.fields) {
          const fv = src.local('f');
          src.emit(`{ const ${fv} = ${v}.${f.name};`);
          const optional = f.type.kind === 'optional';
          if (optional) src.emit(`if (${fv} !== undefined && ${fv} !== null) {`);
          src.emit(`o += ${lit(`<${f.name}>`)};`);
          this.value(f.type.kind === 'optional' ? f.type.element : f.type, fv, field(path, f.name));
          src.emit(`o += ${lit(`</${f.name}>`)};`);
          if (optional) src.emit('}');
          src.emit('}');
        }
        return;
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
        src.emit(`for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${e} = ${v}[${i}]; o += '<item>';`);
        this.value(s.element, e, index(path, i));
        return src.emit(`o += '</item>'; }`);
      }
      case 'optional':
        return this.value(s.element, v, path);
      case 'union':
        return this.union(s, v, path);
    }
  }

  private union(s: UnionSchema, v: string, path: Path): void {
    const { src } = this;
    const plan = planUnion(s);
    const u = src.local('u');
    src.emit(`const ${u} = ${src.constant(resolveUnion)}(${src.constant(plan)}, ${v}, ${pathExpr(path)});`);
    const char = s.discriminator.kind === 'char';
    const text = char ? `${this.escape}(${u}.label)` : `${u}.label`;
    /** Emits the <discriminator> element, checked where it is written (a char may be unwritable). */
    const disc = () => {
      if (char) this.checkText(`${u}.label`, field(path, 'discriminator'));
      src.emit(`o += '<discriminator>' + ${text} + '</discriminator>';`);
    };
    src.emit(`switch (${u}.index) {`);
    src.emit('case -1: {');
    disc();
    src.emit('break; }');
    s.cases.forEach((c, i) => {
      const cv = src.local('c');
      src.emit(`case ${i}: { const ${cv} = ${u}.value;`);
      if (plan.reportDiscriminator[i]) disc();
      src.emit(`o += ${lit(`<${c.name}>`)};`);
      this.value(c.type, cv, field(path, c.name));
      src.emit(`o += ${lit(`</${c.name}>`)}; break; }`);
    });
    src.emit('}');
  }
}

/** Compiles the encoder of an element's content for values of `s`; ERR_ENCODE with the field path. */
export function compileXmlEncoder(s: Schema, root: string): (v: unknown) => string {
  const src = new Source();
  new XmlGen(src).value(s, 'v', [lit(root)]);
  return src.build<(v: unknown) => string>(['v'], "let o = '';", 'return o;');
}
