/**
 * Tokens of OMG IDL, with the preprocessor lines real files carry: #include (expanded through a
 * resolver, each file once, as include guards and #pragma once intend), #define of object-like macros,
 * #ifdef/#ifndef/#if 0|1|defined(X)/#else/#endif, and #pragma (ignored). Every token knows its file,
 * line and column, so the parser's errors can point at the source.
 */
import { ParseError } from '../../errors.ts';

export type TokenKind = 'ident' | 'int' | 'float' | 'string' | 'char' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Numeric value of int/float tokens, decoded value of string/char tokens. */
  readonly value?: number | bigint | string;
  /** An identifier written with a leading underscore (`_struct`): never a keyword, underscore dropped. */
  readonly escaped?: boolean;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Finds an included file: returns its path and text, or undefined when it cannot be found. */
export type IncludeResolver = (name: string, fromFile: string, system: boolean) => { file: string; text: string } | undefined;

export interface LexOptions {
  readonly file?: string;
  readonly resolveInclude?: IncludeResolver;
  /** Macros defined before the first line, as `-D NAME=value` would. */
  readonly defines?: Readonly<Record<string, string>>;
}

const punctuation = ['::', '<<', '>>', '{', '}', '(', ')', '<', '>', '[', ']', ';', ',', ':', '=', '|', '^', '&', '+', '-', '*', '/', '%', '~', '@'];
const MAX_INCLUDE_DEPTH = 32;
const MAX_TOKENS = 1_000_000;

export function parseError(message: string, file: string, line: number, column: number): ParseError {
  return new ParseError(`${file}:${line}:${column}: ${message}`, { file, line, column });
}

interface State {
  readonly tokens: Token[];
  readonly macros: Map<string, string>;
  readonly seen: Set<string>;
  readonly resolve: IncludeResolver | undefined;
}

/** Splits IDL source into tokens, expanding #include and object-like macros; throws ERR_PARSE. */
export function tokenize(source: string, options: LexOptions = {}): Token[] {
  const file = options.file ?? '<input>';
  const state: State = {
    tokens: [],
    macros: new Map(Object.entries(options.defines ?? {})),
    seen: new Set([file]),
    resolve: options.resolveInclude,
  };
  lexFile(source, file, state, 0);
  const last = state.tokens[state.tokens.length - 1];
  state.tokens.push({ kind: 'eof', text: '<end of input>', file, line: last?.line ?? 1, column: (last?.column ?? 0) + (last?.text.length ?? 1) });
  return state.tokens;
}

function lexFile(src: string, file: string, state: State, depth: number): void {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  /** One entry per open #if: whether its branch is active, and whether the enclosing one was. */
  const conditions: { active: boolean; parentActive: boolean; taken: boolean }[] = [];
  const active = () => conditions.length === 0 || conditions[conditions.length - 1]!.active;
  const fail: (message: string, at?: number) => never = (message, at = i) => {
    throw parseError(message, file, line, at - lineStart + 1);
  };

  const pushToken = (kind: TokenKind, text: string, start: number, value?: number | bigint | string, escaped = false) => {
    if (state.tokens.length >= MAX_TOKENS) fail(`more than ${MAX_TOKENS} tokens`);
    state.tokens.push({ kind, text, ...(value !== undefined ? { value } : {}), ...(escaped ? { escaped } : {}), file, line, column: start - lineStart + 1 });
  };

  const directive = (text: string, at: number) => {
    const m = /^#\s*(\w*)\s*(.*)$/.exec(text.trim());
    const name = m?.[1] ?? '';
    const rest = (m?.[2] ?? '').replace(/\/\/.*$|\/\*.*?\*\//g, '').trim();
    switch (name) {
      case 'ifdef':
      case 'ifndef': {
        const defined = state.macros.has(rest.split(/\s+/)[0] ?? '');
        const parentActive = active();
        const cond = name === 'ifdef' ? defined : !defined;
        conditions.push({ active: parentActive && cond, parentActive, taken: cond });
        return;
      }
      case 'if': {
        const parentActive = active();
        const cond = evaluateIf(rest, state.macros, () => fail(`unsupported #if expression '${rest}' (courier understands 0, 1, defined(X) and !defined(X))`, at));
        conditions.push({ active: parentActive && cond, parentActive, taken: cond });
        return;
      }
      case 'elif': {
        const top = conditions[conditions.length - 1] ?? fail('#elif without #if', at);
        const cond = !top.taken && evaluateIf(rest, state.macros, () => fail(`unsupported #elif expression '${rest}'`, at));
        top.active = top.parentActive && cond;
        top.taken ||= cond;
        return;
      }
      case 'else': {
        const top = conditions[conditions.length - 1] ?? fail('#else without #if', at);
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        return;
      }
      case 'endif':
        if (!conditions.pop()) fail('#endif without #if', at);
        return;
    }
    if (!active()) return;
    switch (name) {
      case 'define': {
        const d = /^(\w+)(\s+(.*))?$/.exec(rest);
        if (!d) fail('#define needs a name', at);
        if (rest.startsWith(d[1]! + '(')) fail('function-like macros are not supported', at);
        state.macros.set(d[1]!, (d[3] ?? '').trim());
        return;
      }
      case 'undef':
        state.macros.delete(rest);
        return;
      case 'pragma':
      case 'ident':
      case '':
        // #pragma prefix/version/once and friends change repository IDs, not the data layout.
        return;
      case 'include': {
        const inc = /^(?:"([^"]+)"|<([^>]+)>)$/.exec(rest);
        if (!inc) fail(`malformed #include ${rest}`, at);
        const system = inc[2] !== undefined;
        const target = inc[1] ?? inc[2]!;
        const found = state.resolve?.(target, file, system);
        if (!found) {
          // System headers such as <orb.idl> declare CORBA's own types, which courier does not model.
          if (system) return;
          fail(`cannot find included file "${target}"`, at);
        }
        if (state.seen.has(found.file)) return;
        if (depth >= MAX_INCLUDE_DEPTH) fail(`#include nests deeper than ${MAX_INCLUDE_DEPTH}`, at);
        state.seen.add(found.file);
        lexFile(found.text, found.file, state, depth + 1);
        return;
      }
      case 'error':
        fail(`#error ${rest}`, at);
        return;
      default:
        fail(`unknown preprocessor directive #${name}`, at);
    }
  };

  const expand = (name: string, start: number, seen: Set<string>) => {
    const body = state.macros.get(name)!;
    if (seen.has(name) || seen.size > 16) fail(`macro ${name} expands into itself`, start);
    const inner: State = { ...state, tokens: [], macros: new Map() };
    lexFile(body, file, inner, depth + 1);
    for (const t of inner.tokens) {
      if (t.kind === 'ident' && state.macros.has(t.text)) expand(t.text, start, new Set([...seen, name]));
      else pushToken(t.kind, t.text, start, t.value, t.escaped === true);
    }
  };

  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      for (let j = i; j < end; j++) if (src[j] === '\n') {
        line++;
        lineStart = j + 1;
      }
      i = end + 2;
      continue;
    }
    if (c === '#' && src.slice(lineStart, i).trim() === '') {
      const at = i;
      let end = i;
      // A directive continues over lines that end with a backslash.
      for (;;) {
        const nl = src.indexOf('\n', end);
        end = nl < 0 ? src.length : nl;
        if (src[end - 1] === '\\' || (src[end - 1] === '\r' && src[end - 2] === '\\')) {
          end++;
          line++;
          continue;
        }
        break;
      }
      directive(src.slice(at, end).replace(/\\\r?\n/g, ' '), at);
      i = end;
      continue;
    }
    if (!active()) {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      const word = src.slice(start, i);
      if (state.macros.has(word) && state.macros.get(word) !== '') expand(word, start, new Set());
      // IDL escapes an identifier that would clash with a keyword by a leading underscore, which is not part of the name.
      else if (word.startsWith('_') && word.length > 1) pushToken('ident', word.slice(1), start, undefined, true);
      else if (!state.macros.has(word)) pushToken('ident', word, start);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(0[xX][0-9A-Fa-f]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)([dDlLuU]*)/.exec(src.slice(i, i + 100));
      if (!m) fail('malformed number');
      const text = m[1]!;
      i += m[0].length;
      if (/^0[xX]/.test(text)) pushToken('int', text, start, BigInt(text));
      else if (/[.eE]/.test(text)) pushToken('float', text, start, Number(text));
      else if (text.length > 1 && text.startsWith('0')) {
        if (!/^[0-7]+$/.test(text)) fail(`malformed octal number ${text}`, start);
        pushToken('int', text, start, BigInt('0o' + text.slice(1)));
      } else pushToken('int', text, start, BigInt(text));
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let value = '';
      while (src[i] !== c) {
        if (i >= src.length || src[i] === '\n') fail(c === '"' ? 'unterminated string literal' : 'unterminated character literal', start);
        if (src[i] === '\\') {
          const e = /^\\(?:([ntvbrfa\\?'"])|x([0-9A-Fa-f]{1,2})|([0-7]{1,3}))/.exec(src.slice(i, i + 5));
          if (!e) fail('unknown escape sequence');
          const simple: Record<string, string> = { n: '\n', t: '\t', v: '\v', b: '\b', r: '\r', f: '\f', a: '\x07', '\\': '\\', '?': '?', "'": "'", '"': '"' };
          value += e[1] !== undefined ? simple[e[1]]! : String.fromCharCode(parseInt(e[2] ?? e[3]!, e[2] !== undefined ? 16 : 8));
          i += e[0].length;
        } else value += src[i++];
      }
      i++;
      if (c === "'" && value.length !== 1) fail('a character literal holds exactly one character', start);
      pushToken(c === '"' ? 'string' : 'char', src.slice(start, i), start, value);
      continue;
    }
    const p = punctuation.find((q) => src.startsWith(q, i));
    if (!p) fail(`unexpected character '${c}'`);
    i += p.length;
    pushToken('punct', p, start);
  }
  if (conditions.length > 0) fail('#if without #endif');
}

function evaluateIf(expr: string, macros: ReadonlyMap<string, string>, unsupported: () => never): boolean {
  const e = expr.trim();
  if (e === '0' || e === '1') return e === '1';
  const m = /^(!?)\s*defined\s*(?:\(\s*(\w+)\s*\)|\s+(\w+))$/.exec(e);
  if (m) return (m[1] === '!') !== macros.has(m[2] ?? m[3]!);
  if (/^\w+$/.test(e) && macros.has(e)) return (macros.get(e) ?? '0') !== '0';
  return unsupported();
}
