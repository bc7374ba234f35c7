import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, readJavaStream, writeJavaStream, type JavaObject, type Schema } from '../../src/marshal/index.ts';
import { schemaArb, valueArb } from './arbitraries.ts';

const utf = (s: string) => [s.length >> 8, s.length & 255, ...Buffer.from(s, 'latin1')];
/** A stream by hand: class P { int x; String n; } written once, then a back-reference to the same object. */
const stream = new Uint8Array([
  0xac, 0xed, 0x00, 0x05,
  0x73, 0x72, ...utf('P'), 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0x00, 0x02,
  0x49, ...utf('x'),
  0x4c, ...utf('n'), 0x74, ...utf('Ljava/lang/String;'),
  0x78, 0x70,
  0x00, 0x00, 0x00, 0x07,
  0x74, ...utf('hi'),
  0x71, 0x00, 0x7e, 0x00, 0x02,
]);

test('a hand-built stream: fields, a string, and a back-reference to the same object', () => {
  const [a, b] = readJavaStream(stream);
  const o = a as JavaObject;
  assert.equal(o.className, 'P');
  assert.deepStrictEqual(o.data, [{ className: 'P', fields: { x: 7, n: 'hi' } }]);
  assert.equal(b, a);
  assert.deepStrictEqual(writeJavaStream([a!, b!]), stream, 'written back byte for byte, the second time as a reference');
});

function rejects(bytes: Uint8Array, what: RegExp, options = {}): void {
  assert.throws(() => readJavaStream(bytes, options), (err: unknown) => isCourierError(err, 'ERR_DECODE') && what.test(err.message) && typeof err.context.offset === 'number');
}

test('forged handles, deep nesting, hostile lengths and classes off the allowlist are ERR_DECODE', () => {
  rejects(new Uint8Array([0xac, 0xed, 0, 5, 0x71, 0x00, 0x7e, 0x00, 0x09]), /has not defined/);
  rejects(new Uint8Array([0xac, 0xed, 0, 4]), /version 4/);
  rejects(stream, /not on the allowlist/, { allowClass: (n: string) => n.startsWith('java.') });
  // Object[] holding an Object[] holding …: each level a new array of one element.
  const head = [0xac, 0xed, 0, 5, 0x75, 0x72, ...utf('[Ljava.lang.Object;'), 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0, 0, 0x78, 0x70, 0, 0, 0, 1];
  const level = [0x75, 0x71, 0x00, 0x7e, 0x00, 0x00, 0, 0, 0, 1];
  rejects(new Uint8Array([...head, ...Array.from({ length: 200 }, () => level).flat(), 0x70]), /maxDepth/);
  const arr = [0xac, 0xed, 0, 5, 0x75, 0x72, ...utf('[I'), 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0, 0, 0x78, 0x70, 0x7f, 0xff, 0xff, 0xff];
  rejects(new Uint8Array(arr), /exceeds what the input left can hold/);
  rejects(new Uint8Array([0xac, 0xed, 0, 5, 0x7c, 0x7f, 0, 0, 0, 0, 0, 0, 0]), /exceeds the input left/);
});

test('mutated and truncated streams give only ERR_DECODE', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.boolean() }), { minLength: 1, maxLength: 4 }), (ms) => {
      let b = stream;
      for (const m of ms) {
        const at = m.at % b.length;
        if (m.cut) b = b.slice(0, at);
        else {
          b = b.slice();
          b[at] = m.byte;
        }
        if (b.length === 0) break;
      }
      try {
        readJavaStream(b);
      } catch (err) {
        if (!isCourierError(err, 'ERR_DECODE')) throw err;
      }
    }),
    { numRuns: 3000 },
  );
});

/** True when the schema is a struct Java can carry (no unions, unsigned 16/32/64-bit or optional primitives). */
function javaOk(s: Schema): boolean {
  if (s.kind !== 'struct') return false;
  try {
    codec(s, 'java');
    return true;
  } catch (err) {
    if (isCourierError(err, 'ERR_SCHEMA')) return false;
    throw err;
  }
}

test("codec(schema, 'java'): decode(encode(v)) equals v for random mappable schemas; mutated streams give only ERR_DECODE", () => {
  let checked = 0;
  fc.assert(
    fc.property(schemaArb.filter(javaOk).chain((schema) => valueArb(schema).map((value) => ({ schema, value }))), fc.nat(), fc.integer({ min: 0, max: 255 }), ({ schema, value }, at, byte) => {
      const c = codec(schema, 'java');
      const b = c.encode(value);
      assert.deepStrictEqual(c.decode(b), value);
      checked++;
      const m = b.slice();
      m[at % m.length] = byte;
      for (const input of [m, b.subarray(0, at % b.length)]) {
        try {
          c.decode(input);
        } catch (err) {
          if (!isCourierError(err, 'ERR_DECODE')) throw err;
        }
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(checked > 0);
});
