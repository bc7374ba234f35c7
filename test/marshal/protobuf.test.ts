import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, t, unknownFields, type Schema } from '../../src/marshal/index.ts';
import { planUnion } from '../../src/marshal/union.ts';
import { schemaAndValue } from './arbitraries.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

/**
 * The value a protobuf decode gives back for `v`: a oneof carries only its case, so a union's
 * discriminator becomes the case's first label (the default case's free label).
 */
function canonical(s: Schema, v: unknown): unknown {
  switch (s.kind) {
    case 'struct': {
      const o: Record<string, unknown> = {};
      const src = v as Record<string, unknown>;
      for (const f of s.fields) if (src[f.name] !== undefined) o[f.name] = canonical(f.type, src[f.name]);
      return o;
    }
    case 'optional':
      return v === undefined ? undefined : canonical(s.element, v);
    case 'sequence':
    case 'array':
      return (v as unknown[]).map((e) => canonical(s.element, e));
    case 'union': {
      const plan = planUnion(s);
      const u = v as { case: string | null; value?: unknown };
      if (u.case === null) return { case: null, discriminator: plan.emptyLabel };
      const i = plan.byName.get(u.case)!;
      const c = s.cases[i]!;
      const value = canonical(c.type, u.value);
      return plan.reportDiscriminator[i] ? { case: u.case, value, discriminator: c.isDefault ? plan.defaultLabel : c.labels[0] } : { case: u.case, value };
    }
    default:
      return v;
  }
}

test('decode(encode(v)) equals v for random schemas and values, and re-encoding gives the same bytes', () => {
  fc.assert(
    fc.property(schemaAndValue, ({ schema, value }) => {
      const c = codec(schema, 'protobuf');
      const b = c.encode(value);
      const back = c.decode(b);
      assert.deepStrictEqual(back, canonical(schema, value));
      assert.deepStrictEqual(c.encode(back), b);
    }),
    { numRuns: 1500 },
  );
});

test('the encoding guide\'s examples, byte for byte', () => {
  const Test1 = t.struct('Test1', { a: t.int32() });
  const c1 = codec(Test1, 'protobuf');
  assert.equal(hex(c1.encode({ a: 150 })), '089601');
  assert.deepStrictEqual(c1.decode(bytes('089601')), { a: 150 });
  const Test2 = t.struct('Test2', { b: t.field(t.string(), { number: 2 }) });
  assert.equal(hex(codec(Test2, 'protobuf').encode({ b: 'testing' })), '120774657374696e67');
  const Test3 = t.struct('Test3', { c: t.field(Test1, { number: 3 }) });
  assert.equal(hex(codec(Test3, 'protobuf').encode({ c: { a: 150 } })), '1a03089601');
  const Test4 = t.struct('Test4', { d: t.field(t.sequence(t.int32()), { number: 6 }) });
  assert.equal(hex(codec(Test4, 'protobuf').encode({ d: [3, 270, 86942] })), '3206038e029ea705');
});

test('negative int32 is a 10-byte varint; sint32/sint64 zigzag; fixed and sfixed are little-endian', () => {
  const S = t.struct('S', {
    i: t.int32(),
    z: t.field(t.int32(), { annotations: { protobuf: { type: 'sint32' } } }),
    zz: t.field(t.int64(), { annotations: { protobuf: { type: 'sint64' } } }),
    f: t.field(t.uint32(), { annotations: { protobuf: { type: 'fixed32' } } }),
    sf: t.field(t.int64(), { annotations: { protobuf: { type: 'sfixed64' } } }),
  });
  const c = codec(S, 'protobuf');
  const v = { i: -1, z: -2, zz: -3n, f: 0x01020304, sf: -2n };
  assert.equal(hex(c.encode(v)), '08ffffffffffffffffff01' + '1003' + '1805' + '2504030201' + '29feffffffffffffff');
  assert.deepStrictEqual(c.decode(c.encode(v)), v);
  const big = { i: -2147483648, z: 2147483647, zz: -(2n ** 63n), f: 0xffffffff, sf: 2n ** 63n - 1n };
  assert.deepStrictEqual(c.decode(c.encode(big)), big);
});

test('proto3 scalars at their default are not written; optional fields are written when present', () => {
  const S = t.struct('S', { a: t.int32(), s: t.string(), b: t.bytes(), o: t.optional(t.int32()), e: t.enum('E', ['ZERO', 'ONE']) });
  const c = codec(S, 'protobuf');
  assert.equal(hex(c.encode({ a: 0, s: '', b: new Uint8Array(0), e: 'ZERO' })), '');
  assert.equal(hex(c.encode({ a: 0, s: '', b: new Uint8Array(0), o: 0, e: 'ONE' })), '20002801');
  assert.deepStrictEqual(c.decode(new Uint8Array(0)), { a: 0, s: '', b: new Uint8Array(0), e: 'ZERO' });
});

test('repeated scalars are read packed and unpacked, even mixed in one message', () => {
  const S = t.struct('S', { d: t.sequence(t.uint32()) });
  const c = codec(S, 'protobuf');
  assert.deepStrictEqual(c.decode(bytes('0801 0802 0a020304 0805')), { d: [1, 2, 3, 4, 5] });
  const U = t.struct('U', { d: t.field(t.sequence(t.uint32()), { annotations: { protobuf: { packed: false } } }) });
  assert.equal(hex(codec(U, 'protobuf').encode({ d: [1, 2] })), '08010802');
});

test('an enum number the schema does not name is kept as a number and written back', () => {
  const S = t.struct('S', { e: t.enum('E', ['A', 'B']) });
  const c = codec(S, 'protobuf');
  const v = c.decode(bytes('0807'));
  assert.deepStrictEqual(v, { e: 7 });
  assert.equal(hex(c.encode(v)), '0807');
  const N = t.struct('N', { e: t.enum('F', ['NONE', 'FIVE'], { protobuf: { numbers: '0, 5' } }) });
  assert.equal(hex(codec(N, 'protobuf').encode({ e: 'FIVE' })), '0805');
});

test('unknown fields survive a decode/encode round trip, groups included', () => {
  const Wide = t.struct('Wide', { a: t.int32(), b: t.string(), c: t.sequence(t.float64()), d: t.struct('In', { x: t.int64() }) });
  const Narrow = t.struct('Narrow', { a: t.int32() });
  const wide = { a: 5, b: 'kept', c: [1.5, -2], d: { x: -9n } };
  const wb = codec(Wide, 'protobuf').encode(wide);
  const narrow = codec(Narrow, 'protobuf');
  const n = narrow.decode(wb);
  assert.deepStrictEqual(n, { a: 5 });
  assert.ok(unknownFields(n));
  assert.deepStrictEqual(codec(Wide, 'protobuf').decode(narrow.encode(n)), wide);
  // A group (wire types 3/4) the schema does not name is skipped whole and kept.
  const withGroup = bytes('0801 1b 2001 2a0161 1c');
  assert.deepStrictEqual(hex(narrow.encode(narrow.decode(withGroup))), hex(withGroup));
});

test('oneof: inline in the parent message with the protobuf.oneof annotation', () => {
  const Choice = t.union('Choice', t.int32(), { name: t.case([1], t.string(), { number: 4 }), id: t.case([2], t.int32(), { number: 5 }) });
  const S = t.struct('S', { x: t.int32(), pick: t.field(t.optional(Choice), { number: 9, annotations: { protobuf: { oneof: true } } }) });
  const c = codec(S, 'protobuf');
  assert.equal(hex(c.encode({ x: 1, pick: { case: 'id', value: 0 } })), '08012800');
  assert.deepStrictEqual(c.decode(bytes('08012800')), { x: 1, pick: { case: 'id', value: 0 } });
  assert.deepStrictEqual(c.decode(bytes('0801')), { x: 1 });
  // The last case on the wire wins.
  assert.deepStrictEqual(c.decode(bytes('2803 22017a')), { x: 0, pick: { case: 'name', value: 'z' } });
});

function rejects(f: () => unknown, what: RegExp): void {
  assert.throws(f, (err: unknown) => isCourierError(err, 'ERR_DECODE') && what.test(err.message) && typeof err.context.offset === 'number');
}

test('malformed input: typed errors with offset and path', () => {
  const S = t.struct('S', { s: t.string(), n: t.struct('N', { v: t.sequence(t.int32(), 2) }) });
  const c = codec(S, 'protobuf');
  rejects(() => c.decode(bytes('0affffffff0f')), /exceeds the \d+ bytes that remain/);
  rejects(() => c.decode(bytes('0a02ff')), /exceeds/);
  rejects(() => c.decode(bytes('0a01ff')), /UTF-8/);
  rejects(() => c.decode(bytes('08ffffffffffffffffffff01')), /10 bytes/);
  rejects(() => c.decode(bytes('0f')), /wire type 7/);
  rejects(() => c.decode(bytes('00')), /field number 0/);
  rejects(() => c.decode(bytes('1205 0a03010203')), /more than 2 elements/);
  rejects(() => c.decode(bytes('0c')), /without its start/);
  const deep = new Uint8Array(200).fill(0x0b);
  rejects(() => c.decode(deep), /maxDepth|no end/);
});

test('encode errors name the field path', () => {
  const S = t.struct('S', { n: t.struct('N', { v: t.sequence(t.int32()) }) });
  assert.throws(() => codec(S, 'protobuf').encode({ n: { v: [1, 2.5] } }), (e: unknown) => isCourierError(e, 'ERR_ENCODE') && e.context.path === 's.n.v[1]');
  assert.throws(() => codec(t.struct('B', { s: t.string(4) }), 'protobuf').encode({ s: 'hello' }), (e: unknown) => isCourierError(e, 'ERR_ENCODE'));
  assert.throws(() => codec(t.struct('C', { s: t.string() }), 'protobuf', { maxMessageBytes: 16 }).encode({ s: 'x'.repeat(100) }), (e: unknown) => isCourierError(e, 'ERR_ENCODE'));
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
);

test('mutated, truncated and random protobuf input gives only ERR_DECODE', () => {
  fc.assert(
    fc.property(schemaAndValue, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 48 }), ({ schema, value }, ms, noise) => {
      const c = codec(schema, 'protobuf', { maxSequenceLength: 1 << 16 });
      let b = c.encode(value);
      for (const m of ms) {
        const at = b.length === 0 ? 0 : m.at % b.length;
        if (m.kind === 'truncate') b = b.slice(0, at);
        else if (m.kind === 'flip' && b.length > 0) {
          b = b.slice();
          b[at] = m.byte;
        } else b = new Uint8Array([...b.subarray(0, at), m.byte, ...b.subarray(at)]);
      }
      for (const input of [b, noise]) {
        try {
          c.decode(input);
        } catch (err) {
          if (!isCourierError(err, 'ERR_DECODE')) throw err;
          assert.equal(typeof err.context.path, 'string');
          assert.equal(typeof err.context.offset, 'number');
        }
      }
    }),
    { numRuns: 1500 },
  );
});

test('compiled and interpreted encoders give the same bytes, and the same ERR_ENCODE for wrong values', () => {
  const outcome = (f: () => Uint8Array): string => {
    try {
      return hex(f());
    } catch (err) {
      if (!isCourierError(err, 'ERR_ENCODE')) throw err;
      return `${err.message} @ ${String(err.context.path)}`;
    }
  };
  fc.assert(
    fc.property(schemaAndValue, fc.nat(), fc.constantFrom<unknown>(undefined, 'x', 1.5, -1, 0n, null, [], '\u0000', false, new Uint8Array(1)), ({ schema, value }, at, wrong) => {
      const compiled = codec(schema, 'protobuf');
      const interpreted = codec(schema, 'protobuf', { codegen: false });
      assert.equal(outcome(() => compiled.encode(value)), outcome(() => interpreted.encode(value)));
      if (schema.kind === 'struct' && schema.fields.length > 0) {
        const bad: Record<string, unknown> = { ...(value as Record<string, unknown>), [schema.fields[at % schema.fields.length]!.name]: wrong };
        assert.equal(outcome(() => compiled.encode(bad)), outcome(() => interpreted.encode(bad)));
      }
    }),
    { numRuns: 1500 },
  );
});

test('compiled and interpreted decoders agree: same values, and both reject the same mutated input', () => {
  fc.assert(
    fc.property(schemaAndValue, fc.array(mutation, { maxLength: 3 }), ({ schema, value }, ms) => {
      const compiled = codec(schema, 'protobuf');
      const interpreted = codec(schema, 'protobuf', { codegen: false });
      let b = compiled.encode(value);
      for (const m of ms) {
        const at = b.length === 0 ? 0 : m.at % b.length;
        if (m.kind === 'truncate') b = b.slice(0, at);
        else if (m.kind === 'flip' && b.length > 0) {
          b = b.slice();
          b[at] = m.byte;
        } else b = new Uint8Array([...b.subarray(0, at), m.byte, ...b.subarray(at)]);
      }
      const run = (c: typeof compiled): unknown => {
        try {
          return c.decode(b);
        } catch (err) {
          if (!isCourierError(err, 'ERR_DECODE')) throw err;
          return 'ERR_DECODE';
        }
      };
      assert.deepStrictEqual(run(compiled), run(interpreted));
    }),
    { numRuns: 2000 },
  );
});

test('hostile length prefixes and counts allocate nothing they claim', () => {
  const S = t.struct('S', { names: t.sequence(t.string()), blob: t.bytes(), grid: t.sequence(t.sequence(t.float64())), empties: t.sequence(t.struct('E', {})) });
  for (const c of [codec(S, 'protobuf'), codec(S, 'protobuf', { codegen: false })]) {
    const before = process.memoryUsage();
    for (let i = 0; i < 2000; i++) {
      const field = 1 + (i % 4);
      const input = new Uint8Array([(field << 3) | 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]);
      assert.throws(() => c.decode(input), (err: unknown) => isCourierError(err, 'ERR_DECODE') && /exceeds the \d+ bytes that remain/.test(err.message));
    }
    const after = process.memoryUsage();
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    assert.ok(grown < 32 * 1024 * 1024, `memory grew by ${grown} bytes`);
  }
  // Each element costs at least one byte, and maxSequenceLength caps the count whatever the input.
  const many = new Uint8Array(2 * 5000).fill(0).map((_, i) => (i % 2 === 0 ? 0x22 : 0));
  assert.throws(() => codec(S, 'protobuf', { maxSequenceLength: 1000 }).decode(many), (err: unknown) => isCourierError(err, 'ERR_DECODE') && /more than 1000 elements/.test(err.message));
});

test('a message field that occurs twice is merged: scalars replaced, lists appended, nested messages merged', () => {
  const In = t.struct('In', { a: t.int32(), b: t.int32(), xs: t.sequence(t.int32()), deep: t.optional(t.struct('D', { p: t.string(), q: t.string() })) });
  const S = t.struct('S', { m: t.optional(In) });
  // m { a: 1 xs: [1] deep { p: "x" } } then m { b: 2 xs: [2] deep { q: "y" } }
  const input = bytes('0a0a 0801 1a0101 2203 0a0178' + '0a0a 1002 1a0102 2203 120179');
  const want = { m: { a: 1, b: 2, xs: [1, 2], deep: { p: 'x', q: 'y' } } };
  assert.deepStrictEqual(codec(S, 'protobuf').decode(input), want);
  assert.deepStrictEqual(codec(S, 'protobuf', { codegen: false }).decode(input), want);
});
