/** `codec(schema, format, options)`: the one entry point to every format of this layer. */
import { InvalidArgumentError, SchemaError } from '../errors.ts';
import { cdrCodec } from './cdr/codec.ts';
import type { Codec, CodecOptions, Format } from './codec-types.ts';
import { jsonCodec } from './json/codec.ts';
import { MARSHAL_DEFAULTS, type Limits } from './limits.ts';
import { isDiscriminatorType, schemaDepth, type Infer, type Schema } from './schema.ts';
import { xmlCodec } from './xml/codec.ts';

const formats: readonly Format[] = ['cdr', 'cdr-le', 'xml', 'json'];

/** Checks a schema tree built by hand (not by `t`): optional placement, discriminators, depth. */
function checkSchema(s: Schema, maxDepth: number): void {
  const depth = schemaDepth(s);
  if (depth > maxDepth) throw new SchemaError(`schema nests ${depth} levels deep, more than maxDepth (${maxDepth})`, { limit: maxDepth });
  const walk = (n: Schema, fieldType: boolean): void => {
    if (n.kind === 'optional' && !fieldType) throw new SchemaError('optional is only allowed as a struct field type');
    if (n.kind === 'struct') n.fields.forEach((f) => walk(f.type, true));
    else if (n.kind === 'union') {
      if (!isDiscriminatorType(n.discriminator)) throw new SchemaError(`union ${n.name}: ${n.discriminator.kind} cannot be a discriminator`, { type: n.name });
      n.cases.forEach((c) => walk(c.type, false));
    } else if (n.kind === 'sequence' || n.kind === 'array' || n.kind === 'optional') walk(n.element, false);
  };
  walk(s, false);
}

/**
 * Compiles a codec for values of `schema` in `format` ('cdr' big-endian, 'cdr-le', 'xml', 'json').
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
  }
}
