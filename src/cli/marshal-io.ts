// Shared by the encode, decode and schema commands: load a type from an IDL file, a .proto file or a
// schema module, read input whole.
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codec, loadIdlFile, loadProtoFile, MARSHAL_DEFAULTS, type Encapsulation, type Format, type Schema } from '../marshal/index.ts';
import { UsageError, type CommandIO } from './command.ts';

const formats: readonly Format[] = ['cdr', 'cdr-le', 'xml', 'json', 'protobuf', 'java'];
const encapsulations: readonly Encapsulation[] = ['none', 'corba', 'xcdr1', 'xcdr2'];

/** The type `name` from the IDL file `file`; UsageError when a flag is missing. */
export function loadType(file: string | undefined, name: string | undefined): Schema {
  if (!file) throw new UsageError('--schema FILE is required (an IDL file)');
  if (!name) throw new UsageError('--type NAME is required (a struct, union, enum or typedef in the IDL)');
  return loadIdlFile(file).type(name);
}

/** The .proto document each loaded type came from, so its proto3 JSON can resolve google.protobuf.Any. */
const protoDocs = new WeakMap<Schema, { type(name: string): Schema }>();

const schemaKinds = ['struct', 'union', 'enum', 'sequence', 'array', 'optional', 'string', 'bytes', 'boolean', 'octet', 'char', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'];
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && schemaKinds.includes(String(Reflect.get(v, 'kind')));

/**
 * The type `name` from `file`, by its extension: `.proto` (a message or enum: full name or a unique
 * suffix), `.ts`/`.mjs`/`.js` (a module exporting courier schemas by name, e.g. `export const Person =
 * t.struct(...)`; a .ts module needs Node to run with tsx), anything else an IDL file.
 */
export async function loadSchema(file: string | undefined, name: string | undefined): Promise<Schema> {
  if (!file) throw new UsageError('--schema FILE is required (an IDL file, a .proto file or a schema module)');
  if (!name) throw new UsageError('--type NAME is required (a type of the schema file)');
  const ext = extname(file);
  if (ext === '.proto') {
    const doc = loadProtoFile(file);
    const schema = doc.type(name);
    protoDocs.set(schema, doc);
    return schema;
  }
  if (ext === '.ts' || ext === '.mts' || ext === '.mjs' || ext === '.js') {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`--schema: cannot load module ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    const s = mod[name];
    if (!isSchema(s)) {
      const names = Object.keys(mod).filter((k) => isSchema(mod[k]));
      throw new UsageError(`--type: ${file} exports no schema named ${name}${names.length ? ` (it exports ${names.join(', ')})` : ''}`);
    }
    return s;
  }
  return loadType(file, name);
}

export function parseFormat(text: string | undefined): Format {
  if (text === undefined) throw new UsageError(`--format is required (${formats.join(', ')})`);
  const f = formats.find((x) => x === text);
  if (!f) throw new UsageError(`--format: '${text}' is not one of ${formats.join(', ')}`);
  return f;
}

export function parseEncapsulation(text: string | undefined): Encapsulation | undefined {
  if (text === undefined) return undefined;
  const e = encapsulations.find((x) => x === text);
  if (!e) throw new UsageError(`--encapsulation: '${text}' is not one of ${encapsulations.join(', ')}`);
  return e;
}

/** Reads `--in FILE`, or standard input to its end, refusing more than maxMessageBytes. */
export async function readInput(path: string | undefined, io: CommandIO): Promise<Uint8Array> {
  const limit = MARSHAL_DEFAULTS.maxMessageBytes;
  if (path !== undefined) {
    const data = await readFile(path);
    if (data.length > limit) throw new UsageError(`--in: ${path} is larger than ${limit} bytes`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > limit) throw new UsageError(`standard input is larger than ${limit} bytes`);
    chunks.push(bytes);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Writes bytes and resolves once the stream has taken them. */
export function write(out: NodeJS.WritableStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** The JSON codec a user types values in: courier's JSON conventions (int64 as strings, bytes base64). */
export function jsonCodecFor(schema: Schema) {
  const doc = protoDocs.get(schema);
  return codec(schema, 'json', { pretty: true, ...(doc ? { protoTypes: doc } : {}) });
}
