// The proto3 canonical JSON mapping: codec(schema, 'json') of a schema imported from a .proto file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, parseProto } from '../../src/marshal/index.ts';

// The well-known types are declared here under their own names, as google/protobuf/*.proto declares them.
const doc = parseProto(
  `syntax = "proto3";
   package google.protobuf;
   message Timestamp { int64 seconds = 1; int32 nanos = 2; }
   message Duration { int64 seconds = 1; int32 nanos = 2; }
   message Int64Value { int64 value = 1; }
   message FieldMask { repeated string paths = 1; }
   message Struct { map<string, Value> fields = 1; }
   message Value {
     oneof kind { NullValue null_value = 1; double number_value = 2; string string_value = 3; bool bool_value = 4; Struct struct_value = 5; ListValue list_value = 6; }
   }
   enum NullValue { NULL_VALUE = 0; }
   message ListValue { repeated Value values = 1; }
   message Shop {
     enum Kind { KIND_UNSPECIFIED = 0; BOOK = 1; FOOD = 2; }
     int64 order_id = 1;
     string customer_name = 2 [json_name = "who"];
     bytes blob = 3;
     Kind kind = 4;
     repeated uint32 counts = 5;
     map<int32, string> labels = 6;
     oneof pay { string card = 7; bool cash = 8; }
     optional double ratio = 9;
     Timestamp at = 10;
     Duration took = 11;
     Int64Value big = 12;
     FieldMask mask = 13;
     Struct extra = 14;
     float f = 15;
   }`,
  { recursionDepth: 3 },
);
const Shop = doc.type('google.protobuf.Shop');
const json = codec(Shop, 'json');
const pb = codec(Shop, 'protobuf');
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

test('proto3 JSON: lowerCamelCase and json_name, int64 as strings, base64, enums by name, defaults left out, well-known types', () => {
  const v = {
    order_id: 9007199254740993n,
    customer_name: 'Ann',
    blob: Uint8Array.from([0xfb, 0xff]),
    kind: 'FOOD',
    counts: [1, 2],
    labels: [{ key: 7, value: 'seven' }],
    pay: { case: 'cash', value: false },
    ratio: Number.NaN,
    at: { seconds: 1n, nanos: 20_000_000 },
    took: { seconds: -1n, nanos: -500_000_000 },
    big: { value: -5n },
    mask: { paths: ['order_id', 'at.seconds'] },
    extra: { fields: [{ key: 'a', value: { kind: { case: 'list_value', value: { values: [{ kind: { case: 'null_value', value: 'NULL_VALUE' } }, { kind: { case: 'number_value', value: 1.5 } }] } } } }] },
    f: 0,
  };
  const text = dec(json.encode(v));
  assert.equal(
    text,
    '{"orderId":"9007199254740993","who":"Ann","blob":"+/8=","kind":"FOOD","counts":[1,2],"labels":{"7":"seven"},"cash":false,"ratio":"NaN",' +
      '"at":"1970-01-01T00:00:01.020Z","took":"-1.500s","big":"-5","mask":"orderId,at.seconds","extra":{"a":[null,1.5]}}',
  );
  assert.deepStrictEqual(json.decode(enc(text)), v);
  // The same value goes to the binary format and back unchanged.
  assert.deepStrictEqual(pb.decode(pb.encode(v)), v);
  // Everything at its default is {}.
  assert.equal(dec(json.encode(json.decode(enc('{}')))), '{}');
});

test('proto3 JSON input: proto names, enum numbers, int64 numbers, URL-safe base64, null as unset, offsets in timestamps', () => {
  const v = json.decode(enc('{"order_id": 12, "customer_name": "x", "blob": "-_8", "kind": 1, "counts": ["3", 4e0], "ratio": null, "at": "1970-01-01T01:00:00+01:00", "f": "1.5"}')) as Record<string, unknown>;
  assert.equal(v.order_id, 12n);
  assert.equal(v.customer_name, 'x');
  assert.deepStrictEqual(v.blob, Uint8Array.from([0xfb, 0xff]));
  assert.equal(v.kind, 'BOOK');
  assert.deepStrictEqual(v.counts, [3, 4]);
  assert.equal('ratio' in v, false);
  assert.deepStrictEqual(v.at, { seconds: 0n, nanos: 0 });
  assert.equal(v.f, 1.5);
  // An enum number the schema does not name is kept as the number and written back as one.
  assert.equal(dec(json.encode(json.decode(enc('{"kind": 42}')))), '{"kind":42}');
});

test('proto3 JSON rejects with ERR_DECODE naming the path; ignoreUnknownFields skips unknown members and enum names', () => {
  const bad = [
    '{"nope": 1}', '{"orderId": 1, "order_id": 2}', '{"card": "a", "cash": true}', '{"counts": [1.5]}', '{"counts": [-1]}',
    '{"kind": "WHAT"}', '{"at": "1970-01-01t00:00:00z"}', '{"took": "1.5"}', '{"blob": "!!"}', '{"f": 1e39}', '{"orderId": "9223372036854775808"}',
    '{"customerName": "\\ud800"}', '{"labels": {"x": "y"}}', '{"orderId": 1,}', '[1]', '{"mask": "a_b"}',
  ];
  for (const text of bad) {
    assert.throws(() => json.decode(enc(text)), (e: unknown) => isCourierError(e) && e.code === 'ERR_DECODE', text);
  }
  assert.throws(() => json.decode(enc('{"nope": 1}')), /has no field "nope"/);
  const lenient = codec(Shop, 'json', { ignoreUnknownFields: true });
  assert.deepStrictEqual(lenient.decode(enc('{"nope": {"x": [1]}, "kind": "WHAT", "orderId": "1"}')), json.decode(enc('{"orderId": "1"}')));
});

test('proto3 JSON: mutated text decodes or fails with ERR_DECODE only, and what decodes round-trips', () => {
  const seed = dec(json.encode(json.decode(enc('{"orderId":"5","who":"Ann","kind":"BOOK","counts":[1,2],"labels":{"7":"x"},"cash":true,"at":"2001-02-03T04:05:06Z","extra":{"a":{"b":[true,"s"]}}}'))));
  const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.string({ maxLength: 3, unit: fc.constantFrom(...'{}[]":,0123456789-.eEtruefalsnl \\_') }) });
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      let text = seed;
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.ins + text.slice(at + e.del);
      }
      let v: unknown;
      try {
        v = json.decode(enc(text));
      } catch (err) {
        assert.ok(isCourierError(err) && err.code === 'ERR_DECODE', String(err));
        return;
      }
      assert.deepStrictEqual(json.decode(json.encode(v)), v);
      assert.deepStrictEqual(json.decode(json.encode(pb.decode(pb.encode(v)))), v);
    }),
    { numRuns: 400 },
  );
});

test('proto3 JSON encode: a value that does not fit is ERR_ENCODE with its path', () => {
  assert.throws(() => json.encode({ order_id: 1 }), (e: unknown) => isCourierError(e) && e.code === 'ERR_ENCODE' && String(e.context.path).endsWith('.order_id'));
  assert.throws(() => json.encode({ at: { seconds: 253402300800n, nanos: 0 } }), (e: unknown) => isCourierError(e) && e.code === 'ERR_ENCODE');
});

test('proto3 JSON: google.protobuf.Any holds a message of the document by its @type, a well-known one under "value"', () => {
  const anyDoc = parseProto(
    `syntax = "proto3";
     package google.protobuf;
     message Any { string type_url = 1; bytes value = 2; }
     message Duration { int64 seconds = 1; int32 nanos = 2; }
     message Point { int32 x = 1; int32 y = 2; }
     message Box { Any item = 1; repeated Any more = 2; }`,
  );
  const box = codec(anyDoc.type('Box'), 'json', { protoTypes: anyDoc });
  const text = '{"item":{"@type":"type.googleapis.com/google.protobuf.Point","x":1,"y":-2},"more":[{"@type":"t/google.protobuf.Duration","value":"1.500s"},{}]}';
  const v = box.decode(enc(text)) as { item: { type_url: string; value: Uint8Array } };
  assert.equal(v.item.type_url, 'type.googleapis.com/google.protobuf.Point');
  assert.equal(Buffer.from(v.item.value).toString('hex'), '0801' + '10feffffffffffffffff01');
  assert.equal(dec(box.encode(v)), text);
  // The binary form carries the packed message's bytes; both formats agree on the value.
  const pbBox = codec(anyDoc.type('Box'), 'protobuf');
  assert.deepStrictEqual(box.decode(box.encode(pbBox.decode(pbBox.encode(v)))), v);
  for (const bad of ['{"item":{"x":1}}', '{"item":{"@type":"t/google.protobuf.Nope"}}', '{"item":{"@type":"t/google.protobuf.Duration","value":"1s","x":1}}', '{"item":{"@type":"t/google.protobuf.Point","z":1}}']) {
    assert.throws(() => box.decode(enc(bad)), (e: unknown) => isCourierError(e) && e.code === 'ERR_DECODE', bad);
  }
  // Without protoTypes an Any cannot be read or written.
  assert.throws(() => codec(anyDoc.type('Box'), 'json').decode(enc(text)), /protoTypes/);
});
