// Reading protobuf bytes without a schema (courier inspect --format protobuf).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, parseProto } from '../../src/marshal/index.ts';
import { inspectProtobuf, type RawField } from '../../src/marshal/protobuf/inspect.ts';

const doc = parseProto('syntax = "proto3"; message In { sint64 z = 1; fixed32 f = 2; } message M { string s = 1; In in = 2; bytes b = 3; double d = 4; repeated int32 r = 5; }');
const m = codec(doc.type('M'), 'protobuf');

test('records, wire types and values; a payload that parses as a message nests, text is text, the rest bytes', () => {
  const bytes = m.encode({ s: 'hi there', in: { z: -2n, f: 7 }, b: Uint8Array.from([0, 0xff]), d: 0.25, r: [1, 300] });
  const fields = inspectProtobuf(bytes);
  const brief = (fs: readonly RawField[]): unknown =>
    fs.map((f) => [f.number, f.wire, f.wire === 'len' ? (f.text ?? (f.message ? brief(f.message) : [...f.bytes])) : f.wire === 'group' ? brief(f.fields) : f.wire === 'fixed64' ? f.double : f.value]);
  // The packed list [1, 300] is bytes 01 ac 02, which also parse as no message: they stay bytes.
  assert.deepStrictEqual(brief(fields), [
    [1, 'len', 'hi there'],
    [2, 'len', [[1, 'varint', 3n], [2, 'fixed32', 7]]],
    [3, 'len', [0, 0xff]],
    [4, 'fixed64', 0.25],
    [5, 'len', [1, 0xac, 0x02]],
  ]);
  // Groups nest, and an end-group closes its own start only.
  const group = inspectProtobuf(Uint8Array.from([0x0b, 0x10, 0x05, 0x0c]));
  assert.deepStrictEqual(group.map((f) => f.wire), ['group']);
  assert.throws(() => inspectProtobuf(Uint8Array.from([0x0b, 0x14])), /end-group of field 2 without its start/);
});

test('inspecting random and mutated bytes gives records or ERR_DECODE only', () => {
  const seed = m.encode({ s: 'x', in: { z: 5n, f: 1 }, b: new Uint8Array(3), d: 1, r: [7] });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }).map((edits) => {
      const b = Uint8Array.from(seed);
      for (const [at, v] of edits) b[at] = v;
      return b;
    })), (bytes) => {
      try {
        inspectProtobuf(bytes);
      } catch (err) {
        assert.ok(isCourierError(err) && err.code === 'ERR_DECODE', String(err));
      }
    }),
    { numRuns: 500 },
  );
  // Deep nesting is bounded: a 1000-deep chain of groups is refused, not a stack overflow.
  const deep = new Uint8Array(2000);
  deep.fill(0x0b, 0, 1000);
  deep.fill(0x0c, 1000);
  assert.throws(() => inspectProtobuf(deep), /deeper than maxDepth/);
});
