import { codec } from '../../marshal/index.ts';
import { parseFlags, type Command } from '../command.ts';
import { jsonCodecFor, loadSchema, parseEncapsulation, parseFormat, readInput, write } from '../marshal-io.ts';

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'unmarshal CDR, XML, JSON, protobuf or Java bytes of a type and print the value as JSON',
  help: `Usage: courier decode --schema FILE --type NAME --format cdr|cdr-le|xml|json|protobuf|java [--in FILE]
                      [--encapsulation none|corba|xcdr1|xcdr2]

Reads bytes (standard input, or --in FILE), decodes them as type NAME of the schema file, and prints the
value as indented JSON (64-bit integers as strings, octet sequences as base64, enums by name; proto3
JSON for a .proto type).
Malformed input fails with ERR_DECODE naming the byte offset (or line) and the field path.

Options:
  --schema FILE         the type's file: IDL, .proto, or a schema module .mjs/.ts exporting schemas by name
  --type NAME           the type: Person, a scoped name such as Demo::Person, or a .proto message such
                        as shop.v1.Order; for a module, the export's name
  --format F            cdr (big-endian), cdr-le (little-endian), xml, json, protobuf or java
  --encapsulation E     CDR framing: none (default), corba, xcdr1 or xcdr2; a framed input's own
                        byte-order flag decides how it is read
  --in FILE             read the bytes from FILE instead of standard input

Example:
  courier decode --schema person.idl --type Person --format cdr --in person.cdr
  courier decode --schema person.proto --type Person --format protobuf --in person.pb`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      schema: { type: 'string' },
      type: { type: 'string' },
      format: { type: 'string' },
      encapsulation: { type: 'string' },
      in: { type: 'string' },
    });
    const format = parseFormat(values.format);
    const encapsulation = parseEncapsulation(values.encapsulation);
    const schema = await loadSchema(values.schema, values.type);
    const input = codec(schema, format, encapsulation ? { encapsulation } : {});
    const value = input.decode(await readInput(values.in, io));
    await write(io.stdout, jsonCodecFor(schema).encode(value));
    await write(io.stdout, '\n');
    return 0;
  },
};
