/** `codec(schema, format, options)`: the one entry point to every format of this layer. */
import { InvalidArgumentError } from '../errors.ts';
import { cdrCodec } from './cdr/codec.ts';
import type { Codec, CodecOptions, Format } from './codec-types.ts';
import { javaCodec } from './java/codec.ts';
import { jsonCodec } from './json/codec.ts';
import { MARSHAL_DEFAULTS, type Limits } from './limits.ts';
import { protobufCodec } from './protobuf/codec.ts';
import { checkSchema } from './schema-check.ts';
import type { Infer, Schema } from './schema.ts';
import { xmlCodec } from './xml/codec.ts';

const formats: readonly Format[] = ['cdr', 'cdr-le', 'xml', 'json', 'protobuf', 'java'];

/**
 * Compiles a codec for values of `schema` in `format` ('cdr' big-endian, 'cdr-le', 'xml', 'json', 'protobuf', 'java').
 * Compile once and reuse: the work of specialising to the schema happens here. Throws ERR_SCHEMA for a
 * malformed schema, ERR_INVALID_ARGUMENT for an unknown format or bad limits.
 */
export function codec<S extends Schema>(schema: S, format: Format, options: CodecOptions = {}): Codec<Infer<S>> {
  if (!formats.includes(format)) throw new InvalidArgumentError(`unknown format '${String(format)}' (expected ${formats.join(', ')})`, { format });
  const limits: Limits = {
    maxMessageBytes: options.maxMessageBytes ?? MARSHAL_DEFAULTS.maxMessageBytes,
    maxDepth: options.maxDepth ?? MARSHAL_DEFAULTS.maxDepth,
    maxSequenceLength: options.maxSequenceLength ?? MARSHAL_DEFAULTS.maxSequenceLength,
  };
  for (const [k, v] of Object.entries(limits)) {
    if (!(Number.isSafeInteger(v) && v > 0)) throw new InvalidArgumentError(`${k} must be a positive integer, got ${v}`, { [k]: v });
  }
  if (options.encapsulation !== undefined && options.encapsulation !== 'none' && format !== 'cdr' && format !== 'cdr-le') {
    throw new InvalidArgumentError(`encapsulation applies to CDR only, not ${format}`, { format });
  }
  checkSchema(schema, limits.maxDepth);
  switch (format) {
    case 'cdr':
    case 'cdr-le':
      return cdrCodec(schema, format === 'cdr-le', options, limits);
    case 'xml':
      return xmlCodec(schema, options, limits);
    case 'json':
      return jsonCodec(schema, options, limits);
    case 'protobuf':
      return protobufCodec(schema, options, limits);
    case 'java':
      return javaCodec(schema, limits);
  }
}
