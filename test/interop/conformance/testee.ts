/**
 * courier's testee for protobuf's conformance suite: reads length-prefixed ConformanceRequest messages on
 * stdin and answers each with a ConformanceResponse on stdout (a 4-byte little-endian length, then the
 * message), both read and written with courier's own protobuf codec from the suite's conformance.proto.
 * Usage: node --import tsx testee.ts PROTOBUF_SOURCE_DIR   (started by conformance_test_runner)
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { CourierError } from '../../../src/errors.ts';
import { codec, loadProtoFile, type Codec } from '../../../src/marshal/index.ts';

const src = process.argv[2];
if (!src) {
  process.stderr.write('usage: testee.ts PROTOBUF_SOURCE_DIR\n');
  process.exit(2);
}

interface Request {
  payload: { case: string; value: Uint8Array | string } | undefined;
  requested_output_format: string | number;
  message_type: string;
  test_category: string | number;
}
type Response = { result: { case: string; value: Uint8Array | string } };

const conformance = loadProtoFile(join(src, 'conformance/conformance.proto'));
// The schemas come from conformance.proto at run time; these codecs carry its messages' shapes.
const requestCodec = codec(conformance.type('conformance.ConformanceRequest'), 'protobuf') as Codec<Request>;
const responseCodec = codec(conformance.type('conformance.ConformanceResponse'), 'protobuf') as Codec<Response>;

// The test messages are recursive; courier schemas are trees, so they are unrolled a few levels and
// anything deeper is carried as unknown fields (still byte-exact). proto2 groups are unknown fields too.
const protoOptions = { recursionDepth: 2, skipGroups: true };
interface Codecs {
  readonly protobuf: Codec<unknown>;
  readonly json: Codec<unknown>;
  readonly jsonIgnoringUnknown: Codec<unknown>;
}
const messages = new Map<string, Codecs>();
for (const [file, type] of [
  ['src/google/protobuf/test_messages_proto3.proto', 'protobuf_test_messages.proto3.TestAllTypesProto3'],
  ['src/google/protobuf/test_messages_proto2.proto', 'protobuf_test_messages.proto2.TestAllTypesProto2'],
] as const) {
  const doc = loadProtoFile(join(src, file), protoOptions);
  const schema = doc.type(type);
  messages.set(type, {
    protobuf: codec(schema, 'protobuf'),
    // An Any's @type is looked up among the messages of the same files.
    json: codec(schema, 'json', { protoTypes: doc }),
    jsonIgnoringUnknown: codec(schema, 'json', { protoTypes: doc, ignoreUnknownFields: true }),
  });
}
const utf8 = new TextEncoder();
const text = new TextDecoder();

function answer(req: Request): Response['result'] {
  // The suite first asks which tests the testee expects to fail; the list is given to the runner instead.
  if (req.message_type === 'conformance.FailureSet') return { case: 'protobuf_payload', value: new Uint8Array(0) };
  const c = messages.get(req.message_type);
  if (!c) return { case: 'skipped', value: `message type ${req.message_type} is not supported` };
  const payload = req.payload;
  if (payload?.case !== 'protobuf_payload' && payload?.case !== 'json_payload') return { case: 'skipped', value: `input ${payload?.case ?? 'none'} is not supported` };
  const out = req.requested_output_format;
  if (out !== 'PROTOBUF' && out !== 'JSON') return { case: 'skipped', value: `output ${String(out)} is not supported` };
  let value: unknown;
  try {
    if (payload.case === 'protobuf_payload') value = c.protobuf.decode(payload.value as Uint8Array);
    else value = (req.test_category === 'JSON_IGNORE_UNKNOWN_PARSING_TEST' ? c.jsonIgnoringUnknown : c.json).decode(utf8.encode(payload.value as string));
  } catch (err) {
    if (err instanceof CourierError) return { case: 'parse_error', value: `${err.code}: ${err.message}` };
    throw err;
  }
  try {
    return out === 'PROTOBUF' ? { case: 'protobuf_payload', value: c.protobuf.encode(value) } : { case: 'json_payload', value: text.decode(c.json.encode(value)) };
  } catch (err) {
    if (err instanceof CourierError) return { case: 'serialize_error', value: `${err.code}: ${err.message}` };
    throw err;
  }
}

let pending: Buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk: Buffer) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 4) {
    const len = pending.readUInt32LE(0);
    if (pending.length < 4 + len) break;
    const req = requestCodec.decode(pending.subarray(4, 4 + len));
    pending = pending.subarray(4 + len);
    let result: Response['result'];
    try {
      result = answer(req);
    } catch (err) {
      result = { case: 'runtime_error', value: err instanceof Error ? err.stack ?? err.message : String(err) };
    }
    const out = responseCodec.encode({ result });
    const frame = Buffer.alloc(4 + out.length);
    frame.writeUInt32LE(out.length, 0);
    frame.set(out, 4);
    writeSync(1, frame);
  }
});
