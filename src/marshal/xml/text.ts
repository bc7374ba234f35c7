/**
 * Scalar values as XML Schema lexical forms: what the encoder writes and what the decoder accepts.
 * Nothing is guessed: a field's schema type alone decides how its text is read, so "007" in a string
 * field stays "007", and "true" in a string field stays the string "true".
 */
import { expectation, float32Overflow, primitiveOk } from '../check.ts';
import type { PrimitiveKind } from '../schema.ts';

// eslint-disable-next-line no-control-regex -- these are exactly the control characters XML 1.0 forbids
const xmlIllegal = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const needsEscape = /[&<>\r]/;
const integer = /^[+-]?[0-9]+$/;
const decimal = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[Ee][+-]?[0-9]+)?$/;
const space = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/** The first character XML 1.0 cannot carry in `s` (controls, U+FFFE/U+FFFF, lone surrogates), or undefined. */
export function xmlIllegalChar(s: string): string | undefined {
  const m = xmlIllegal.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}` : undefined;
}

/** Escapes character data; a carriage return is written as &#13; so parsers do not fold it into \n. */
export function escapeText(s: string): string {
  if (!needsEscape.test(s)) return s;
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

/** Escapes an attribute value in double quotes. */
export function escapeAttribute(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/** xs:float / xs:double lexical form; -0 keeps its sign. */
export function formatFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'INF';
  if (v === -Infinity) return '-INF';
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Text of a primitive value (already validated against its kind). */
export function formatPrimitive(kind: PrimitiveKind, v: unknown): string {
  if (typeof v === 'number') return kind === 'float32' ? formatFloat(Math.fround(v)) : kind === 'float64' ? formatFloat(v) : String(v);
  return typeof v === 'string' ? escapeText(v) : String(v);
}

/** What `parsePrimitive` returns for text that is not a value of the kind. */
export const NOT_PARSED: unique symbol = Symbol('not parsed');

/** The message for text `parsePrimitive` refused. */
export function mismatchMessage(kind: PrimitiveKind, text: string): string {
  return `expected ${expectation(kind)}, got ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)}`;
}

function isXmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Strips XML whitespace from both ends (XSD whitespace collapse for non-string types). */
export function trimXmlSpace(text: string): string {
  if (text.length === 0 || (!isXmlSpace(text.charCodeAt(0)) && !isXmlSpace(text.charCodeAt(text.length - 1)))) return text;
  return text.replace(space, '');
}

/**
 * Parses a primitive's text per its XML Schema type; NOT_PARSED when the text is not such a value (a
 * sentinel rather than a result object: this runs once per value on the hot path).
 */
export function parsePrimitive(kind: PrimitiveKind, text: string): unknown {
  if (kind === 'char') return text.length === 1 && text.charCodeAt(0) <= 0xff ? text : NOT_PARSED;
  const s = trimXmlSpace(text);
  switch (kind) {
    case 'boolean':
      return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : NOT_PARSED;
    case 'int64':
    case 'uint64': {
      if (!integer.test(s)) return NOT_PARSED;
      const v = BigInt(s);
      return primitiveOk(kind, v) ? v : NOT_PARSED;
    }
    case 'float32':
    case 'float64': {
      let v: number;
      if (s === 'NaN') v = NaN;
      else if (s === 'INF' || s === '+INF') v = Infinity;
      else if (s === '-INF') v = -Infinity;
      else if (decimal.test(s)) v = Number(s);
      else return NOT_PARSED;
      if (kind === 'float64') return v;
      return float32Overflow(v) ? NOT_PARSED : Math.fround(v);
    }
    default: {
      if (s.length > 40 || !integer.test(s)) return NOT_PARSED;
      const v = Number(s);
      return primitiveOk(kind, v) ? (Object.is(v, -0) ? 0 : v) : NOT_PARSED;
    }
  }
}
