import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, readJavaStream, t, writeJavaStream, type JavaObject, type Schema } from '../../src/marshal/index.ts';
import { mutate, mutations, onlyDecodeErrors, pointStream as stream, utf } from './java-streams.ts';
import { schemaArb, valueArb } from './arbitraries.ts';


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
    fc.property(mutations, (ms) => onlyDecodeErrors(() => readJavaStream(mutate(stream, ms)))),
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
      for (const input of [m, b.subarray(0, at % b.length)]) onlyDecodeErrors(() => c.decode(input));
    }),
    { numRuns: 300 },
  );
  assert.ok(checked > 0);
});

const java = (o: Record<string, string | boolean>) => ({ annotations: { java: o } });
const Entry = t.struct('Entry', { key: t.string(), value: t.optional(t.int64()) });
const Parent = t.struct('Parent', { id: t.uint32() }, { java: { className: 'x.Parent', serialVersionUID: '-3' } });
/** A schema using every mapping beyond plain fields: boxes, unsigned, each collection, a superclass. */
const Rich = t.struct('Rich', {
  up: t.field(Parent, java({ superclass: true })),
  n: t.optional(t.int16()), big: t.uint64(), boxed: t.field(t.char(), java({ boxed: true })), boxes: t.field(t.sequence(t.float32()), java({ boxed: true })),
  list: t.field(t.sequence(t.uint8()), java({ collection: 'java.util.ArrayList', type: 'java.util.List' })),
  linked: t.field(t.sequence(t.sequence(t.int32())), java({ collection: 'java.util.LinkedList' })),
  set: t.field(t.sequence(t.string()), java({ collection: 'java.util.HashSet' })),
  lset: t.field(t.sequence(t.float64()), java({ collection: 'java.util.LinkedHashSet' })),
  map: t.field(t.sequence(Entry), java({ collection: 'java.util.HashMap' })),
  lmap: t.field(t.sequence(Entry), java({ collection: 'java.util.LinkedHashMap' })),
}, { java: { className: 'x.Rich' } });
const entryArb = fc.tuple(fc.string(), fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: undefined })).map(([key, value]) => ({ key, value }));
const richArb = fc.record({
  up: fc.nat({ max: 0xffffffff }).map((id) => ({ id })),
  n: fc.option(fc.integer({ min: -32768, max: 32767 }), { nil: undefined }),
  big: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  boxed: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  boxes: fc.array(fc.float({ noNaN: true }).map(Math.fround)),
  list: fc.array(fc.nat({ max: 255 })),
  linked: fc.array(fc.array(fc.integer())),
  set: fc.uniqueArray(fc.string(), { maxLength: 40 }),
  lset: fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), { maxLength: 8 }),
  map: fc.uniqueArray(entryArb, { selector: (e) => e.key, maxLength: 30 }),
  lmap: fc.uniqueArray(entryArb, { selector: (e) => e.key, maxLength: 5 }),
});
const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

test("codec(schema, 'java'): boxes, unsigned integers, collections and a superclass round-trip (hash collections as sets); mutations give only ERR_DECODE", () => {
  const c = codec(Rich, 'java');
  fc.assert(
    fc.property(richArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
      const b = c.encode(v);
      const back = c.decode(b);
      // Absent optional values come back absent, not as undefined properties.
      const clean = (es: { key: string; value: bigint | undefined }[]) => es.map((e) => (e.value === undefined ? { key: e.key } : { key: e.key, value: e.value }));
      const { n, ...rest } = v;
      assert.deepStrictEqual(
        { ...back, set: [...back.set].sort(), map: [...back.map].sort(byKey) },
        { ...rest, ...(n === undefined ? {} : { n }), set: [...v.set].sort(), map: clean(v.map).sort(byKey), lmap: clean(v.lmap) },
      );
      assert.deepStrictEqual(c.encode(back), b, 'a decoded value (in hash-table order) encodes to the same bytes');
      const m = b.slice();
      m[at % m.length] = byte;
      for (const input of [m, b.subarray(0, at % b.length)]) onlyDecodeErrors(() => c.decode(input));
    }),
    { numRuns: 200 },
  );
});

test('HashMap capacity and order follow Java: 16 buckets up to 12 entries, doubled beyond; empty maps have threshold 0', () => {
  const M = t.struct('M', { m: t.field(t.sequence(t.struct('E', { key: t.int32(), value: t.int32() })), java({ collection: 'java.util.HashMap' })) });
  const c = codec(M, 'java');
  const tree = (n: number) => {
    const [o] = readJavaStream(c.encode({ m: Array.from({ length: n }, (_, i) => ({ key: 40 - i, value: i })) }));
    const map = ((o as JavaObject).data[0]!.fields.m as JavaObject).data[0]!;
    const head = map.annotation![0] as Uint8Array;
    const dv = new DataView(head.buffer, head.byteOffset);
    return { threshold: map.fields.threshold, capacity: dv.getInt32(0), size: dv.getInt32(4), keys: map.annotation!.slice(1).filter((_, i) => i % 2 === 0) };
  };
  assert.deepStrictEqual({ ...tree(0), keys: undefined }, { threshold: 0, capacity: 16, size: 0, keys: undefined });
  assert.deepStrictEqual([tree(12).capacity, tree(12).threshold], [16, 12]);
  assert.deepStrictEqual([tree(13).capacity, tree(13).threshold], [32, 24]);
  assert.deepStrictEqual([tree(25).capacity, tree(25).threshold], [64, 48]);
  // Integer keys hash to themselves: bucket key & 15 for 3 keys 40, 39, 38 → 38 (6), 39 (7), 40 (8).
  const keys = tree(3).keys.map((k) => ((k as JavaObject).data[1]!.fields.value));
  assert.deepStrictEqual(keys, [38, 39, 40]);
});

test('schemas Java cannot carry and malformed Java annotations are ERR_SCHEMA', () => {
  const bad = (s: Schema, what: RegExp) => assert.throws(() => codec(s, 'java'), (err: unknown) => isCourierError(err, 'ERR_SCHEMA') && what.test(err.message));
  bad(t.struct('U', { u: t.union('V', t.int32(), { a: t.case([1], t.int32()) }) }), /no unions/);
  bad(t.struct('C', { c: t.field(t.int32(), java({ collection: 'java.util.ArrayList' })) }), /needs a sequence/);
  bad(t.struct('C', { c: t.field(t.sequence(t.int32()), java({ collection: 'java.util.TreeMap' })) }), /not a supported collection/);
  bad(t.struct('C', { c: t.field(t.sequence(t.int32()), java({ collection: 'java.util.HashMap' })) }), /key and value/);
  bad(t.struct('C', { a: t.field(Parent, java({ superclass: true })), b: t.field(Parent, java({ superclass: true })) }), /one superclass/);
  bad(t.struct('C', { a: t.field(t.optional(Parent), java({ superclass: true })) }), /must be a struct/);
  bad(t.struct('C', { a: t.field(t.int32(), java({ boxd: true })) }), /unknown or mistyped/);
});

test('a collection whose counts disagree with its elements, or an unexpected class, is ERR_DECODE', () => {
  const L = t.struct('L', { l: t.field(t.sequence(t.int32()), java({ collection: 'java.util.ArrayList' })) });
  const c = codec(L, 'java');
  const [o] = readJavaStream(c.encode({ l: [1, 2] }));
  const list = (o as JavaObject).data[0]!.fields.l as JavaObject;
  list.data[0]!.annotation!.pop();
  assert.throws(() => c.decode(writeJavaStream([o!])), (err: unknown) => isCourierError(err, 'ERR_DECODE') && /size 2 but 1 elements/.test(err.message));
  const S = t.struct('L', { l: t.field(t.sequence(t.int32()), java({ collection: 'java.util.HashSet' })) });
  assert.deepStrictEqual(codec(S, 'java').decode(codec(L, 'java').encode({ l: [3] })), { l: [3] }, 'a list field reads any list or set class');
  const M = t.struct('L', { l: t.field(t.sequence(t.struct('E', { key: t.int32(), value: t.int32() })), java({ collection: 'java.util.HashMap' })) });
  assert.throws(() => codec(M, 'java').decode(c.encode({ l: [3] })), (err: unknown) => isCourierError(err, 'ERR_DECODE') && /expected a map/.test(err.message));
});

test('a set element or map key given twice is ERR_ENCODE (Java would keep one of them)', () => {
  const c = codec(Rich, 'java');
  const base = { up: { id: 1 }, big: 0n, boxed: 'a', boxes: [], list: [], linked: [], set: [], lset: [], map: [], lmap: [] };
  const dup = (v: object) => assert.throws(() => c.encode({ ...base, ...v }), (err: unknown) => isCourierError(err, 'ERR_ENCODE') && /occurs twice/.test(err.message));
  dup({ set: ['x', 'x'] });
  dup({ lset: [Number.NaN, Number.NaN] });
  dup({ map: [{ key: 'k' }, { key: 'k', value: 1n }] });
  assert.doesNotThrow(() => c.encode({ ...base, lset: [0, -0] }), '0.0 and -0.0 are different Doubles');
});

test('an encoding larger than maxMessageBytes is ERR_ENCODE, and the codec keeps working afterwards', () => {
  const S = t.struct('S', { xs: t.sequence(t.float64()), s: t.string() });
  const small = codec(S, 'java', { maxMessageBytes: 100 });
  assert.throws(() => small.encode({ xs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], s: 'x' }), (err: unknown) => isCourierError(err, 'ERR_ENCODE') && /exceeds maxBytes \(100\)/.test(err.message));
  assert.deepStrictEqual(small.decode(small.encode({ xs: [1], s: 'ok' })), { xs: [1], s: 'ok' });
  // Past the shared 64 KiB start buffer: the stream grows into its own buffer.
  const big = { xs: Array.from({ length: 20_000 }, (_, i) => i / 3), s: 'é'.repeat(40_000) };
  assert.deepStrictEqual(codec(S, 'java').decode(codec(S, 'java').encode(big)), big);
});
