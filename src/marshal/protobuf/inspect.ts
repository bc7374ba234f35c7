/**
 * Reading protobuf bytes without a schema, as far as the wire format allows: each record's field number
 * and wire type, varints (with their signed and zigzag readings), fixed-width values, and length-delimited
 * payloads guessed as printable UTF-8 text, a nested message (when they parse as one, exactly), or raw bytes.
 * Groups nest. Malformed input is ERR_DECODE with the offset; nesting is bounded.
 */
import { DecodeError } from '../../errors.ts';
import { END_GROUP, FIXED32, FIXED64, LEN, PbReader, START_GROUP, VARINT } from './wire.ts';

/** One record as seen without a schema. */
export type RawField = {
  readonly number: number;
  /** Byte offset of the record's key. */
  readonly offset: number;
} & (
  | { readonly wire: 'varint'; readonly value: bigint }
  | { readonly wire: 'fixed64'; readonly value: bigint; readonly double: number }
  | { readonly wire: 'fixed32'; readonly value: number; readonly float: number }
  | { readonly wire: 'len'; readonly bytes: Uint8Array; readonly message?: readonly RawField[]; readonly text?: string }
  | { readonly wire: 'group'; readonly fields: readonly RawField[] }
);

/** Bounds of a schema-less read. */
export interface InspectOptions {
  /** Nested messages and groups deeper than this are shown as bytes (default 32). */
  readonly maxDepth?: number;
}

const fatal = new TextDecoder('utf-8', { fatal: true });

/** No control characters other than tab, CR and LF. */
function printable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return false;
  }
  return true;
}

/** Reads `bytes` as a sequence of protobuf records. Throws ERR_DECODE for bytes that are not records. */
export function inspectProtobuf(bytes: Uint8Array, options: InspectOptions = {}): RawField[] {
  const maxDepth = options.maxDepth ?? 32;
  const r = new PbReader(bytes, 0, bytes.length);
  const fields = records(r, bytes.length, 0, maxDepth, undefined, 0);
  if (!fields) throw new DecodeError(`not protobuf records: ${why} at byte ${whyAt}`, { offset: whyAt });
  return fields;
}

// The reason the last attempt failed; a guess at a nested message fails quietly, the top level loudly.
let why = '';
let whyAt = 0;
function no(reason: string, at: number): undefined {
  why = reason;
  whyAt = at;
  return undefined;
}

/** Records from r.pos to `end` (or to the end-group of `group`), or undefined when they do not parse. */
function records(r: PbReader, end: number, depth: number, maxDepth: number, group: number | undefined, base: number): RawField[] | undefined {
  const out: RawField[] = [];
  while (r.pos < end) {
    const offset = r.pos;
    const key = r.varint32();
    if (r.fault) return no('truncated key', base + offset);
    const number = key >>> 3;
    const wt = key & 7;
    if (number === 0) return no('field number 0', base + offset);
    switch (wt) {
      case VARINT: {
        const value = r.bigVarint();
        if (r.fault) return no(`truncated varint of field ${number}`, base + offset);
        out.push({ number, offset: base + offset, wire: 'varint', value });
        break;
      }
      case FIXED64: {
        if (end - r.pos < 8) return no(`truncated fixed64 of field ${number}`, base + offset);
        const dv = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 8);
        out.push({ number, offset: base + offset, wire: 'fixed64', value: dv.getBigUint64(0, true), double: dv.getFloat64(0, true) });
        r.pos += 8;
        break;
      }
      case FIXED32: {
        if (end - r.pos < 4) return no(`truncated fixed32 of field ${number}`, base + offset);
        const dv = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 4);
        out.push({ number, offset: base + offset, wire: 'fixed32', value: dv.getUint32(0, true), float: dv.getFloat32(0, true) });
        r.pos += 4;
        break;
      }
      case LEN: {
        const len = r.varint32();
        if (r.fault || len > end - r.pos) return no(`length of field ${number} runs past the end`, base + offset);
        const bytes = r.buf.subarray(r.pos, r.pos + len);
        r.pos += len;
        out.push({ number, offset: base + offset, wire: 'len', bytes, ...guess(bytes, depth, maxDepth, base + r.pos - len) });
        break;
      }
      case START_GROUP: {
        if (depth >= maxDepth) return no('groups nest deeper than maxDepth', base + offset);
        const fields = records(r, end, depth + 1, maxDepth, number, base);
        if (!fields) return undefined;
        out.push({ number, offset: base + offset, wire: 'group', fields });
        break;
      }
      case END_GROUP:
        if (group !== number) return no(`end-group of field ${number} without its start`, base + offset);
        return out;
      default:
        return no(`wire type ${wt} does not exist`, base + offset);
    }
  }
  return group === undefined ? out : no(`group ${group} has no end`, base + end);
}

/**
 * What a length-delimited payload most likely is: printable UTF-8 text first (a message's bytes are
 * rarely all printable), else a message that parses exactly, else raw bytes.
 */
function guess(bytes: Uint8Array, depth: number, maxDepth: number, base: number): { message?: RawField[]; text?: string } {
  try {
    const text = fatal.decode(bytes);
    // Control characters (other than tab, and newlines after the first character) mean binary data.
    if (printable(text) && !/^[\n\r]/.test(text)) return { text };
  } catch {
    // Not UTF-8: perhaps a message.
  }
  if (bytes.length > 0 && depth < maxDepth) {
    const saveWhy = why;
    const saveAt = whyAt;
    const message = records(new PbReader(bytes, 0, bytes.length), bytes.length, depth + 1, maxDepth, undefined, base);
    why = saveWhy;
    whyAt = saveAt;
    if (message) return { message };
  }
  return {};
}
