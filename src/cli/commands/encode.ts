import { codec } from '../../marshal/index.ts';
import { parseFlags, type Command } from '../command.ts';
import { jsonCodecFor, loadSchema, parseEncapsulation, parseFormat, readInput, write } from '../marshal-io.ts';

export const encodeCommand: Command = {
  name: 'encode',
  summary: 'marshal a JSON value of an IDL, .proto or schema-module type as CDR, XML, JSON, protobuf or Java bytes',
  help: `Usage: courier encode --schema FILE --type NAME --format cdr|cdr-le|xml|json|protobuf|java [--in FILE]
                      [--encapsulation none|corba|xcdr1|xcdr2] [--pretty]

Reads one value as JSON (standard input, or --in FILE), checks it against type NAME of the schema
file, and writes its encoding to standard output. The JSON uses courier's conventions: 64-bit integers as
decimal strings, octet sequences as base64, enums by name, unions as {"case", "value"}; for a .proto
type it is proto3 JSON (lowerCamelCase names, oneof members inline, maps as objects).

Options:
  --schema FILE         the type's file: IDL (#include followed relative to it), .proto (imports from its
                        folder), or a schema module .mjs/.ts exporting courier schemas by name
  --type NAME           the type: Person, a scoped name such as Demo::Person, or a .proto message such
                        as shop.v1.Order; for a module, the export's name
  --format F            cdr (big-endian), cdr-le (little-endian), xml, json, protobuf or java
  --encapsulation E     CDR framing: none (default), corba, xcdr1 or xcdr2 (DDS/ROS 2 header)
  --in FILE             read the JSON value from FILE instead of standard input
  --pretty              indent XML and JSON output

Example:
  echo '{"name":"Smith","place":"London","year":1984}' |
    courier encode --schema person.idl --type Person --format cdr | xxd
  echo '{"name":"Smith","place":"London","year":1984}' |
    courier encode --schema person.proto --type Person --format protobuf > person.pb
  echo '{"name":"Smith","place":"London","year":1984}' |
    courier encode --schema schemas.mjs --type Person --format java > person.ser`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      schema: { type: 'string' },
      type: { type: 'string' },
      format: { type: 'string' },
      encapsulation: { type: 'string' },
      in: { type: 'string' },
      pretty: { type: 'boolean' },
    });
    const format = parseFormat(values.format);
    const encapsulation = parseEncapsulation(values.encapsulation);
    const schema = await loadSchema(values.schema, values.type);
    const value = jsonCodecFor(schema).decode(await readInput(values.in, io));
    const out = codec(schema, format, { pretty: values.pretty === true, ...(encapsulation ? { encapsulation } : {}) });
    await write(io.stdout, out.encode(value));
    return 0;
  },
};
