/**
 * A strict JSON parser (RFC 8259) into a tree that keeps each number's source text, so 64-bit integers
 * such as 9223372036854775807 are read exactly (JSON.parse would round them), and keeps object members in
 * order with duplicates visible. Nesting is bounded; errors are ERR_DECODE with offset, line and column.
 */
import { DecodeError } from '../../errors.ts';

export type JsonNode =
  | { readonly t: 'object'; readonly members: readonly (readonly [string, JsonNode])[] }
  | { readonly t: 'array'; readonly items: readonly JsonNode[] }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly raw: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'null' };

const numberToken = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses `text` as one JSON value; throws ERR_DECODE (at `path`) for bad syntax or nesting past `maxDepth`. */
export function parseJsonTree(text: string, maxDepth: number, path: string): JsonNode {
  let i = 0;
  const fail = (message: string, at = i): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    throw new DecodeError(`malformed JSON: ${message}`, { path, offset: at, line, column: at - before.lastIndexOf('\n') });
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const str = (): string => {
    // text[i] is the opening quote.
    let out = '';
    let start = ++i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i++);
        return out;
      }
      if (c < 0x20) fail('control character in a string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        const r = e === undefined ? undefined : escapes[e];
        if (r === undefined) fail('bad escape');
        out += r;
        i += 2;
      }
      start = i;
    }
  };
  const value = (depth: number): JsonNode => {
    if (depth > maxDepth) fail(`JSON nests deeper than maxDepth (${maxDepth})`);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const members: [string, JsonNode][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'object', members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name');
        const k = str();
        ws();
        if (text[i++] !== ':') fail("expected ':'", i - 1);
        members.push([k, value(depth + 1)]);
        ws();
        const d = text[i++];
        if (d === '}') return { t: 'object', members };
        if (d !== ',') fail("expected ',' or '}'", i - 1);
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'array', items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        const d = text[i++];
        if (d === ']') return { t: 'array', items };
        if (d !== ',') fail("expected ',' or ']'", i - 1);
      }
    }
    if (c === '"') return { t: 'string', v: str() };
    for (const [word, node] of [['true', { t: 'bool', v: true }], ['false', { t: 'bool', v: false }], ['null', { t: 'null' }]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node;
      }
    }
    numberToken.lastIndex = i;
    const m = numberToken.exec(text);
    if (!m) return fail(i >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
    i += m[0].length;
    return { t: 'number', raw: m[0] };
  };
  const root = value(0);
  ws();
  if (i < text.length) fail('unexpected text after the JSON value');
  return root;
}
