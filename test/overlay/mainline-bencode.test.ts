import assert from 'node:assert/strict';
import { test } from 'node:test';
import theirs from 'bencode';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { bdecode, bencode, type BDict, type BValue } from '../../src/overlay/mainline/bencode.ts';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: BValue) => Buffer.from(b as Uint8Array).toString('latin1');

test('BEP 3 vectors decode to the values they name and encode back byte for byte', () => {
  assert.equal(bdecode(enc('i3e')), 3);
  assert.equal(bdecode(enc('i-3e')), -3);
  assert.equal(bdecode(enc('i0e')), 0);
  assert.equal(text(bdecode(enc('4:spam'))), 'spam');
  assert.equal((bdecode(enc('0:')) as Uint8Array).length, 0);
  assert.deepEqual((bdecode(enc('l4:spam4:eggse')) as Uint8Array[]).map(text), ['spam', 'eggs']);
  const d = bdecode(enc('d3:cow3:moo4:spam4:eggse')) as BDict;
  assert.deepEqual([...d.keys()], ['cow', 'spam']);
  assert.equal(text(d.get('cow')!), 'moo');
  assert.equal(bdecode(enc('i9223372036854775807e')), 9223372036854775807n);
  assert.equal(bdecode(enc('i-9007199254740991e')), -9007199254740991);
  for (const s of ['i3e', 'i-3e', '4:spam', 'l4:spam4:eggse', 'd3:cow3:moo4:spam4:eggse', 'd4:spaml1:a1:bee', 'i9223372036854775807e', 'lli1eed0:0:ee']) {
    assert.equal(Buffer.from(bencode(bdecode(enc(s)))).toString('latin1'), s);
  }
  // Keys sort by raw bytes, not by text: 0xff after 'z', and 'B' before 'a'.
  assert.equal(Buffer.from(bencode(new Map<string, BValue>([['\xff', 1], ['a', 2], ['B', 3]]))).toString('latin1'), 'd1:Bi3e1:ai2e1:\xffi1ee');
});

test('malformed input is ERR_DECODE with the offset of the fault', () => {
  const cases: [string, number, RegExp][] = [
    ['i03e', 0, /leading zero/],
    ['i-0e', 0, /negative zero/],
    ['ie', 0, /without digits/],
    ['i1x2e', 2, /non-digit/],
    ['05:hello', 0, /leading zero/],
    ['5:abc', 0, /past the end/],
    ['l4:spam', 7, /unterminated list/],
    ['d1:b0:1:a0:e', 6, /out of order/],
    ['d1:a0:1:a0:e', 6, /duplicate/],
    ['di1e0:e', 1, /not a byte string/],
    ['i1ei2e', 3, /trailing/],
    ['x', 0, /unexpected byte/],
    ['', 0, /end of input/],
  ];
  for (const [input, offset, why] of cases) {
    assert.throws(() => bdecode(enc(input)), (err: unknown) => isCourierError(err, 'ERR_DECODE') && err.context.offset === offset && why.test(err.message), input);
  }
  // Unsorted keys are accepted when asked (deployed clients that do not sort), duplicates never.
  assert.deepEqual([...(bdecode(enc('d1:b0:1:a0:e'), { sortedKeys: false }) as BDict).keys()], ['b', 'a']);
  assert.throws(() => bdecode(enc('d1:a0:1:a0:e'), { sortedKeys: false }), /duplicate/);
});

test('every bound is enforced and named: input size, depth, items, string length, integer digits', () => {
  assert.throws(() => bdecode(new Uint8Array(100), { maxBytes: 99 }), /maxBytes \(99\)/);
  assert.throws(() => bdecode(enc('l'.repeat(17) + 'e'.repeat(17))), /maxDepth \(16\)/);
  assert.doesNotThrow(() => bdecode(enc('l'.repeat(16) + 'e'.repeat(16))));
  assert.throws(() => bdecode(enc('l' + 'i1e'.repeat(11) + 'e'), { maxItems: 10 }), /maxItems \(10\)/);
  assert.throws(() => bdecode(enc('11:hello world'), { maxStringBytes: 10 }), /maxStringBytes \(10\)/);
  assert.throws(() => bdecode(enc(`i${'9'.repeat(65)}e`)), /maxIntegerDigits \(64\)/);
  // A length that claims more than remains is refused before anything is allocated.
  assert.throws(() => bdecode(enc('99999:x')), /past the end|maxStringBytes/);
});

// Values whose dictionary keys are any bytes (latin1 text) and whose integers may be big.
const key = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b).toString('latin1'));
const value: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }).map((b): BValue => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.uniqueArray(fc.tuple(key, tie('v')), { maxLength: 5, selector: (e) => e[0] }).map((entries) => new Map(entries)),
  ),
})).v;

test('property: decode(encode(v)) is v, and encode(decode(b)) is b for every canonical b', () => {
  fc.assert(
    fc.property(value, (v) => {
      const bytes = bencode(v);
      const back = bdecode(bytes);
      assert.deepEqual(normalize(back), normalize(v));
      assert.deepEqual(bencode(back), bytes);
    }),
    { numRuns: 500 },
  );
});

test('the encoding agrees with the `bencode` npm package (what bittorrent-dht speaks) both ways', () => {
  const asciiKey = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'.split('')), maxLength: 8 });
  const plain: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.maxSafeInteger(),
      fc.uint8Array({ maxLength: 30 }),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.uniqueArray(fc.tuple(asciiKey, tie('v')), { maxLength: 4, selector: (e) => e[0] }).map((e) => new Map(e)),
    ),
  })).v;
  fc.assert(
    fc.property(plain, (v) => {
      const ours = bencode(v);
      assert.deepEqual(Buffer.from(theirs.encode(v)), Buffer.from(ours));
      // Their decoder reads our bytes into a value their encoder writes back identically.
      assert.deepEqual(Buffer.from(theirs.encode(theirs.decode(ours))), Buffer.from(ours));
    }),
    { numRuns: 300 },
  );
});

test('fuzz: random and mutated bytes give a value or ERR_DECODE, nothing else; what decodes is canonical', () => {
  const mutated = fc.tuple(value.map(bencode), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(8)).map(([b, edits, cut]) => {
    const out = b.slice(0, Math.max(0, b.length - cut));
    for (const [at, x] of edits) if (out.length > 0) out[at % out.length] = x;
    return out;
  });
  const alphabet = fc.array(fc.constantFrom(...enc('ilde0123456789:-x')), { maxLength: 60 }).map((a) => new Uint8Array(a));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), alphabet, mutated), (bytes) => {
      let v: BValue;
      try {
        v = bdecode(bytes);
      } catch (err) {
        assert.ok(isCourierError(err, 'ERR_DECODE'), String(err));
        assert.equal(typeof (err as { context: { offset?: unknown } }).context.offset, 'number');
        return;
      }
      assert.deepEqual(bencode(v), bytes);
    }),
    { numRuns: 3000 },
  );
});

test('encoding refuses what bencoding cannot say', () => {
  assert.throws(() => bencode(1.5), (err: unknown) => isCourierError(err, 'ERR_ENCODE'));
  assert.throws(() => bencode(new Map([['\u0100', 1]])), (err: unknown) => isCourierError(err, 'ERR_ENCODE'));
  const cycle: BValue[] = [];
  cycle.push(cycle);
  assert.throws(() => bencode(cycle), /deeper than/);
});

function normalize(v: BValue): unknown {
  if (v instanceof Uint8Array) return ['b', Buffer.from(v).toString('hex')];
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) return [...v.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, x]) => [k, normalize(x)]);
  return v;
}
