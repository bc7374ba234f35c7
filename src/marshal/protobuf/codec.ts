/**
 * The Protocol Buffers codec: plans the schema's messages once, then encodes with a reused buffer and
 * decodes with bounds on size, depth and element counts.
 */
import { DecodeError } from '../../errors.ts';
import { rootPath } from '../check.ts';
import type { Codec, CodecOptions } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import type { Schema } from '../schema.ts';
import { readMessage } from './decode.ts';
import { compileDecoder, type MessageDecoder } from './compile-decoder.ts';
import { compileEncoder, type MessageEncoder } from './compile.ts';
import { writeMessage } from './encode.ts';
import { planRoot } from './plan.ts';
import { PbReader, PbWriter } from './wire.ts';

/** The reused output buffer is kept up to this size (1 MiB); beyond it each encode allocates afresh. */
const KEEP_BUFFER_BYTES = 1024 * 1024;

/** Builds the protobuf codec of `schema`; throws ERR_SCHEMA for shapes protobuf cannot carry. */
export function protobufCodec<T>(schema: Schema, options: CodecOptions, limits: Limits): Codec<T> {
  const plan = planRoot(schema);
  const decodeMessage: MessageDecoder = options.codegen === false ? (r, end, p, l, d) => readMessage(r, plan, end, p, l, d) : compileDecoder(plan);
  const encodeMessage: MessageEncoder = options.codegen === false ? (v, w, p) => writeMessage(w, plan, v, p) : compileEncoder(plan);
  const wrapped = schema.kind !== 'struct';
  const root = rootPath('name' in schema ? schema.name : undefined);
  const lim = { maxDepth: limits.maxDepth, maxSequenceLength: limits.maxSequenceLength };
  let shared = new PbWriter(256, limits.maxMessageBytes);
  let busy = false;
  const reader = new PbReader(new Uint8Array(0), 0, 0);
  return {
    schema,
    format: 'protobuf',
    encode(value: T): Uint8Array {
      // A getter inside `value` could call encode again; such a nested call gets its own buffer.
      const w = busy ? new PbWriter(256, limits.maxMessageBytes) : shared;
      const owned = w === shared;
      if (owned) busy = true;
      try {
        w.pos = 0;
        encodeMessage(wrapped ? { value } : value, w, root);
        return w.result();
      } finally {
        if (owned) {
          busy = false;
          if (shared.buf.length > KEEP_BUFFER_BYTES) shared = new PbWriter(256, limits.maxMessageBytes);
        }
      }
    },
    decode(bytes: Uint8Array): T {
      if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected a Uint8Array to decode', { offset: 0, path: root });
      if (bytes.length > limits.maxMessageBytes) {
        throw new DecodeError(`input of ${bytes.length} bytes exceeds maxMessageBytes (${limits.maxMessageBytes})`, { offset: 0, path: root, limit: limits.maxMessageBytes });
      }
      // One reader per codec: decoding calls no user code, so it cannot be re-entered.
      reader.reset(bytes, 0, bytes.length);
      const m = decodeMessage(reader, bytes.length, root, lim, 0);
      // The codec's value type is the schema's; the decoder built exactly that shape from the plan.
      return (wrapped ? m.value : m) as T;
    },
  };
}
