/**
 * The proto3 canonical JSON mapping, used by codec(schema, 'json') when the root struct came from a .proto
 * file (the parser marks it with the annotation `protobuf.message`). Values have the same shape as the
 * protobuf codec's, so one decoded value encodes to either format.
 */
import { DecodeError } from '../../errors.ts';
import { rootPath } from '../check.ts';
import type { Codec, CodecOptions } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import { planRoot } from '../protobuf/plan.ts';
import type { Schema } from '../schema.ts';
import { readUtf8Input } from '../text-input.ts';
import { indentJson } from './encode.ts';
import { parseJsonTree } from './json-tree.ts';
import { anyTypes } from './proto3-any.ts';
import { message } from './proto3-read.ts';
import { writeProto3Json } from './proto3-write.ts';

const encoder = new TextEncoder();

/** Whether codec(schema, 'json') uses the proto3 mapping: a struct imported from a .proto file. */
export function isProtoSchema(schema: Schema): boolean {
  return schema.kind === 'struct' && typeof schema.annotations?.protobuf?.message === 'string';
}

/** Builds the proto3 JSON codec of a .proto message schema; throws ERR_SCHEMA as the protobuf codec does. */
export function proto3JsonCodec<T>(schema: Schema, options: CodecOptions, limits: Limits): Codec<T> {
  const plan = planRoot(schema);
  const root = rootPath('name' in schema ? schema.name : undefined);
  const types = options.protoTypes ? anyTypes(options.protoTypes, limits) : undefined;
  const read = {
    ignoreUnknownFields: options.ignoreUnknownFields === true,
    limits: { maxDepth: limits.maxDepth, maxSequenceLength: limits.maxSequenceLength },
    ...(types ? { anyTypes: types } : {}),
  };
  return {
    schema,
    format: 'json',
    encode(value: T): Uint8Array {
      const text = writeProto3Json(value, plan, root, types);
      return encoder.encode(options.pretty ? indentJson(text) : text);
    },
    decode(bytes: Uint8Array): T {
      if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected a Uint8Array to decode', { offset: 0, path: root });
      const text = readUtf8Input(bytes, limits, root, 'JSON input is not valid UTF-8');
      // The value has the shape the plan describes, which is the schema's type.
      return message(parseJsonTree(text, limits.maxDepth * 2 + 2, root), plan, root, read, 0) as T;
    },
  };
}
