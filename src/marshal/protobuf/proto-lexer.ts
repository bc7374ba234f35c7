/**
 * Tokens of the protobuf language (.proto files, proto2 and proto3): identifiers, integers, floats,
 * quoted strings with C escapes, and punctuation. Comments (// and /* *\/) are skipped. Every token
 * knows its file, line and column so the parser's errors point at the source.
 */
import { ParseError } from '../../errors.ts';

export type ProtoTokenKind = 'ident' | 'int' | 'float' | 'string' | 'punct' | 'eof';

export interface ProtoToken {
  readonly kind: ProtoTokenKind;
  readonly text: string;
  /** Decoded value of a string token; numeric value of an int (bigint) or float token. */
  readonly value?: string | bigint | number;
  readonly line: number;
  readonly column: number;
}

/** Most tokens one file may hold, so a hostile file cannot make the lexer build without bound. */
const MAX_TOKENS = 1_000_000;

/** A ParseError naming the file, line and column. */
export function protoError(message: string, file: string, line: number, column: number): ParseError {
  return new ParseError(`${file}:${line}:${column}: ${message}`, { file, line, column });
}

const punct = new Set(['{', '}', '(', ')', '<', '>', '[', ']', ';', ',', '=', '.', '-', '+', ':', '/']);
const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** Splits .proto source into tokens; throws ERR_PARSE (file:line:column) on a malformed token. */
export function tokenizeProto(src: string, file: string): ProtoToken[] {
  const out: ProtoToken[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (msg: string, at = i): never => {
    throw protoError(msg, file, line, at - lineStart + 1);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      lineStart = ++i;
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
      for (let j = i; j < end; j++) {
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
      continue;
    }
    if (out.length >= MAX_TOKENS) fail(`more than ${MAX_TOKENS} tokens`);
    const column = i - lineStart + 1;
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), line, column });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(0[xX][0-9A-Fa-f]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/.exec(src.slice(i));
      const text = m![0];
      i += text.length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) fail(`malformed number '${text}${src[i]}'`, start);
      if (/^0[xX]/.test(text)) out.push({ kind: 'int', text, value: BigInt(text), line, column });
      else if (/[.eE]/.test(text)) out.push({ kind: 'float', text, value: Number(text), line, column });
      else if (text.length > 1 && text.startsWith('0')) {
        if (!/^[0-7]+$/.test(text)) fail(`'${text}' is not an octal number`, start);
        out.push({ kind: 'int', text, value: BigInt('0o' + text.slice(1)), line, column });
      } else out.push({ kind: 'int', text, value: BigInt(text), line, column });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let s = '';
      for (;;) {
        if (i >= src.length || src[i] === '\n') fail('unterminated string', start);
        const d = src[i++]!;
        if (d === c) break;
        if (d !== '\\') {
          s += d;
          continue;
        }
        const e = src[i++] ?? '';
        if (escapes[e] !== undefined) s += escapes[e];
        else if (e === 'x' || e === 'X') {
          const h = /^[0-9A-Fa-f]{1,2}/.exec(src.slice(i))?.[0];
          if (!h) throw fail('\\x needs hex digits', i);
          s += String.fromCharCode(parseInt(h, 16));
          i += h.length;
        } else if (/[0-7]/.test(e)) {
          const o = e + (/^[0-7]{0,2}/.exec(src.slice(i))?.[0] ?? '');
          s += String.fromCharCode(parseInt(o, 8) & 255);
          i += o.length - 1;
        } else fail(`unknown escape \\${e}`, i - 2);
      }
      // Adjacent string literals join, as in C.
      const prev = out[out.length - 1];
      if (prev?.kind === 'string' && typeof prev.value === 'string') out[out.length - 1] = { ...prev, value: prev.value + s };
      else out.push({ kind: 'string', text: src.slice(start, i), value: s, line, column });
      continue;
    }
    if (punct.has(c)) {
      i++;
      out.push({ kind: 'punct', text: c, line, column });
      continue;
    }
    fail(`unexpected character '${c}'`);
  }
  out.push({ kind: 'eof', text: '<end of file>', line, column: i - lineStart + 1 });
  return out;
}
