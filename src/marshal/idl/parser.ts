/**
 * OMG IDL to schema: the subset data-carrying IDL files use (CORBA, DDS, ROS 2): module, struct,
 * exception (marshalled as a struct), enum, union with switch, typedef, sequence<T[,N]>, string<N>,
 * multi-dimensional arrays, const with integer/float/string/char/boolean expressions, and annotations
 * (@optional and @id(n) are honoured, others are skipped). Interfaces are read for the types declared
 * inside them; their operations and attributes are skipped. Errors are ERR_PARSE with file, line, column.
 */
import { SchemaError } from '../../errors.ts';
import { t, type Annotations, type CaseSpec, type EnumSchema, type FieldSpec, type Label, type Schema } from '../schema.ts';
import { parseError, tokenize, type LexOptions, type Token } from './lexer.ts';

/** A constant's value: integers are bigint so 64-bit constants stay exact. */
export type ConstValue = bigint | number | string | boolean | { readonly enumerator: string; readonly of: EnumSchema };

/** The named types and constants of an IDL file (scoped names such as `Demo::Person`). */
export interface IdlDocument {
  readonly types: ReadonlyMap<string, Schema>;
  readonly constants: ReadonlyMap<string, ConstValue>;
  /**
   * The type named `name`: a full scoped name, or a short one that names exactly one type. Throws
   * ERR_SCHEMA listing the candidates when none or several match.
   */
  type(name: string): Schema;
}

type Entry = { kind: 'type'; schema: Schema } | { kind: 'const'; value: ConstValue } | { kind: 'forward' };

interface Annotation {
  readonly name: string;
  readonly args: Token[];
}

const skipped = new Set(['valuetype', 'eventtype', 'component', 'home', 'native', 'typeid', 'typeprefix', 'import', 'abstract', 'custom']);

class Parser {
  private i = 0;
  private readonly scope: string[] = [];
  readonly symbols = new Map<string, Entry>();
  readonly order: string[] = [];

  constructor(private readonly tokens: Token[]) {}

  private get tok(): Token {
    return this.tokens[this.i]!;
  }
  private fail(message: string, at: Token = this.tok): never {
    throw parseError(message, at.file, at.line, at.column);
  }
  private peek(text: string, ahead = 0): boolean {
    const tk = this.tokens[this.i + ahead];
    return tk !== undefined && tk.kind !== 'string' && tk.kind !== 'char' && tk.escaped !== true && tk.text === text;
  }
  private accept(text: string): boolean {
    if (this.peek(text)) {
      this.i++;
      return true;
    }
    return false;
  }
  private expect(text: string, what = `'${text}'`): Token {
    if (!this.peek(text)) this.fail(`expected ${what}, found ${this.describe(this.tok)}`);
    return this.tokens[this.i++]!;
  }
  private describe(tk: Token): string {
    return tk.kind === 'eof' ? 'the end of input' : `'${tk.text}'`;
  }
  private identifier(what = 'an identifier'): Token {
    const tk = this.tok;
    if (tk.kind !== 'ident') this.fail(`expected ${what}, found ${this.describe(tk)}`);
    this.i++;
    return tk;
  }
  private qualify(name: string): string {
    return [...this.scope, name].join('::');
  }
  private declare(name: Token, entry: Entry): string {
    const full = this.qualify(name.text);
    const prior = this.symbols.get(full);
    if (prior && !(prior.kind === 'forward' && entry.kind === 'type')) this.fail(`'${full}' is already declared`, name);
    this.symbols.set(full, entry);
    if (entry.kind === 'type' && !prior) this.order.push(full);
    else if (entry.kind === 'type' && prior?.kind === 'forward') this.order.push(full);
    return full;
  }

  /** Resolves a scoped name from the current scope outward, as IDL does. */
  private lookup(name: string, at: Token): { full: string; entry: Entry } {
    if (name.startsWith('::')) {
      const full = name.slice(2);
      const entry = this.symbols.get(full);
      if (entry) return { full, entry };
    } else {
      for (let n = this.scope.length; n >= 0; n--) {
        const full = [...this.scope.slice(0, n), name].join('::');
        const entry = this.symbols.get(full);
        if (entry) return { full, entry };
      }
    }
    return this.fail(`'${name}' is not declared`, at);
  }

  private scopedName(): { name: string; at: Token } {
    const at = this.tok;
    let name = '';
    if (this.accept('::')) name = '::';
    name += this.identifier('a type or constant name').text;
    while (this.peek('::')) {
      this.i++;
      name += '::' + this.identifier().text;
    }
    return { name, at };
  }

  private annotations(): Annotation[] {
    const list: Annotation[] = [];
    while (this.peek('@')) {
      this.i++;
      const name = this.identifier('an annotation name').text;
      if (name === 'annotation') {
        // An annotation declaration: `@annotation Name { ... };` declares, defines no data.
        this.identifier();
        this.skipBalanced();
        this.accept(';');
        continue;
      }
      const args: Token[] = [];
      if (this.peek('(')) {
        const start = this.i;
        this.skipBalanced();
        args.push(...this.tokens.slice(start + 1, this.i - 1));
      }
      list.push({ name, args });
    }
    return list;
  }

  /** Skips a balanced (), {} or <> group starting at the current token. */
  private skipBalanced(): void {
    const open = this.tok.text;
    const close = open === '(' ? ')' : open === '{' ? '}' : '>';
    const start = this.tok;
    let depth = 0;
    do {
      if (this.tok.kind === 'eof') this.fail(`unbalanced '${open}'`, start);
      if (this.peek(open)) depth++;
      else if (this.peek(close)) depth--;
      this.i++;
    } while (depth > 0);
  }

  /** Skips to the `;` that ends the current declaration, stepping over nested groups. */
  private skipDeclaration(): void {
    while (!this.peek(';')) {
      if (this.tok.kind === 'eof') this.fail("expected ';'");
      if (this.peek('(') || this.peek('{')) this.skipBalanced();
      else this.i++;
    }
    this.i++;
  }

  document(): void {
    while (this.tok.kind !== 'eof') this.definition();
  }

  private definition(): void {
    const notes = this.annotations();
    const tk = this.tok;
    if (tk.kind === 'eof') return;
    if (tk.kind !== 'ident' || tk.escaped) this.fail(`expected a definition, found ${this.describe(tk)}`);
    switch (tk.text) {
      case 'module': {
        this.i++;
        const name = this.identifier('a module name');
        this.scope.push(name.text);
        this.expect('{');
        while (!this.peek('}')) {
          if (this.tok.kind === 'eof') this.fail("expected '}' to close module " + name.text, name);
          this.definition();
        }
        this.i++;
        this.scope.pop();
        this.expect(';');
        return;
      }
      case 'struct':
      case 'exception':
      case 'union':
      case 'enum':
        this.constructed(notes);
        this.expect(';');
        return;
      case 'typedef':
        this.i++;
        this.typedef();
        return;
      case 'const':
        this.i++;
        this.constant();
        return;
      case 'local':
      case 'interface':
        this.interface();
        return;
      default:
        if (skipped.has(tk.text)) {
          // Value types, components and imports carry behaviour or repository metadata, not plain data.
          this.skipDeclaration();
          return;
        }
        this.fail(`unexpected '${tk.text}' where a definition (module, struct, union, enum, typedef, const) belongs`);
    }
  }

  private interface(): void {
    this.accept('local');
    this.expect('interface');
    const name = this.identifier('an interface name');
    if (this.accept(';')) return;
    if (this.accept(':')) {
      do this.scopedName();
      while (this.accept(','));
    }
    this.expect('{');
    this.scope.push(name.text);
    while (!this.peek('}')) {
      if (this.tok.kind === 'eof') this.fail(`expected '}' to close interface ${name.text}`, name);
      this.annotations();
      const w = this.tok.text;
      if (['struct', 'exception', 'union', 'enum', 'typedef', 'const'].includes(w) && this.tok.kind === 'ident' && !this.tok.escaped) this.definition();
      // Operations and attributes describe calls, which the invoke layer handles; skip them here.
      else this.skipDeclaration();
    }
    this.i++;
    this.scope.pop();
    this.expect(';');
  }

  /** struct/exception/union/enum definition (or forward declaration); returns the type. */
  private constructed(_notes: Annotation[]): Schema | undefined {
    const kw = this.identifier();
    const name = this.identifier(`a ${kw.text} name`);
    if (kw.text !== 'enum' && kw.text !== 'exception' && this.peek(';')) {
      if (!this.symbols.has(this.qualify(name.text))) this.declare(name, { kind: 'forward' });
      return undefined;
    }
    const full = this.qualify(name.text);
    // Type annotations (@topic, @final, @appendable, …) describe DDS behaviour, not the data layout, so
    // none is carried into the schema yet.
    const annotations: Annotations | undefined = undefined;
    let schema: Schema;
    try {
      if (kw.text === 'enum') schema = this.enumBody(full, annotations);
      else if (kw.text === 'union') schema = this.unionBody(full, name, annotations);
      else schema = this.structBody(full, name, annotations);
    } catch (err) {
      if (err instanceof SchemaError) this.fail(err.message, name);
      throw err;
    }
    this.declare(name, { kind: 'type', schema });
    return schema;
  }

  private enumBody(full: string, annotations: Annotations | undefined): Schema {
    this.expect('{');
    const names: Token[] = [];
    do {
      this.annotations();
      if (this.peek('}')) break;
      const n = this.identifier('an enumerator');
      if (names.some((m) => m.text === n.text)) this.fail(`enum ${full} already has an enumerator '${n.text}'`, n);
      names.push(n);
    } while (this.accept(','));
    this.expect('}');
    const schema = t.enum(
      full,
      names.map((n) => n.text),
      annotations,
    );
    // Enumerators belong to the scope enclosing the enum (IDL 3); IDL4 also allows Enum::name.
    for (const n of names) {
      this.declare(n, { kind: 'const', value: { enumerator: n.text, of: schema } });
      this.symbols.set(`${full}::${n.text}`, { kind: 'const', value: { enumerator: n.text, of: schema } });
    }
    return schema;
  }

  private structBody(full: string, name: Token, annotations: Annotations | undefined): Schema {
    if (this.accept(':')) this.fail('struct inheritance is not supported', name);
    this.expect('{');
    // No prototype, so a member named __proto__ is an ordinary key (and then refused by the builder).
    const fields: Record<string, FieldSpec> = Object.create(null);
    let next = 1;
    while (!this.peek('}')) {
      if (this.tok.kind === 'eof') this.fail(`expected '}' to close struct ${full}`, name);
      const notes = this.annotations();
      if (this.peek('}')) break;
      const base = this.typeSpec();
      do {
        const { name: fname, type, at } = this.declarator(base);
        if (Object.hasOwn(fields, fname)) this.fail(`struct ${full} already has a member '${fname}'`, at);
        const id = notes.find((n) => n.name === 'id');
        const number = id ? Number(this.evaluate(id.args, at)) : next;
        const optional = notes.some((n) => n.name === 'optional');
        fields[fname] = t.field(optional ? t.optional(type) : type, { number });
        next = number + 1;
      } while (this.accept(','));
      this.expect(';');
    }
    this.i++;
    return t.struct(full, fields, annotations);
  }

  private unionBody(full: string, name: Token, annotations: Annotations | undefined): Schema {
    this.expect('switch');
    this.expect('(');
    this.annotations();
    const dAt = this.tok;
    const discriminator = this.typeSpec();
    this.expect(')');
    if (!['boolean', 'char', 'octet', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'enum'].includes(discriminator.kind)) {
      this.fail(`a union discriminator must be an integer of up to 32 bits, char, boolean or an enum, not ${discriminator.kind}`, dAt);
    }
    this.expect('{');
    const cases: Record<string, CaseSpec> = Object.create(null);
    while (!this.peek('}')) {
      if (this.tok.kind === 'eof') this.fail(`expected '}' to close union ${full}`, name);
      const labels: Label[] = [];
      let isDefault = false;
      do {
        const at = this.tok;
        if (this.accept('default')) isDefault = true;
        else {
          this.expect('case', "'case' or 'default'");
          labels.push(this.label(discriminator, this.constExpr(), at));
        }
        this.expect(':');
      } while (this.peek('case') || this.peek('default'));
      this.annotations();
      const base = this.typeSpec();
      const { name: cname, type, at } = this.declarator(base);
      if (Object.hasOwn(cases, cname)) this.fail(`union ${full} already has a member '${cname}'`, at);
      this.expect(';');
      if (isDefault && labels.length === 0) cases[cname] = t.defaultCase(type);
      else if (isDefault) this.fail('courier does not support a case that has labels and is also the default', at);
      else cases[cname] = t.case(labels, type);
    }
    this.i++;
    return t.union(full, discriminator, cases, annotations);
  }

  /** Converts a constant to a label of the discriminator's type. */
  private label(d: Schema, v: ConstValue, at: Token): Label {
    if (d.kind === 'enum') {
      if (typeof v === 'object' && v.of === d) return v.enumerator;
      return this.fail(`case label must be an enumerator of ${d.name}`, at);
    }
    if (d.kind === 'boolean') {
      if (typeof v === 'boolean') return v;
      return this.fail('case label must be TRUE or FALSE', at);
    }
    if (d.kind === 'char') {
      if (typeof v === 'string' && v.length === 1) return v;
      return this.fail('case label must be a character literal', at);
    }
    if (typeof v === 'bigint') return Number(v);
    return this.fail('case label must be an integer constant', at);
  }

  private typedef(): void {
    this.annotations();
    const base = this.typeSpec();
    do {
      const { name, type, at } = this.declarator(base);
      this.declare({ ...at, text: name }, { kind: 'type', schema: type });
    } while (this.accept(','));
    this.expect(';');
  }

  private constant(): void {
    const type = this.typeSpec();
    const name = this.identifier('a constant name');
    this.expect('=');
    const at = this.tok;
    const value = this.constExpr();
    this.expect(';');
    this.declare(name, { kind: 'const', value: this.coerce(type, value, at) });
  }

  private coerce(type: Schema, v: ConstValue, at: Token): ConstValue {
    switch (type.kind) {
      case 'float32':
      case 'float64':
        if (typeof v === 'bigint') return Number(v);
        if (typeof v === 'number') return v;
        break;
      case 'string':
        if (typeof v === 'string') return v;
        break;
      case 'char':
        if (typeof v === 'string' && v.length === 1) return v;
        break;
      case 'boolean':
        if (typeof v === 'boolean') return v;
        break;
      case 'enum':
        if (typeof v === 'object' && v.of === type) return v;
        break;
      default:
        if (typeof v === 'bigint') return v;
    }
    return this.fail(`constant value does not fit type ${type.kind}`, at);
  }

  /** A declarator: a name with optional array dimensions, applied to `base`. */
  private declarator(base: Schema): { name: string; type: Schema; at: Token } {
    const at = this.identifier('a member name');
    const dims: number[] = [];
    while (this.accept('[')) {
      dims.push(this.positive(this.constExpr(), at, 'array dimension'));
      this.expect(']');
    }
    let type = base;
    for (let d = dims.length - 1; d >= 0; d--) type = t.array(type, dims[d]!);
    return { name: at.text, type, at };
  }

  private positive(v: ConstValue, at: Token, what: string): number {
    if (typeof v !== 'bigint' || v < 1n || v > 0xffffffffn) this.fail(`${what} must be a positive integer constant`, at);
    return Number(v);
  }

  /** A type specification: base type, template type, scoped name, or an inline struct/union/enum. */
  private typeSpec(): Schema {
    const tk = this.tok;
    if (tk.kind !== 'ident' && !this.peek('::')) this.fail(`expected a type, found ${this.describe(tk)}`);
    // An escaped identifier names a declared type even when it is spelled like a keyword.
    const word = tk.escaped ? '' : tk.text;
    const simple: Record<string, () => Schema> = {
      boolean: t.boolean,
      octet: t.octet,
      char: t.char,
      float: t.float32,
      double: t.float64,
      short: t.int16,
      int8: t.int8,
      uint8: t.uint8,
      int16: t.int16,
      int32: t.int32,
      int64: t.int64,
      uint16: t.uint16,
      uint32: t.uint32,
      uint64: t.uint64,
    };
    if (Object.hasOwn(simple, word)) {
      this.i++;
      return simple[word]!();
    }
    switch (word) {
      case 'long':
        this.i++;
        if (this.accept('long')) return t.int64();
        if (this.peek('double')) this.fail('long double is not supported (no JavaScript number can hold it)');
        return t.int32();
      case 'unsigned':
        this.i++;
        if (this.accept('short')) return t.uint16();
        if (this.accept('long')) return this.accept('long') ? t.uint64() : t.uint32();
        return this.fail("expected 'short' or 'long' after 'unsigned'");
      case 'string': {
        this.i++;
        if (!this.accept('<')) return t.string();
        const at = this.tok;
        const n = this.positive(this.constExpr(), at, 'string bound');
        this.expect('>');
        return t.string(n);
      }
      case 'sequence': {
        this.i++;
        this.expect('<');
        const element = this.typeSpec();
        let bound: number | undefined;
        if (this.accept(',')) bound = this.positive(this.constExpr(), this.tok, 'sequence bound');
        this.expect('>');
        return element.kind === 'octet' ? t.bytes(bound) : t.sequence(element, bound);
      }
      case 'struct':
      case 'union':
      case 'enum':
        return this.constructed([])!;
      case 'wchar':
      case 'wstring':
      case 'any':
      case 'Object':
      case 'fixed':
      case 'ValueBase':
      case 'map':
      case 'bitset':
      case 'bitmask':
        return this.fail(`IDL type '${word}' is not supported by courier`);
    }
    const { name, at } = this.scopedName();
    const { full, entry } = this.lookup(name, at);
    if (entry.kind === 'forward') this.fail(`'${full}' is only forward-declared here: recursive types are not supported`, at);
    if (entry.kind !== 'type') this.fail(`'${full}' is a constant, not a type`, at);
    return entry.schema;
  }

  // ------------------------------------------------------------ constant expressions

  private evaluate(tokens: Token[], at: Token): ConstValue {
    const sub = new Parser([...tokens, { kind: 'eof', text: '<end>', file: at.file, line: at.line, column: at.column }]);
    sub.scope.push(...this.scope);
    for (const [k, v] of this.symbols) sub.symbols.set(k, v);
    const v = sub.constExpr();
    if (sub.tok.kind !== 'eof') sub.fail('unexpected tokens in annotation argument');
    return v;
  }

  private constExpr(): ConstValue {
    return this.binary(0);
  }

  private static readonly levels: readonly (readonly string[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

  private binary(level: number): ConstValue {
    if (level >= Parser.levels.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = Parser.levels[level]!.find((o) => this.peek(o));
      if (!op) return left;
      const at = this.tok;
      this.i++;
      const right = this.binary(level + 1);
      left = this.apply(op, left, right, at);
    }
  }

  private apply(op: string, a: ConstValue, b: ConstValue, at: Token): ConstValue {
    if (typeof a === 'bigint' && typeof b === 'bigint') {
      switch (op) {
        case '|':
          return a | b;
        case '^':
          return a ^ b;
        case '&':
          return a & b;
        case '<<':
          return a << b;
        case '>>':
          return a >> b;
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
        case '%':
          if (b === 0n) this.fail('division by zero in a constant expression', at);
          return op === '/' ? a / b : a % b;
      }
    }
    if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
      const x = Number(a);
      const y = Number(b);
      switch (op) {
        case '+':
          return x + y;
        case '-':
          return x - y;
        case '*':
          return x * y;
        case '/':
          return x / y;
      }
    }
    return this.fail(`operator '${op}' does not apply to these operands`, at);
  }

  private unary(): ConstValue {
    const at = this.tok;
    if (this.accept('-')) {
      const v = this.unary();
      if (typeof v === 'bigint') return -v;
      if (typeof v === 'number') return -v;
      return this.fail("unary '-' needs a number", at);
    }
    if (this.accept('+')) return this.unary();
    if (this.accept('~')) {
      const v = this.unary();
      if (typeof v === 'bigint') return ~v;
      return this.fail("'~' needs an integer", at);
    }
    return this.primary();
  }

  private primary(): ConstValue {
    const tk = this.tok;
    if (this.accept('(')) {
      const v = this.constExpr();
      this.expect(')');
      return v;
    }
    if (tk.kind === 'int' || tk.kind === 'float' || tk.kind === 'string' || tk.kind === 'char') {
      this.i++;
      let v = tk.value!;
      // Adjacent string literals concatenate, as in C.
      while (tk.kind === 'string' && this.tok.kind === 'string') v = String(v) + String(this.tokens[this.i++]!.value);
      return v;
    }
    if (tk.kind === 'ident' && !tk.escaped && (tk.text === 'TRUE' || tk.text === 'FALSE')) {
      this.i++;
      return tk.text === 'TRUE';
    }
    if (tk.kind === 'ident' || this.peek('::')) {
      const { name, at } = this.scopedName();
      const { full, entry } = this.lookup(name, at);
      if (entry.kind !== 'const') this.fail(`'${full}' is not a constant`, at);
      return entry.value;
    }
    return this.fail(`expected a constant expression, found ${this.describe(tk)}`);
  }
}

export type IdlOptions = LexOptions;

/** Parses IDL source into its named types and constants. Throws ERR_PARSE naming file, line and column. */
export function parseIdl(source: string, options: IdlOptions = {}): IdlDocument {
  const parser = new Parser(tokenize(source, options));
  parser.document();
  const types = new Map<string, Schema>();
  const constants = new Map<string, ConstValue>();
  for (const [name, entry] of parser.symbols) {
    if (entry.kind === 'type') types.set(name, entry.schema);
    else if (entry.kind === 'const') constants.set(name, entry.value);
  }
  return {
    types,
    constants,
    type(name: string): Schema {
      const exact = types.get(name.replace(/^::/, ''));
      if (exact) return exact;
      const matches = [...types.keys()].filter((k) => k.endsWith('::' + name));
      if (matches.length === 1) return types.get(matches[0]!)!;
      if (matches.length > 1) throw new SchemaError(`type name '${name}' is ambiguous: ${matches.join(', ')}`, { type: name, candidates: matches });
      throw new SchemaError(`no type '${name}' in the IDL (declared: ${[...types.keys()].join(', ') || 'none'})`, { type: name });
    },
  };
}
