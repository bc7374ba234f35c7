/**
 * Import of .proto files (proto3, and proto2's optional/required/default): messages, enums, nesting,
 * oneof, map, repeated, reserved, packages and imports. Declarations become courier schemas that the
 * protobuf codec reads exactly as protoc's generated code would: message → struct with the field
 * numbers, sint/fixed/sfixed → int kinds with a `protobuf.type` annotation, oneof → optional union
 * marked `protobuf.oneof`, map → repeated entry struct, singular message fields → optional.
 */
import type { ParseError } from '../../errors.ts';
import { t, type Annotations, type CaseSpec, type FieldSpec, type Schema } from '../schema.ts';
import { protoError, tokenizeProto, type ProtoToken } from './proto-lexer.ts';

type Value = string | bigint | number | boolean;
interface TypeRef {
  readonly name: string;
  readonly tok: ProtoToken;
}
interface FieldDecl {
  readonly name: string;
  readonly number: number;
  readonly label: 'repeated' | 'optional' | 'required' | undefined;
  readonly type: TypeRef;
  readonly map: { readonly key: TypeRef; readonly value: TypeRef } | undefined;
  readonly options: ReadonlyMap<string, Value>;
  readonly oneof: string | undefined;
  readonly tok: ProtoToken;
}
interface MessageDecl {
  readonly kind: 'message';
  readonly full: string;
  readonly fields: FieldDecl[];
  readonly proto2: boolean;
  readonly file: string;
  readonly tok: ProtoToken;
}
interface EnumDecl {
  readonly kind: 'enum';
  readonly full: string;
  readonly values: [string, number][];
  readonly file: string;
  readonly tok: ProtoToken;
}
type Decl = MessageDecl | EnumDecl;

/** Finds an imported file: its path and text, or undefined when it does not exist. */
export type ImportResolver = (name: string, fromFile: string) => { file: string; text: string } | undefined;

export interface ProtoOptions {
  /** Name used in error messages (default `<input>`). */
  readonly file?: string;
  /** Reads `import "x.proto"`; without one, an import is an error. */
  readonly resolveImport?: ImportResolver;
  /**
   * How many times a message may occur inside itself (default 0: a recursive message is ERR_PARSE).
   * Courier schemas are trees, so a recursive message is unrolled this many levels; at the last level
   * the recursive field is left out of the schema, so its records are kept as unknown fields and still
   * round-trip byte for byte.
   */
  readonly recursionDepth?: number;
  /**
   * proto2 groups (default false: ERR_PARSE). When true a group field is left out of the schema, so its
   * records are kept as unknown fields (a group round-trips, but its contents are not decoded).
   */
  readonly skipGroups?: boolean;
}

/** The declarations of a .proto file and its imports, as courier schemas. */
export interface ProtoDocument {
  /** Fully qualified names of every message and enum (`pkg.Outer.Inner`). */
  readonly names: readonly string[];
  /**
   * The schema of message or enum `name` (fully qualified, or unique by its last parts). Throws
   * ERR_PARSE for an unknown name, an unresolved type reference or a recursive message.
   */
  type(name: string): Schema;
}

const scalars: Record<string, [() => Schema, string | undefined]> = {
  double: [t.float64, undefined], float: [t.float32, undefined], int32: [t.int32, undefined], int64: [t.int64, undefined],
  uint32: [t.uint32, undefined], uint64: [t.uint64, undefined], sint32: [t.int32, 'sint32'], sint64: [t.int64, 'sint64'],
  fixed32: [t.uint32, 'fixed32'], fixed64: [t.uint64, 'fixed64'], sfixed32: [t.int32, 'sfixed32'], sfixed64: [t.int64, 'sfixed64'],
  bool: [t.boolean, undefined], string: [() => t.string(), undefined], bytes: [() => t.bytes(), undefined],
};
const MAX_FIELD = 536_870_911;

class FileParser {
  private i = 0;
  private pkg = '';
  private proto2 = true;
  readonly imports: ProtoToken[] = [];

  constructor(
    private readonly toks: ProtoToken[],
    readonly file: string,
    private readonly decls: Map<string, Decl>,
    private readonly skipGroups = false,
  ) {}

  private peek(): ProtoToken {
    return this.toks[this.i]!;
  }
  private next(): ProtoToken {
    const tok = this.toks[this.i]!;
    if (tok.kind !== 'eof') this.i++;
    return tok;
  }
  fail(message: string, tok: ProtoToken = this.peek()): ParseError {
    return protoError(message, this.file, tok.line, tok.column);
  }
  private is(text: string): boolean {
    const tok = this.peek();
    return tok.kind !== 'string' && tok.text === text;
  }
  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.i++;
    return true;
  }
  private expect(text: string): ProtoToken {
    if (!this.is(text)) throw this.fail(`expected '${text}', found '${this.peek().text}'`);
    return this.next();
  }
  private ident(what: string): string {
    const tok = this.peek();
    if (tok.kind !== 'ident') throw this.fail(`expected ${what}, found '${tok.text}'`);
    return this.next().text;
  }
  /** A dotted name, with a leading dot for a fully qualified one. */
  private dotted(what: string): string {
    let s = this.accept('.') ? '.' : '';
    s += this.ident(what);
    while (this.accept('.')) s += '.' + this.ident(what);
    return s;
  }
  private int(what: string): number {
    const neg = this.accept('-');
    const tok = this.peek();
    if (tok.kind !== 'int' || typeof tok.value !== 'bigint') throw this.fail(`expected ${what}, found '${tok.text}'`);
    this.next();
    const v = neg ? -tok.value : tok.value;
    if (v < -(2n ** 31n) || v >= 2n ** 31n) throw this.fail(`${what} ${v} does not fit an int32`, tok);
    return Number(v);
  }
  private constant(): Value {
    const neg = this.accept('-') ? -1 : (this.accept('+'), 1);
    const tok = this.next();
    if (tok.kind === 'string' && typeof tok.value === 'string') return tok.value;
    if (tok.kind === 'int' && typeof tok.value === 'bigint') return BigInt(neg) * tok.value;
    if (tok.kind === 'float' && typeof tok.value === 'number') return neg * tok.value;
    if (tok.kind === 'ident') {
      if (tok.text === 'true' || tok.text === 'false') return tok.text === 'true';
      if (tok.text === 'inf') return neg * Infinity;
      if (tok.text === 'nan') return NaN;
      return tok.text;
    }
    throw this.fail(`expected a constant, found '${tok.text}'`, tok);
  }
  /** `option name = value;` or an aggregate `{ … }`, skipped except for its value. */
  private optionValue(): Value {
    if (this.is('{')) {
      this.skipBlock();
      return true;
    }
    return this.constant();
  }
  private optionName(): string {
    if (this.accept('(')) {
      const n = this.dotted('an option name');
      this.expect(')');
      let s = `(${n})`;
      while (this.accept('.')) s += '.' + this.ident('an option name');
      return s;
    }
    return this.dotted('an option name');
  }
  private skipBlock(): void {
    const open = this.expect('{');
    let depth = 1;
    while (depth > 0) {
      const tok = this.next();
      if (tok.kind === 'eof') throw this.fail('unclosed {', open);
      if (tok.kind === 'punct' && tok.text === '{') depth++;
      else if (tok.kind === 'punct' && tok.text === '}') depth--;
    }
  }

  parse(): void {
    if (this.accept('syntax') || this.accept('edition')) {
      this.expect('=');
      const tok = this.next();
      if (tok.kind !== 'string') throw this.fail('expected "proto2" or "proto3"', tok);
      if (tok.value !== 'proto2' && tok.value !== 'proto3') throw this.fail(`syntax "${String(tok.value)}" is not supported (proto2 or proto3)`, tok);
      this.proto2 = tok.value === 'proto2';
      this.expect(';');
    }
    while (this.peek().kind !== 'eof') {
      if (this.accept(';')) continue;
      const tok = this.peek();
      if (this.accept('package')) {
        this.pkg = this.dotted('a package name');
        this.expect(';');
      } else if (this.accept('import')) {
        if (!this.accept('public')) this.accept('weak');
        const f = this.next();
        if (f.kind !== 'string') throw this.fail('expected the imported file name as a string', f);
        this.imports.push(f);
        this.expect(';');
      } else if (this.accept('option')) {
        this.optionName();
        this.expect('=');
        this.optionValue();
        this.expect(';');
      } else if (this.accept('message')) this.message(this.pkg, tok);
      else if (this.accept('enum')) this.enumDecl(this.pkg, tok);
      else if (this.accept('service') || this.accept('extend')) {
        // Services and extensions describe no message layout; their bodies are skipped.
        this.dotted('a name');
        this.skipBlock();
      } else throw this.fail(`unexpected '${tok.text}' at the top level of a .proto file`);
    }
  }

  private declare(d: Decl): void {
    if (this.decls.has(d.full)) throw this.fail(`'${d.full}' is already defined`, d.tok);
    this.decls.set(d.full, d);
  }

  private message(scope: string, at: ProtoToken): void {
    const name = this.ident('a message name');
    const full = scope ? `${scope}.${name}` : name;
    const decl: MessageDecl = { kind: 'message', full, fields: [], proto2: this.proto2, file: this.file, tok: at };
    this.declare(decl);
    const reservedNumbers: [number, number][] = [];
    const reservedNames = new Set<string>();
    this.expect('{');
    while (!this.accept('}')) {
      const tok = this.peek();
      if (tok.kind === 'eof') throw this.fail(`message ${name} has no closing '}'`, at);
      if (this.accept(';')) continue;
      if (this.accept('message')) this.message(full, tok);
      else if (this.accept('enum')) this.enumDecl(full, tok);
      else if (this.accept('option')) {
        this.optionName();
        this.expect('=');
        this.optionValue();
        this.expect(';');
      } else if (this.accept('reserved')) this.reserved(reservedNumbers, reservedNames);
      else if (this.accept('extensions')) {
        while (!this.accept(';')) this.next();
      } else if (this.accept('extend')) {
        this.dotted('a name');
        this.skipBlock();
      } else if (this.accept('oneof')) {
        const oneof = this.ident('a oneof name');
        this.expect('{');
        while (!this.accept('}')) {
          if (this.accept(';')) continue;
          if (this.accept('option')) {
            this.optionName();
            this.expect('=');
            this.optionValue();
            this.expect(';');
            continue;
          }
          const f = this.field(undefined, oneof);
          if (f) decl.fields.push(f);
        }
      } else {
        let label: FieldDecl['label'];
        if (this.accept('repeated')) label = 'repeated';
        else if (this.accept('optional')) label = 'optional';
        else if (this.accept('required')) label = 'required';
        const f = this.field(label, undefined);
        if (f) decl.fields.push(f);
      }
    }
    const numbers = new Map<number, string>();
    for (const f of decl.fields) {
      const other = numbers.get(f.number);
      if (other !== undefined) throw this.fail(`field number ${f.number} of ${f.name} is already used by ${other}`, f.tok);
      numbers.set(f.number, f.name);
      if (reservedNames.has(f.name)) throw this.fail(`field name ${f.name} is reserved`, f.tok);
      if (reservedNumbers.some(([lo, hi]) => f.number >= lo && f.number <= hi)) throw this.fail(`field number ${f.number} of ${f.name} is reserved`, f.tok);
    }
  }

  private reserved(numbers: [number, number][], names: Set<string>): void {
    do {
      const tok = this.peek();
      if (tok.kind === 'string' && typeof tok.value === 'string') {
        this.next();
        names.add(tok.value);
      } else if (tok.kind === 'ident' && !this.is('to')) names.add(this.next().text);
      else {
        const lo = this.int('a field number');
        let hi = lo;
        if (this.accept('to')) hi = this.accept('max') ? MAX_FIELD : this.int('a field number');
        numbers.push([lo, hi]);
      }
    } while (this.accept(','));
    this.expect(';');
  }

  /** A field declaration, or undefined for a skipped group (its body is consumed). */
  private field(label: FieldDecl['label'], oneof: string | undefined): FieldDecl | undefined {
    const tok = this.peek();
    if (this.is('group')) {
      if (!this.skipGroups) throw this.fail('groups are not supported (a deprecated proto2 feature); use a nested message');
      this.next();
      this.ident('a group name');
      this.expect('=');
      this.int('a field number');
      if (this.accept('[')) while (!this.accept(']')) this.next();
      this.skipBlock();
      return undefined;
    }
    let map: FieldDecl['map'];
    let type: TypeRef;
    if (this.is('map') && this.toks[this.i + 1]?.text === '<') {
      this.next();
      this.expect('<');
      const kt = this.peek();
      const key = { name: this.dotted('a map key type'), tok: kt };
      this.expect(',');
      const vt = this.peek();
      const value = { name: this.dotted('a map value type'), tok: vt };
      this.expect('>');
      map = { key, value };
      type = value;
    } else type = { name: this.dotted('a field type'), tok };
    const name = this.ident('a field name');
    this.expect('=');
    const numTok = this.peek();
    const number = this.int('a field number');
    if (number < 1 || number > MAX_FIELD) throw this.fail(`field number ${number} is outside 1..${MAX_FIELD}`, numTok);
    if (number >= 19000 && number <= 19999) throw this.fail(`field number ${number} is reserved for the protobuf implementation`, numTok);
    const options = new Map<string, Value>();
    if (this.accept('[')) {
      do {
        const key = this.optionName();
        this.expect('=');
        options.set(key, this.optionValue());
      } while (this.accept(','));
      this.expect(']');
    }
    this.expect(';');
    return { name, number, label, type, map, options, oneof, tok };
  }

  private enumDecl(scope: string, at: ProtoToken): void {
    const name = this.ident('an enum name');
    const full = scope ? `${scope}.${name}` : name;
    const decl: EnumDecl = { kind: 'enum', full, values: [], file: this.file, tok: at };
    this.declare(decl);
    this.expect('{');
    while (!this.accept('}')) {
      if (this.peek().kind === 'eof') throw this.fail(`enum ${name} has no closing '}'`, at);
      if (this.accept(';')) continue;
      if (this.accept('option')) {
        this.optionName();
        this.expect('=');
        this.optionValue();
        this.expect(';');
        continue;
      }
      if (this.accept('reserved')) {
        this.reserved([], new Set());
        continue;
      }
      const vt = this.peek();
      const v = this.ident('an enumerator');
      this.expect('=');
      const n = this.int('an enumerator number');
      if (this.accept('[')) {
        do {
          this.optionName();
          this.expect('=');
          this.optionValue();
        } while (this.accept(','));
        this.expect(']');
      }
      this.expect(';');
      if (decl.values.some(([x]) => x === v)) throw this.fail(`enumerator ${v} is defined twice`, vt);
      decl.values.push([v, n]);
    }
    if (decl.values.length === 0) throw this.fail(`enum ${name} has no enumerators`, at);
  }
}

/** Parses .proto source (and, through `resolveImport`, the files it imports). Throws ERR_PARSE. */
export function parseProto(source: string, options: ProtoOptions = {}): ProtoDocument {
  const decls = new Map<string, Decl>();
  const seen = new Set<string>();
  const parseFile = (text: string, file: string): void => {
    seen.add(file);
    const p = new FileParser(tokenizeProto(text, file), file, decls, options.skipGroups === true);
    p.parse();
    for (const imp of p.imports) {
      const name = String(imp.value);
      // Well-known types ship with protoc, not with the project; they are not supported yet.
      const found = options.resolveImport?.(name, file);
      if (!found) throw protoError(`cannot find imported file "${name}"`, file, imp.line, imp.column);
      if (!seen.has(found.file)) parseFile(found.text, found.file);
    }
  };
  parseFile(source, options.file ?? '<input>');
  return new Builder(decls, options.recursionDepth ?? 0);
}

class Builder implements ProtoDocument {
  readonly names: readonly string[];
  /** Built schemas by name and, for unrolled recursion, by the messages open around them. */
  private readonly built = new Map<string, Schema>();
  /** How many times each message is open on the build stack. */
  private readonly building = new Map<string, number>();

  constructor(
    private readonly decls: Map<string, Decl>,
    private readonly recursionDepth: number,
  ) {
    this.names = [...decls.keys()];
  }

  type(name: string): Schema {
    const n = name.startsWith('.') ? name.slice(1) : name;
    const exact = this.decls.get(n);
    const matches = exact ? [exact] : [...this.decls.values()].filter((d) => d.full.endsWith('.' + n));
    if (matches.length !== 1) {
      throw protoError(matches.length === 0 ? `no message or enum named ${name}` : `${name} is ambiguous: ${matches.map((d) => d.full).join(', ')}`, '<document>', 0, 0);
    }
    return this.build(matches[0]!);
  }

  private fail(d: Decl, message: string, tok: ProtoToken = d.tok): never {
    throw protoError(message, d.file, tok.line, tok.column);
  }

  private resolve(ref: TypeRef, scope: string, from: Decl): Decl {
    if (ref.name.startsWith('.')) {
      const d = this.decls.get(ref.name.slice(1));
      if (d) return d;
    } else {
      // Innermost scope first, then outward, as protoc resolves relative names.
      let s = scope;
      for (;;) {
        const d = this.decls.get(s ? `${s}.${ref.name}` : ref.name);
        if (d) return d;
        if (!s) break;
        const dot = s.lastIndexOf('.');
        s = dot < 0 ? '' : s.slice(0, dot);
      }
    }
    return this.fail(from, `unknown type ${ref.name}`, ref.tok);
  }

  private build(d: Decl): Schema {
    const open = this.building.get(d.full) ?? 0;
    // When unrolling, what a message holds depends on every message still open around it.
    const memo = this.recursionDepth === 0 || this.building.size === 0 || d.kind === 'enum' ? d.full : `${d.full}#${[...this.building].filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(',')}`;
    const done = this.built.get(memo);
    if (done) return done;
    const name = d.full.replaceAll('.', '::');
    if (d.kind === 'enum') {
      const s = t.enum(name, d.values.map(([v]) => v), { protobuf: { numbers: d.values.map(([, n]) => n).join(',') } });
      this.built.set(d.full, s);
      return s;
    }
    if (open > 0 && this.recursionDepth === 0) this.fail(d, `message ${d.full} contains itself; courier schemas are trees, so recursive messages are not supported`);
    this.building.set(d.full, open + 1);
    const fields: Record<string, FieldSpec> = {};
    const oneofs = new Map<string, Record<string, CaseSpec>>();
    const oneofAt = new Map<string, number>();
    for (const f of d.fields) {
      // At the unrolling limit a field that re-enters an open message is left out: its records stay unknown.
      if (this.tooDeep(f, d)) continue;
      if (f.oneof !== undefined) {
        let cases = oneofs.get(f.oneof);
        if (!cases) {
          oneofs.set(f.oneof, (cases = {}));
          oneofAt.set(f.oneof, f.number);
          // A placeholder keeps the oneof at its first member's position among the fields.
          fields[f.oneof] = t.field(t.int32(), { number: f.number });
        }
        const ca = { ...annotationsOf(f.type.name).annotations?.protobuf, ...jsonNameOf(f) };
        cases[f.name] = t.case([f.number], this.single(f, d), { number: f.number, ...(Object.keys(ca).length ? { annotations: { protobuf: ca } } : {}) });
        continue;
      }
      fields[f.name] = this.fieldSpec(f, d);
    }
    for (const [oneof, cases] of oneofs) {
      const u = t.union(`${name}::${oneof}`, t.int32(), cases);
      fields[oneof] = t.field(t.optional(u), { number: oneofAt.get(oneof)!, annotations: { protobuf: { oneof: true } } });
    }
    const s = t.struct(name, fields, { protobuf: { message: d.full } });
    if (open === 0) this.building.delete(d.full);
    else this.building.set(d.full, open);
    this.built.set(memo, s);
    return s;
  }

  /** Whether field `f` of `d` leads to a message already open `recursionDepth + 1` times (only when unrolling). */
  private tooDeep(f: FieldDecl, d: MessageDecl): boolean {
    if (this.recursionDepth === 0 || scalars[f.type.name]) return false;
    const target = this.resolve(f.type, d.full, d);
    return target.kind === 'message' && (this.building.get(target.full) ?? 0) > this.recursionDepth;
  }

  /** The schema of one value of field `f` (not repeated). */
  private single(f: FieldDecl, d: MessageDecl): Schema {
    const scalar = scalars[f.type.name];
    if (scalar) return scalar[0]();
    const scope = d.full;
    return this.build(this.resolve(f.type, scope, d));
  }

  private fieldSpec(f: FieldDecl, d: MessageDecl): FieldSpec {
    const ann: Record<string, string | number | boolean> = { ...jsonNameOf(f) };
    const pbType = scalars[f.type.name]?.[1];
    if (pbType) ann.type = pbType;
    if (f.map) {
      const k = scalars[f.map.key.name];
      if (!k || f.map.key.name === 'double' || f.map.key.name === 'float' || f.map.key.name === 'bytes') this.fail(d, `map key type ${f.map.key.name} is not allowed`, f.map.key.tok);
      const entryName = `${d.full.replaceAll('.', '::')}::${f.name.charAt(0).toUpperCase()}${f.name.slice(1).replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}Entry`;
      const entry = t.struct(
        entryName,
        { key: t.field(k[0](), { number: 1, ...annotationsOf(f.map.key.name) }), value: t.field(this.single(f, d), { number: 2, ...annotationsOf(f.map.value.name) }) },
        { protobuf: { mapEntry: true } },
      );
      return t.field(t.sequence(entry), { number: f.number, ...(ann.jsonName !== undefined ? { annotations: { protobuf: { jsonName: ann.jsonName } } } : {}) });
    }
    const one = this.single(f, d);
    if (f.label === 'repeated') {
      const packed = f.options.get('packed');
      // proto2 packs only when asked; proto3 packs scalars unless told not to.
      if (packed === false || (d.proto2 && packed !== true)) ann.packed = false;
      return t.field(t.sequence(one), { number: f.number, ...(Object.keys(ann).length ? { annotations: { protobuf: ann } } : {}) });
    }
    const explicit = f.label === 'optional' || (f.label === undefined && one.kind === 'struct');
    if (f.label === 'required') ann.required = true;
    // proto2's default is what a reader shows for an absent field; the value stays absent (so it is not
    // written back), and the default is kept for the application as the annotation protobuf.default.
    const dflt = f.options.get('default');
    if (dflt !== undefined) ann.default = typeof dflt === 'bigint' ? String(dflt) : dflt;
    const annotations: Annotations | undefined = Object.keys(ann).length ? { protobuf: ann } : undefined;
    return t.field(explicit ? t.optional(one) : one, { number: f.number, ...(annotations ? { annotations } : {}) });
  }
}

/** `json_name` of a field, as the `jsonName` annotation the proto3 JSON mapping reads. */
function jsonNameOf(f: FieldDecl): { jsonName?: string } {
  const j = f.options.get('json_name');
  return typeof j === 'string' ? { jsonName: j } : {};
}

function annotationsOf(typeName: string): { annotations?: Annotations } {
  const pbType = scalars[typeName]?.[1];
  return pbType ? { annotations: { protobuf: { type: pbType } } } : {};
}
