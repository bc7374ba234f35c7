import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { codec, t, type CodecOptions, type Format, type Schema } from '../../src/marshal/index.ts';

const Address = t.struct('Address', { street: t.string(), zip: t.string(8) });
const Person = t.struct('Person', { name: t.string(), year: t.int32(), address: t.sequence(Address), tags: t.array(t.uint8(), 2) });
const good = {
  name: 'Ada',
  year: 1815,
  address: [
    { street: 'a', zip: '1' },
    { street: 'b', zip: '2' },
    { street: 'c', zip: '3' },
  ],
  tags: [1, 2],
};

const variants: [Format, CodecOptions][] = [
  ['cdr', {}],
  ['cdr', { codegen: false }],
  ['cdr-le', {}],
  ['xml', {}],
  ['json', {}],
];

function failsAt(format: Format, options: CodecOptions, value: unknown, path: string, message: RegExp): void {
  const c = codec(Person, format, options);
  assert.throws(
    () => c.encode(value as typeof good),
    (err: unknown) => {
      assert.ok(isCourierError(err, 'ERR_ENCODE'), `expected ERR_ENCODE, got ${String(err)}`);
      assert.equal(err.context.path, path);
      assert.match(err.message, message);
      return true;
    },
  );
}

for (const [format, options] of variants) {
  const label = `${format}${options.codegen === false ? ' (interpreted)' : ''}`;

  test(`${label}: an over-long string deep in a list names its path, person.address[2].zip`, () => {
    const value = structuredClone(good);
    value.address[2]!.zip = '123456789';
    failsAt(format, options, value, 'person.address[2].zip', /longer than its bound/);
  });

  test(`${label}: a wrong type and an out-of-range integer are refused with their paths`, () => {
    failsAt(format, options, { ...good, year: '1815' }, 'person.year', /expected an int32.*got "1815"/);
    failsAt(format, options, { ...good, year: 2 ** 31 }, 'person.year', /expected an int32/);
    failsAt(format, options, { ...good, year: 1.5 }, 'person.year', /got 1.5/);
    failsAt(format, options, { ...good, tags: [1, 256] }, 'person.tags[1]', /expected a uint8/);
    failsAt(format, options, { ...good, tags: [1] }, 'person.tags', /exactly 2/);
    failsAt(format, options, { ...good, address: null }, 'person.address', /expected an array/);
    failsAt(format, options, { ...good, name: undefined }, 'person.name', /expected a string/);
    failsAt(format, options, null, 'person', /expected an object for struct Person/);
  });
}

test('every integer kind checks its range; 64-bit kinds want bigint', () => {
  const cases: [Schema, unknown][] = [
    [t.int8(), 128],
    [t.int16(), -32769],
    [t.uint16(), -1],
    [t.uint32(), 2 ** 32],
    [t.octet(), 256],
    [t.int64(), 1],
    [t.int64(), 2n ** 63n],
    [t.uint64(), -1n],
    [t.float32(), 1e39],
    [t.char(), 'ab'],
    [t.char(), 'Ā'],
    [t.boolean(), 0],
  ];
  for (const [schema, value] of cases) {
    for (const format of ['cdr', 'xml', 'json'] as const) {
      assert.throws(() => codec(schema, format).encode(value as never), (e: unknown) => isCourierError(e, 'ERR_ENCODE'), `${schema.kind} ${String(value)} ${format}`);
    }
  }
});

test('text a format cannot carry is refused on encode, not silently altered', () => {
  assert.throws(() => codec(t.string(), 'cdr').encode('a\u0000b'), /U\+0000/);
  assert.throws(() => codec(t.string(), 'cdr').encode('\ud800'), /unpaired UTF-16 surrogate/);
  assert.throws(() => codec(t.string(), 'xml').encode('a\u0001b'), /U\+0001, which XML 1.0 cannot carry/);
  assert.equal(new TextDecoder().decode(codec(t.string(), 'json').encode('a\u0000b')), '"a\\u0000b"');
});

test('union values must name a case and, if given, a discriminator of that case', () => {
  const U = t.union('U', t.int32(), { a: t.case([1], t.string()), b: t.case([2, 3], t.int32()) });
  for (const format of ['cdr', 'xml', 'json'] as const) {
    const c = codec(U, format);
    assert.throws(() => c.encode({ case: 'z' } as never), /has no case "z"/);
    assert.throws(() => c.encode({ case: 'b', value: 1, discriminator: 1 } as never), /does not select case b/);
    assert.throws(() => c.encode({ case: 'a', value: 7 } as never), (e: unknown) => isCourierError(e, 'ERR_ENCODE') && e.context.path === 'u.a');
  }
});
