/**
 * The JSON codec: UTF-8 JSON text in and out. The encoder is generated code; the decoder is JSON.parse
 * followed by generated code that checks and converts every node (closure trees without codegen).
 */
import { DecodeError } from '../../errors.ts';
import { rootPath } from '../check.ts';
import type { Codec, CodecOptions } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import { toDecodeError, toEncodeError } from '../located.ts';
import type { Schema } from '../schema.ts';
import { readUtf8Input } from '../text-input.ts';
import { compileJsonReader } from './decode.ts';
import { compileJsonDecoder } from './compile-decoder.ts';
import { compileJsonEncoder } from './compile.ts';
import { compileJsonWriter, indentJson } from './encode.ts';
import { isProtoSchema, proto3JsonCodec } from './proto3.ts';

const encoder = new TextEncoder();

/** Finds "position N" in V8's JSON.parse message, to report a byte offset and line. */
function syntaxLocation(message: string, text: string): Record<string, number> {
  const m = /position (\d+)/.exec(message);
  // Without a position V8 means the text ended too soon.
  const offset = m ? Number(m[1]) : text.length;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { offset, line, column: offset - before.lastIndexOf('\n') };
}

export function jsonCodec<T>(schema: Schema, options: CodecOptions, limits: Limits): Codec<T> {
  // A message imported from a .proto file speaks the proto3 canonical JSON mapping.
  if (isProtoSchema(schema)) return proto3JsonCodec(schema, options, limits);
  const root = rootPath('name' in schema ? schema.name : undefined);
  // Generated code by default; the closure writer gives the same text where code generation is barred.
  const write = options.codegen === false ? compileJsonWriter(schema) : compileJsonEncoder(schema, root);
  const read = options.codegen === false ? compileJsonReader(schema) : compileJsonDecoder(schema, root);
  return {
    schema,
    format: 'json',
    encode(value: T): Uint8Array {
      let text: string;
      try {
        text = write(value);
      } catch (err) {
        toEncodeError(err, root);
      }
      if (options.pretty) text = indentJson(text);
      return encoder.encode(text);
    },
    decode(bytes: Uint8Array): T {
      const text = readUtf8Input(bytes, limits, root, 'JSON input is not valid UTF-8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new DecodeError(`malformed JSON: ${message}`, { path: root, ...syntaxLocation(message, text) });
      }
      try {
        return read(parsed) as T;
      } catch (err) {
        toDecodeError(err, root);
      }
    },
  };
}
