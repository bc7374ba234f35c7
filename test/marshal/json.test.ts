import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { codec, t } from '../../src/marshal/index.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const S = t.struct('Rec', {
  id: t.int64(),
  big: t.uint64(),
  raw: t.bytes(),
  color: t.enum('Color', ['red', 'green']),
  x: t.float64(),
  y: t.float32(),
  note: t.optional(t.string()),
});
const json = codec(S, 'json');

test('64-bit integers are decimal strings, bytes base64, enums names, NaN a string, -0 kept', () => {
  const v = { id: -(2n ** 63n), big: 2n ** 64n - 1n, raw: new Uint8Array([1, 2, 3]), color: 'green' as const, x: NaN, y: -0 };
  assert.equal(text(json.encode(v)), '{"id":"-9223372036854775808","big":"18446744073709551615","raw":"AQID","color":"green","x":"NaN","y":-0}');
  assert.deepStrictEqual(json.decode(json.encode(v)), v);
});

test('the decoder accepts what protobuf JSON allows: numbers for 64-bit, ordinals for enums, url-safe base64, null for absent', () => {
  const v = json.decode(utf8('{"id":5,"big":"7","raw":"_-8","color":1,"x":"Infinity","y":0.1,"note":null}'));
  assert.deepStrictEqual(v, { id: 5n, big: 7n, raw: new Uint8Array([0xff, 0xef]), color: 'green', x: Infinity, y: Math.fround(0.1) });
});

test('schema violations in JSON are ERR_DECODE with the field path', () => {
  const cases: [string, string, RegExp][] = [
    ['{"id":"1.5","big":"1","raw":"","color":"red","x":1,"y":1}', 'rec.id', /expected an int64/],
    ['{"id":"1","big":"-1","raw":"","color":"red","x":1,"y":1}', 'rec.big', /expected a uint64/],
    ['{"id":"1","big":"1","raw":"***","color":"red","x":1,"y":1}', 'rec.raw', /base64/],
    ['{"id":"1","big":"1","raw":"","color":"blue","x":1,"y":1}', 'rec.color', /expected one of Color/],
    ['{"id":"1","big":"1","raw":"","color":"red","x":1}', 'rec', /missing field y/],
    ['{"id":"1","big":"1","raw":"","color":"red","x":1,"y":1,"z":2}', 'rec', /no field "z"/],
    ['{"id":9007199254740993,"big":"1","raw":"","color":"red","x":1,"y":1}', 'rec.id', /expected an int64/],
  ];
  for (const [input, path, message] of cases) {
    assert.throws(
      () => json.decode(utf8(input)),
      (e: unknown) => isCourierError(e, 'ERR_DECODE') && e.context.path === path && message.test(e.message),
      input,
    );
  }
});

test('malformed JSON reports its position and line', () => {
  assert.throws(
    () => json.decode(utf8('{\n  "id": 1,\n  oops\n}')),
    (e: unknown) => isCourierError(e, 'ERR_DECODE') && e.context.line === 3 && /malformed JSON/.test(e.message),
  );
});

test('pretty output re-indents without changing a token', () => {
  const c = codec(t.struct('P', { a: t.float64(), b: t.sequence(t.int32()) }), 'json', { pretty: true });
  assert.equal(text(c.encode({ a: -0, b: [] })), '{\n  "a": -0,\n  "b": []\n}');
});
