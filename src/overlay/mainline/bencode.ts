// Bencoding (BEP 3), the encoding of every BitTorrent DHT datagram: integers `i42e`, byte strings
// `4:spam`, lists `l…e` and dictionaries `d…e` whose keys are byte strings in sorted order. The decoder
// reads untrusted datagrams, so it is bounded in input size, nesting depth, item count, string length and
// integer digits, and every fault is an ERR_DECODE naming its byte offset.
import { DecodeError, EncodeError } from '../../errors.ts';

/** A dictionary: keys are byte strings held as latin1 text (one char per byte, so any bytes round-trip). */
export type BDict = Map<string, BValue>;
/** Any bencoded value: integers (bigint past 2^53), byte strings, lists and dictionaries. */
export type BValue = number | bigint | Uint8Array | BValue[] | BDict;

/** Bounds of the decoder, defaults sized for DHT datagrams with room to spare. */
export const BENCODE_DEFAULTS = Object.freeze({
  /** Largest input, bytes. */
  maxBytes: 65_536,
  /** Deepest nesting of lists and dictionaries (KRPC needs 3). */
  maxDepth: 16,
  /** Most list elements and dictionary entries in the whole input. */
  maxItems: 4096,
  /** Longest byte string, bytes. */
  maxStringBytes: 65_536,
  /** Most digits of an integer (past 15 the value is a bigint). */
  maxIntegerDigits: 64,
});

/** Options of `bdecode`. */
export interface BdecodeOptions {
  readonly maxBytes?: number;
  readonly maxDepth?: number;
  readonly maxItems?: number;
  readonly maxStringBytes?: number;
  readonly maxIntegerDigits?: number;
  /**
   * Refuse dictionaries whose keys are not in sorted order (BEP 3's canonical form). Default true.
   * Duplicate keys are always refused: two values for one key make a message mean two things.
   */
  readonly sortedKeys?: boolean;
}

const I = 0x69;
const L = 0x6c;
const D = 0x64;
const E = 0x65;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Decodes one bencoded value that fills `input` exactly. Byte strings are views into `input` (copy what
 * you keep). Throws ERR_DECODE with `context.offset` on malformed input, trailing bytes, or a crossed bound.
 */
export function bdecode(input: Uint8Array, options: BdecodeOptions = {}): BValue {
  const maxBytes = options.maxBytes ?? BENCODE_DEFAULTS.maxBytes;
  if (input.length > maxBytes) throw new DecodeError(`bencoded input of ${input.length} bytes exceeds maxBytes (${maxBytes})`, { offset: 0, size: input.length, limit: maxBytes });
  const r = new Reader(input, options);
  const v = r.value(0);
  if (r.pos !== input.length) throw new DecodeError(`trailing data after the bencoded value at offset ${r.pos}`, { offset: r.pos });
  return v;
}

class Reader {
  pos = 0;
  private items = 0;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  private readonly maxStringBytes: number;
  private readonly maxIntegerDigits: number;
  private readonly sortedKeys: boolean;

  constructor(
    private readonly b: Uint8Array,
    o: BdecodeOptions,
  ) {
    this.maxDepth = o.maxDepth ?? BENCODE_DEFAULTS.maxDepth;
    this.maxItems = o.maxItems ?? BENCODE_DEFAULTS.maxItems;
    this.maxStringBytes = o.maxStringBytes ?? BENCODE_DEFAULTS.maxStringBytes;
    this.maxIntegerDigits = o.maxIntegerDigits ?? BENCODE_DEFAULTS.maxIntegerDigits;
    this.sortedKeys = o.sortedKeys ?? true;
  }

  private fail(message: string, offset = this.pos): never {
    throw new DecodeError(`${message} at offset ${offset}`, { offset });
  }

  value(depth: number): BValue {
    const c = this.b[this.pos];
    if (c === undefined) this.fail('unexpected end of input');
    if (c === I) return this.integer();
    if (c >= ZERO && c <= NINE) return this.bytes();
    if (c === L || c === D) {
      if (depth >= this.maxDepth) this.fail(`nesting deeper than maxDepth (${this.maxDepth})`);
      return c === L ? this.list(depth + 1) : this.dict(depth + 1);
    }
    return this.fail(`unexpected byte 0x${c.toString(16).padStart(2, '0')}`);
  }

  private count(): void {
    if (++this.items > this.maxItems) this.fail(`more than maxItems (${this.maxItems}) list and dictionary entries`);
  }

  private list(depth: number): BValue[] {
    this.pos++;
    const out: BValue[] = [];
    for (;;) {
      const c = this.b[this.pos];
      if (c === undefined) this.fail('unterminated list');
      if (c === E) break;
      this.count();
      out.push(this.value(depth));
    }
    this.pos++;
    return out;
  }

  private dict(depth: number): BDict {
    const start = this.pos++;
    const out: BDict = new Map();
    let last: string | undefined;
    for (;;) {
      const c = this.b[this.pos];
      if (c === undefined) this.fail('unterminated dictionary', start);
      if (c === E) break;
      this.count();
      const at = this.pos;
      if (c < ZERO || c > NINE) this.fail('dictionary key is not a byte string');
      const k = this.bytes();
      const key = latin1(k);
      if (last !== undefined) {
        if (key === last || out.has(key)) this.fail(`duplicate dictionary key '${printable(key)}'`, at);
        if (this.sortedKeys && key < last) this.fail(`dictionary key '${printable(key)}' out of order`, at);
      }
      last = key;
      out.set(key, this.value(depth));
    }
    this.pos++;
    return out;
  }

  private bytes(): Uint8Array {
    const start = this.pos;
    let n = 0;
    let digits = 0;
    for (;;) {
      const c = this.b[this.pos];
      if (c === undefined) this.fail('unterminated string length', start);
      if (c === COLON) break;
      if (c < ZERO || c > NINE) this.fail('string length is not a number');
      // A leading zero is non-canonical ("05:"), and would let two encodings mean one value.
      if (digits === 1 && n === 0) this.fail('string length with a leading zero', start);
      n = n * 10 + (c - ZERO);
      digits++;
      if (n > this.maxStringBytes) this.fail(`string of more than maxStringBytes (${this.maxStringBytes})`, start);
      this.pos++;
    }
    if (digits === 0) this.fail('empty string length', start);
    this.pos++;
    const end = this.pos + n;
    if (end > this.b.length) this.fail(`string of ${n} bytes runs past the end of input (${this.b.length - this.pos} left)`, start);
    const s = this.b.subarray(this.pos, end);
    this.pos = end;
    return s;
  }

  private integer(): number | bigint {
    const start = this.pos++;
    const negative = this.b[this.pos] === MINUS;
    if (negative) this.pos++;
    const first = this.pos;
    for (;;) {
      const c = this.b[this.pos];
      if (c === undefined) this.fail('unterminated integer', start);
      if (c === E) break;
      if (c < ZERO || c > NINE) this.fail('integer has a non-digit');
      if (this.pos - first >= this.maxIntegerDigits) this.fail(`integer of more than maxIntegerDigits (${this.maxIntegerDigits})`, start);
      this.pos++;
    }
    const digits = this.pos - first;
    if (digits === 0) this.fail('integer without digits', start);
    if (this.b[first] === ZERO && (digits > 1 || negative)) this.fail(negative ? 'negative zero' : 'integer with a leading zero', start);
    this.pos++;
    if (digits <= 15) {
      let v = 0;
      for (let i = first; i < first + digits; i++) v = v * 10 + (this.b[i]! - ZERO);
      return negative ? -v : v;
    }
    const big = BigInt(latin1(this.b.subarray(first, first + digits)));
    const v = negative ? -big : big;
    // Values that fit a double exactly come back as numbers, so one value has one decoded form.
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
}

/** Encodes a value. Throws ERR_ENCODE for a non-integer number or an unencodable value. */
export function bencode(value: BValue): Uint8Array {
  const w = new Writer();
  w.value(value, 0);
  return w.finish();
}

/** Most nesting `bencode` follows, against cycles. */
const MAX_ENCODE_DEPTH = 64;

// Encoding is synchronous and never re-entered, so one scratch buffer serves every call: a message costs
// one allocation (its copy out), not a growing buffer each.
let scratch = new Uint8Array(2048);

class Writer {
  private buf = scratch;
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    // Keep a grown buffer for later messages, unless it is far larger than any datagram.
    if (size <= 1 << 16) scratch = next;
  }

  private ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.pos++] = text.charCodeAt(i);
  }

  private byteString(b: Uint8Array): void {
    this.ascii(String(b.length));
    this.room(1 + b.length);
    this.buf[this.pos++] = COLON;
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  private keyString(key: string): void {
    this.ascii(String(key.length));
    this.room(1 + key.length);
    this.buf[this.pos++] = COLON;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c > 255) throw new EncodeError(`dictionary key '${key}' is not a byte string (latin1 text)`, { key });
      this.buf[this.pos++] = c;
    }
  }

  value(v: BValue, depth: number): void {
    if (depth > MAX_ENCODE_DEPTH) throw new EncodeError(`value nested deeper than ${MAX_ENCODE_DEPTH} (a cycle?)`, { depth });
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new EncodeError(`bencode integers must be safe integers (or bigint), got ${v}`, { value: v });
      this.ascii(`i${v}e`);
    } else if (typeof v === 'bigint') {
      this.ascii(`i${v}e`);
    } else if (v instanceof Uint8Array) {
      this.byteString(v);
    } else if (Array.isArray(v)) {
      this.room(1);
      this.buf[this.pos++] = L;
      for (const x of v) this.value(x, depth + 1);
      this.room(1);
      this.buf[this.pos++] = E;
    } else if (v instanceof Map) {
      this.room(1);
      this.buf[this.pos++] = D;
      // Latin1 text compares char by char as its bytes do, so JavaScript's sort gives BEP 3's raw byte order.
      const keys = [...v.keys()].sort();
      for (const k of keys) {
        this.keyString(k);
        this.value(v.get(k)!, depth + 1);
      }
      this.room(1);
      this.buf[this.pos++] = E;
    } else {
      throw new EncodeError(`cannot bencode a ${typeof v}`, { type: typeof v });
    }
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Bytes as latin1 text (one char per byte): how dictionary keys are held. */
export function latin1(b: Uint8Array): string {
  // Short keys (every KRPC key) are cheaper char by char than through a Buffer.
  if (b.length <= 16) {
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** UTF-8 or latin1 text as a byte string for bencoding (`'ping'` → bytes). */
export function bstr(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** Builds a dictionary from an object's entries, skipping undefined values. */
export function bdict(entries: Record<string, BValue | undefined>): BDict {
  const m: BDict = new Map();
  for (const k of Object.keys(entries)) {
    const v = entries[k];
    if (v !== undefined) m.set(k, v);
  }
  return m;
}

function printable(key: string): string {
  return key.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 40);
}
