/**
 * The CDR codec: frames (bare, CORBA encapsulation, XCDR1/XCDR2 header), picks compiled or interpreted
 * code, reuses one output buffer, and checks that a decode consumed exactly its input.
 */
import { DecodeError, SchemaError } from '../../errors.ts';
import { rootPath } from '../check.ts';
import type { Codec, CodecOptions, Encapsulation } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import { isPrimitive, type Schema } from '../schema.ts';
import { compileDecoder, compileEncoder, type CompiledDecoder, type CompiledEncoder } from './compile.ts';
import { readValue, writeValue } from './interpret.ts';
import { CdrReader } from './reader.ts';
import { CdrWriter } from './writer.ts';

/** The reused output buffer is kept up to this size (1 MiB); beyond it each encode allocates afresh. */
const KEEP_BUFFER_BYTES = 1024 * 1024;

/** XCDR representation identifiers (second header byte; the first is 0). */
const XCDR1_BE = 0x00;
const XCDR1_LE = 0x01;
const XCDR2_BE = 0x06;
const XCDR2_LE = 0x07;
/** The DDS-XTypes ENC_HEADER spellings of plain CDR2, accepted on decode too. */
const XCDR2_BE_ALT = 0x10;
const XCDR2_LE_ALT = 0x11;

/**
 * XCDR1 has no plain representation of an optional member, and XCDR2 precedes collections of
 * non-primitive elements with a delimiter header that courier does not write: refuse both up front
 * rather than produce bytes a DDS peer would misread.
 */
function checkXcdr(s: Schema, enc: Encapsulation, path: string): void {
  if (s.kind === 'optional' && enc === 'xcdr1') throw new SchemaError(`${path}: XCDR1 cannot carry an optional member in plain CDR; use xcdr2 or cdr`, { path });
  if ((s.kind === 'sequence' || s.kind === 'array') && enc === 'xcdr2' && !isPrimitive(s.element) && s.element.kind !== 'enum') {
    throw new SchemaError(`${path}: XCDR2 collections of non-primitive elements need a delimiter header courier does not write; use xcdr1`, { path });
  }
  if (s.kind === 'struct') for (const f of s.fields) checkXcdr(f.type, enc, `${path}.${f.name}`);
  else if (s.kind === 'union') for (const c of s.cases) checkXcdr(c.type, enc, `${path}.${c.name}`);
  else if (s.kind === 'sequence' || s.kind === 'array' || s.kind === 'optional') checkXcdr(s.element, enc, path);
}

export function cdrCodec<T>(schema: Schema, littleEndian: boolean, options: CodecOptions, limits: Limits): Codec<T> {
  const enc = options.encapsulation ?? 'none';
  const root = rootPath('name' in schema ? schema.name : undefined);
  if (enc === 'xcdr1' || enc === 'xcdr2') checkXcdr(schema, enc, root);
  const codegen = options.codegen !== false;
  const align8 = enc === 'xcdr2' ? 4 : 8;
  const format = littleEndian ? 'cdr-le' : 'cdr';

  const encoder: CompiledEncoder = codegen
    ? compileEncoder(schema, root, littleEndian, align8)
    : (v, w) => writeValue(w, schema, v, root);
  const decoders = new Map<string, CompiledDecoder>();
  const decoderFor = (le: boolean, a8: number): CompiledDecoder => {
    const key = `${le}/${a8}`;
    let d = decoders.get(key);
    if (!d) {
      d = codegen
        ? compileDecoder(schema, root, le, a8, limits.maxSequenceLength)
        : (buf, pos, origin, out) => {
            const r = new CdrReader(buf, pos, le, origin, a8);
            const v = readValue(r, schema, root, limits.maxSequenceLength);
            out.pos = r.pos;
            return v;
          };
      decoders.set(key, d);
    }
    return d;
  };

  const header = (w: CdrWriter): void => {
    w.littleEndian = littleEndian;
    w.align8 = align8;
    if (enc === 'corba') {
      w.buf[0] = littleEndian ? 1 : 0;
      w.pos = 1;
      w.origin = 0;
    } else if (enc === 'xcdr1' || enc === 'xcdr2') {
      w.buf[0] = 0;
      w.buf[1] = enc === 'xcdr1' ? (littleEndian ? XCDR1_LE : XCDR1_BE) : littleEndian ? XCDR2_LE : XCDR2_BE;
      w.buf[2] = 0;
      w.buf[3] = 0;
      w.pos = 4;
      w.origin = 4;
    } else {
      w.pos = 0;
      w.origin = 0;
    }
  };

  const shared = new CdrWriter(256, limits.maxMessageBytes);
  let busy = false;
  const out = { pos: 0 };

  // The frame of the last decode, in fields rather than a fresh object, so decode allocates nothing of its own.
  let frameLe = littleEndian;
  let frameOrigin = 0;
  let frameStart = 0;
  let frameAlign8 = align8;
  let frameSlack = 0;

  const frame = (bytes: Uint8Array): void => {
    if (enc === 'none') return;
    if (enc === 'corba') {
      if (bytes.length < 1) throw new DecodeError('empty input: a CORBA encapsulation starts with its byte-order octet', { offset: 0, path: root });
      const flag = bytes[0]!;
      if (flag > 1) throw new DecodeError(`encapsulation byte-order octet is ${flag}, expected 0 or 1`, { offset: 0, path: root });
      frameLe = flag === 1;
      frameStart = 1;
      return;
    }
    if (bytes.length < 4) throw new DecodeError(`input of ${bytes.length} bytes is shorter than the 4-byte XCDR header`, { offset: 0, path: root });
    const id = (bytes[0]! << 8) | bytes[1]!;
    frameSlack = bytes[3]! & 3;
    frameOrigin = 4;
    frameStart = 4;
    frameLe = (id & 1) === 1;
    if (id === XCDR1_BE || id === XCDR1_LE) frameAlign8 = 8;
    else if (id === XCDR2_BE || id === XCDR2_LE || id === XCDR2_BE_ALT || id === XCDR2_LE_ALT) frameAlign8 = 4;
    else {
      throw new DecodeError(`XCDR representation 0x${id.toString(16).padStart(4, '0')} is not plain CDR/CDR2 (parameter-list and delimited forms are not supported)`, {
        offset: 0,
        path: root,
      });
    }
  };
  let lastDecoder = decoderFor(littleEndian, align8);
  let lastLe = littleEndian;
  let lastAlign8 = align8;

  return {
    schema,
    format,
    encode(value: T): Uint8Array {
      // A getter inside `value` could call encode again; give such a nested call its own buffer.
      const w = busy ? new CdrWriter(256, limits.maxMessageBytes) : shared;
      const owned = w === shared;
      if (owned) busy = true;
      try {
        header(w);
        encoder(value, w);
        return w.result();
      } catch (err) {
        // A DataView store past the capped buffer throws RangeError: the encoding exceeded maxMessageBytes.
        if (err instanceof RangeError && w.buf.length >= limits.maxMessageBytes) throw w.tooLarge();
        throw err;
      } finally {
        if (owned) {
          busy = false;
          shared.shrink(KEEP_BUFFER_BYTES);
        }
      }
    },
    decode(bytes: Uint8Array): T {
      if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected a Uint8Array to decode', { offset: 0, path: root });
      if (bytes.length > limits.maxMessageBytes) {
        throw new DecodeError(`input of ${bytes.length} bytes exceeds maxMessageBytes (${limits.maxMessageBytes})`, { offset: 0, path: root, limit: limits.maxMessageBytes });
      }
      frame(bytes);
      if (frameLe !== lastLe || frameAlign8 !== lastAlign8) {
        lastDecoder = decoderFor(frameLe, frameAlign8);
        lastLe = frameLe;
        lastAlign8 = frameAlign8;
      }
      const value = lastDecoder(bytes, frameStart, frameOrigin, out);
      const extra = bytes.length - out.pos;
      if (extra > frameSlack) throw new DecodeError(`${extra} unexpected bytes after the value at byte ${out.pos}`, { offset: out.pos, path: root });
      // Unreachable for well-formed code paths: decoders never read past the end.
      if (extra < 0) throw new DecodeError('decoder read past the end of input', { offset: out.pos });
      return value as T;
    },
  };
}
