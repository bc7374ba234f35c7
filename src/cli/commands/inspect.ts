import { formatJavaStream } from '../../marshal/java/inspect.ts';
import { inspectProtobuf, type RawField } from '../../marshal/protobuf/inspect.ts';
import { parseFlags, UsageError, type Command } from '../command.ts';
import { readInput, write } from '../marshal-io.ts';

const formats = ['protobuf', 'cdr', 'java'] as const;

/** Bytes shown at most for one length-delimited payload that is neither text nor a message. */
const SHOWN_BYTES = 32;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').replace(/(..)(?!$)/g, '$1 ');

function describe(f: RawField): string {
  switch (f.wire) {
    case 'varint': {
      const v = f.value;
      const notes: string[] = [];
      if (v >= 2n ** 63n) notes.push(`int64 ${BigInt.asIntN(64, v)}`);
      // The zigzag reading (sint32/sint64) is shown when it differs.
      const zz = (v >> 1n) ^ -(v & 1n);
      if (zz !== v) notes.push(`sint ${zz}`);
      return `varint ${v}${notes.length ? `  (${notes.join(', ')})` : ''}`;
    }
    case 'fixed32':
      return `fixed32 ${f.value}  (float ${f.float}, sfixed32 ${f.value | 0})`;
    case 'fixed64':
      return `fixed64 ${f.value}  (double ${f.double}, sfixed64 ${BigInt.asIntN(64, f.value)})`;
    case 'len':
      if (f.text !== undefined) return `len ${f.bytes.length}  ${JSON.stringify(f.text)}`;
      if (f.message) return `len ${f.bytes.length}  message`;
      return `len ${f.bytes.length}  bytes ${hex(f.bytes.subarray(0, SHOWN_BYTES))}${f.bytes.length > SHOWN_BYTES ? ' …' : ''}`;
    case 'group':
      return 'group';
  }
}

/** The records as a drawn tree: one line per record, nested messages and groups indented under theirs. */
export function protobufTree(fields: readonly RawField[], indent = ''): string[] {
  const lines: string[] = [];
  fields.forEach((f, i) => {
    const last = i === fields.length - 1;
    lines.push(`${indent}${last ? '└─' : '├─'} ${f.number}: ${describe(f)}  @${f.offset}`);
    const children = f.wire === 'group' ? f.fields : f.wire === 'len' ? f.message : undefined;
    if (children) lines.push(...protobufTree(children, indent + (last ? '   ' : '│  ')));
  });
  return lines;
}

/** A hex dump: offset, 16 bytes in two groups of 8, and the printable ASCII. */
export function hexDump(b: Uint8Array): string[] {
  const lines: string[] = [];
  for (let at = 0; at < b.length; at += 16) {
    const row = b.subarray(at, at + 16);
    const cells = [...row].map((x) => x.toString(16).padStart(2, '0'));
    const left = cells.slice(0, 8).join(' ');
    const right = cells.slice(8).join(' ');
    const ascii = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return lines;
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show the structure of protobuf, Java serialization or CDR bytes without a schema',
  help: `Usage: courier inspect --format protobuf|cdr|java [--allow CLASS,...] [FILE | --in FILE]

Shows bytes (FILE, or standard input) as far as the format allows without a schema:
  protobuf  every record as a tree: field number, wire type, the value (varints also read as signed and
            zigzag, fixed values also as float/double), length-delimited payloads shown as text when
            they are printable UTF-8, as a nested message when they parse as one, else as bytes;
            @N is the byte offset of the record's key
  cdr       a hex dump with offsets (CDR carries no field names or types)
  java      the stream as a tree: class descriptors (serialVersionUID, flags, superclasses), fields
            with their types and values, @handles and → back-references, block data in hex; big
            arrays and strings abbreviated. Nothing in the stream is run: it is only read, within
            bounds, and --allow refuses any class not listed
Bytes that are not protobuf records or a Java stream fail with ERR_DECODE naming the offset.

Options:
  --format F     protobuf, cdr or java
  --in FILE      read FILE (same as giving FILE)
  --allow LIST   java: only these classes (comma-separated names) may appear; any other is ERR_DECODE

Example:
  echo '{"name":"Smith","place":"London","year":1984}' |
    courier encode --schema person.proto --type Person --format protobuf | courier inspect --format protobuf
  courier inspect --format cdr person.cdr
  courier inspect --format java --allow org.example.Point,java.lang.Integer point.ser`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { format: { type: 'string' }, in: { type: 'string' }, allow: { type: 'string' } });
    const format = formats.find((f) => f === values.format);
    if (!format) throw new UsageError(`--format is required: ${formats.join(', ')}${values.format === undefined ? '' : ` (not '${values.format}')`}`);
    if (positionals.length > 1 || (positionals.length === 1 && values.in !== undefined)) throw new UsageError('give one FILE (or --in FILE, or standard input)');
    if (values.allow !== undefined && format !== 'java') throw new UsageError('--allow applies to --format java only');
    const bytes = await readInput(values.in ?? positionals[0], io);
    if (format === 'java') {
      const allowed = values.allow === undefined ? undefined : new Set(values.allow.split(',').map((c) => c.trim()));
      await write(io.stdout, `${formatJavaStream(bytes, allowed ? { allowClass: (name) => allowed.has(name) } : {})}\n`);
      return 0;
    }
    const lines = format === 'protobuf' ? protobufTree(inspectProtobuf(bytes)) : hexDump(bytes);
    await write(io.stdout, `${format} · ${bytes.length} bytes\n${lines.join('\n')}${lines.length ? '\n' : ''}`);
    return 0;
  },
};
