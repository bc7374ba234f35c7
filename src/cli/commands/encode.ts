import { codec } from '../../marshal/index.ts';
import { parseFlags, type Command } from '../command.ts';
import { jsonCodecFor, loadType, parseEncapsulation, parseFormat, readInput, write } from '../marshal-io.ts';

export const encodeCommand: Command = {
  name: 'encode',
  summary: 'marshal a JSON value of an IDL type as CDR, XML or JSON bytes',
  help: `Usage: courier encode --schema FILE --type NAME --format cdr|cdr-le|xml|json|protobuf|java [--in FILE]
                      [--encapsulation none|corba|xcdr1|xcdr2] [--pretty]

Reads one value as JSON (standard input, or --in FILE), checks it against type NAME of the IDL file,
and writes its encoding to standard output. The JSON uses courier's conventions: 64-bit integers as
decimal strings, octet sequences as base64, enums by name, unions as {"case", "value"}.

Options:
  --schema FILE         IDL file declaring the type (#include is followed relative to it)
  --type NAME           the type: Person or a scoped name such as Demo::Person
  --format F            cdr (big-endian), cdr-le (little-endian), xml, json, protobuf or java
  --encapsulation E     CDR framing: none (default), corba, xcdr1 or xcdr2 (DDS/ROS 2 header)
  --in FILE             read the JSON value from FILE instead of standard input
  --pretty              indent XML and JSON output

Example:
  echo '{"name":"Smith","place":"London","year":1984}' |
    courier encode --schema person.idl --type Person --format cdr | xxd`,
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
    const schema = loadType(values.schema, values.type);
    const value = jsonCodecFor(schema).decode(await readInput(values.in, io));
    const out = codec(schema, format, { pretty: values.pretty === true, ...(encapsulation ? { encapsulation } : {}) });
    await write(io.stdout, out.encode(value));
    return 0;
  },
};
