import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { codec, parseProto, type Schema } from '../../src/marshal/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function files(map: Record<string, string>, main: string) {
  return parseProto(map[main]!, { file: main, resolveImport: (name) => (map[name] === undefined ? undefined : { file: name, text: map[name] }) });
}

test('messages, nested types, enums, oneof, map and repeated become schemas the codec reads like protoc', () => {
  const doc = parseProto(
    `syntax = "proto3";
     package shop.v1;
     /* a block comment */
     message Order {
       enum State { STATE_UNSPECIFIED = 0; OPEN = 1; CLOSED = 9; }
       message Line { string sku = 1; uint32 qty = 2; }
       int64 id = 1;
       State state = 2;
       repeated Line lines = 3;
       map<string, sint32> tags = 4;
       oneof pay { string card = 5; bool cash = 6; }
       reserved 7, 10 to 12;
       reserved "old";
       repeated fixed64 stamps = 13 [packed = false];
     }`,
    { file: 'shop.proto' },
  );
  assert.deepStrictEqual(doc.names, ['shop.v1.Order', 'shop.v1.Order.State', 'shop.v1.Order.Line']);
  const c = codec(doc.type('Order'), 'protobuf');
  const v = { id: 5n, state: 'CLOSED', lines: [{ sku: 'a', qty: 2 }], tags: [{ key: 'k', value: -1 }], pay: { case: 'cash', value: true }, stamps: [1n] };
  const bytes = c.encode(v);
  assert.equal(hex(bytes), '0805' + '1009' + '1a050a01611002' + '2205' + '0a016b1001' + '3001' + '690100000000000000');
  assert.deepStrictEqual(c.decode(bytes), v);
});

test('proto2: optional and required labels, unpacked repeated unless [packed = true], defaults parsed', () => {
  const doc = parseProto(
    `syntax = "proto2";
     message Old {
       required int32 id = 1;
       optional string name = 2 [default = "x"];
       repeated int32 plain = 3;
       repeated int32 packed = 4 [packed = true];
     }`,
  );
  const c = codec(doc.type('Old'), 'protobuf');
  // The required field is written at its default; the optional one only when present.
  assert.equal(hex(c.encode({ id: 0, plain: [1, 2], packed: [3] })), '0800' + '18011802' + '220103');
  assert.deepStrictEqual(c.decode(c.encode({ id: 0, plain: [], packed: [] })), { id: 0, plain: [], packed: [] });
  // The default stays absent on the wire and in the value; the application reads it from the annotation.
  const old = doc.type('Old');
  assert.ok(old.kind === 'struct');
  assert.equal(old.fields.find((f) => f.name === 'name')?.annotations?.protobuf?.default, 'x');
});

test('imports between files of one folder, with relative and fully qualified type names', () => {
  const doc = files(
    {
      'common.proto': 'syntax = "proto3"; package common; message Money { int64 units = 1; string currency = 2; }',
      'main.proto': 'syntax = "proto3"; package app; import "common.proto"; message Price { common.Money amount = 1; .common.Money was = 2; }',
    },
    'main.proto',
  );
  const s: Schema = doc.type('app.Price');
  const c = codec(s, 'protobuf');
  const v = { amount: { units: 3n, currency: 'EUR' }, was: { units: 4n, currency: '' } };
  assert.deepStrictEqual(c.decode(c.encode(v)), v);
});

function parseFails(source: string, line: number, column: number, what: RegExp): void {
  assert.throws(
    () => parseProto(source, { file: 'bad.proto' }).type('M'),
    (err: unknown) => isCourierError(err, 'ERR_PARSE') && err.context.file === 'bad.proto' && err.context.line === line && err.context.column === column && what.test(err.message),
  );
}

test('errors name file, line and column', () => {
  parseFails('syntax = "proto3";\nmessage M {\n  int32 a = 1\n}', 4, 1, /expected ';'/);
  parseFails('syntax = "proto3";\nmessage M {\n  Missing a = 1;\n}', 3, 3, /unknown type Missing/);
  parseFails('message M {\n  int32 a = 1;\n  int32 b = 1;\n}', 3, 3, /already used by a/);
  parseFails('message M {\n  reserved 2 to 4;\n  int32 b = 3;\n}', 3, 3, /reserved/);
  parseFails('message M {\n  M self = 1;\n}', 1, 1, /contains itself/);
  parseFails('message M {\n  int32 a = 0;\n}', 2, 13, /outside/);
  parseFails('syntax = "proto3";\nmessage M { string s = 1; }\n"unterminated', 3, 1, /unterminated string/);
  parseFails('syntax = "proto3"; import "nope.proto"; message M {}', 1, 27, /cannot find imported file/);
  parseFails('message M {\n  optional group G = 1 { }\n}', 2, 12, /groups are not supported/);
});

test('recursionDepth unrolls a recursive message; deeper levels are kept as unknown fields and round-trip', () => {
  const text = 'syntax = "proto3"; message Node { int32 v = 1; Node next = 2; }';
  assert.throws(() => parseProto(text).type('Node'), /contains itself/);
  const c = codec(parseProto(text, { recursionDepth: 1 }).type('Node'), 'protobuf');
  // Node{1, next: Node{2, next: Node{3}}}: the third level is past the unrolling, so it stays raw bytes.
  const bytes = Uint8Array.from([0x08, 1, 0x12, 6, 0x08, 2, 0x12, 2, 0x08, 3]);
  const v = c.decode(bytes) as { v: number; next: { v: number; next?: unknown } };
  assert.equal(v.next.v, 2);
  assert.equal(v.next.next, undefined);
  assert.equal(hex(c.encode(v)), hex(bytes));
});

test('skipGroups leaves a proto2 group out of the schema; its records round-trip as unknown fields', () => {
  const text = 'syntax = "proto2"; message M { optional int32 a = 1; optional group G = 2 { optional int32 b = 3; } }';
  assert.throws(() => parseProto(text), /groups are not supported/);
  const c = codec(parseProto(text, { skipGroups: true }).type('M'), 'protobuf');
  const bytes = Uint8Array.from([0x08, 7, 0x13, 0x18, 5, 0x14]);
  const v = c.decode(bytes);
  assert.deepStrictEqual(v, { a: 7 });
  assert.equal(hex(c.encode(v)), hex(bytes));
});

test('a oneof message case that occurs twice is merged, as protobuf specifies', () => {
  const doc = parseProto('syntax = "proto3"; message In { int32 a = 1; int32 b = 2; } message M { oneof o { In m = 1; int32 n = 2; } }');
  for (const codegen of [true, false]) {
    const c = codec(doc.type('M'), 'protobuf', { codegen });
    // m{a: 1} then m{b: 2}: merged to m{a: 1, b: 2}; then n replaces a different case outright.
    assert.deepStrictEqual(c.decode(Uint8Array.from([0x0a, 2, 0x08, 1, 0x0a, 2, 0x10, 2])), { o: { case: 'm', value: { a: 1, b: 2 } } });
    assert.deepStrictEqual(c.decode(Uint8Array.from([0x0a, 2, 0x08, 1, 0x10, 5])), { o: { case: 'n', value: 5 } });
  }
});
