import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { codec, t, MARSHAL_DEFAULTS, type CodecOptions } from '../../src/marshal/index.ts';

const Person = t.struct('Person', { name: t.string(), place: t.string(), year: t.int32() });
const smith = { name: 'Smith', place: 'London', year: 1984 };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function rejects(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (err: unknown) => isCourierError(err, 'ERR_DECODE') && pattern.test(err.message));
}

for (const codegen of [true, false]) {
  const opts: CodecOptions = { codegen };
  const label = codegen ? 'compiled' : 'interpreted';

  test(`${label}: the textbook Person in big-endian CDR counts each string's NUL and pads to 4`, () => {
    const c = codec(Person, 'cdr', opts);
    assert.equal(hex(c.encode(smith)), '00000006' + '536d69746800' + '0000' + '00000007' + '4c6f6e646f6e00' + '00' + '000007c0');
    assert.deepEqual(c.decode(c.encode(smith)), smith);
  });

  test(`${label}: little-endian CDR swaps every multi-byte value and keeps the layout`, () => {
    const c = codec(Person, 'cdr-le', opts);
    assert.equal(hex(c.encode(smith)), '06000000' + '536d69746800' + '0000' + '07000000' + '4c6f6e646f6e00' + '00' + 'c0070000');
  });

  test(`${label}: a CORBA encapsulation aligns from its byte-order octet`, () => {
    const s = t.struct('P', { o: t.octet(), d: t.float64() });
    const be = codec(s, 'cdr', { ...opts, encapsulation: 'corba' });
    // flag at 0, octet at 1, double aligned to 8 from the flag.
    assert.equal(hex(be.encode({ o: 7, d: 1 })), '00' + '07' + '000000000000' + '3ff0000000000000');
    const le = codec(s, 'cdr-le', { ...opts, encapsulation: 'corba' });
    assert.equal(hex(le.encode({ o: 7, d: 1 })), '01' + '07' + '000000000000' + '000000000000f03f');
    assert.deepEqual(be.decode(le.encode({ o: 7, d: 1 })), { o: 7, d: 1 });
    rejects(() => be.decode(bytes('02 07 000000000000 3ff0000000000000')), /byte-order octet is 2/);
  });

  test(`${label}: XCDR1 aligns 64-bit values to 8 and XCDR2 to 4, both from the end of the 4-byte header`, () => {
    const s = t.struct('P', { o: t.octet(), n: t.int64() });
    assert.equal(hex(codec(s, 'cdr-le', { ...opts, encapsulation: 'xcdr1' }).encode({ o: 1, n: 2n })), '00010000' + '01' + '00000000000000' + '0200000000000000');
    assert.equal(hex(codec(s, 'cdr', { ...opts, encapsulation: 'xcdr2' }).encode({ o: 1, n: 2n })), '00060000' + '01' + '000000' + '0000000000000002');
    // The reader honours the header it finds, not the one it writes.
    const x1 = codec(s, 'cdr', { ...opts, encapsulation: 'xcdr1' });
    assert.deepEqual(x1.decode(bytes('00070000 01 000000 0200000000000000')), { o: 1, n: 2n });
    rejects(() => x1.decode(bytes('00030000 01')), /not plain CDR/);
    rejects(() => x1.decode(bytes('0001')), /shorter than the 4-byte XCDR header/);
  });

  test(`${label}: a string length larger than the input fails at once, naming offset and path`, () => {
    const c = codec(Person, 'cdr', opts);
    assert.throws(
      () => c.decode(bytes('7fffffff 41')),
      (err: unknown) => isCourierError(err, 'ERR_DECODE') && err.context.offset === 0 && err.context.path === 'person.name' && /exceeds the 1 bytes left/.test(err.message),
    );
  });

  test(`${label}: a hostile sequence count fails before anything is allocated`, () => {
    const c = codec(t.sequence(t.float64()), 'cdr', opts);
    rejects(() => c.decode(bytes('ffffffff 00000000')), /needs at least 34359738360 bytes, 4 left/);
    const empty = codec(t.sequence(t.struct('Empty', {})), 'cdr', { ...opts, maxSequenceLength: 1000 });
    rejects(() => empty.decode(bytes('ffffffff')), /exceeds maxSequenceLength \(1000\)/);
  });

  test(`${label}: malformed CDR is refused with ERR_DECODE`, () => {
    const c = codec(Person, 'cdr', opts);
    rejects(() => c.decode(bytes('00000006 536d69746841 0000 00000007 4c6f6e646f6e00 00 000007c0')), /does not end with NUL/);
    rejects(() => c.decode(bytes('00000000')), /string length 0/);
    rejects(() => c.decode(bytes('00000006 536d69746800 0000 00000007 4c6f6e646f6e00 00 000007')), /truncated/);
    rejects(() => c.decode(bytes('00000006 536d69746800 0000 00000007 4c6f6e646f6e00 00 000007c0 00')), /1 unexpected bytes/);
    rejects(() => c.decode(bytes('00000003 ff fe 00')), /not valid UTF-8/);
    rejects(() => codec(t.boolean(), 'cdr', opts).decode(bytes('02')), /boolean octet is 2/);
    rejects(() => codec(t.enum('E', ['a', 'b']), 'cdr', opts).decode(bytes('00000002')), /no ordinal 2/);
    const u = t.union('U', t.int32(), { a: t.case([1], t.octet()) });
    rejects(() => codec(u, 'cdr', opts).decode(bytes('00000002 00')), /1 unexpected bytes/);
    assert.deepEqual(codec(u, 'cdr', opts).decode(bytes('00000002')), { case: null, discriminator: 2 });
    rejects(() => codec(t.string(3), 'cdr', opts).decode(bytes('00000005 61626364 00')), /exceeds its bound of 3/);
  });

  test(`${label}: maxMessageBytes bounds both directions`, () => {
    const c = codec(t.bytes(), 'cdr', { ...opts, maxMessageBytes: 16 });
    assert.throws(() => c.encode(new Uint8Array(20)), (e: unknown) => isCourierError(e, 'ERR_ENCODE') && e.context.limit === 16);
    rejects(() => c.decode(new Uint8Array(17)), /exceeds maxMessageBytes/);
  });
}

test('unions encode the discriminator before the member; a several-label case reports its label', () => {
  const u = t.union('U', t.int16(), { a: t.case([1, 2], t.int32()), b: t.defaultCase(t.string()) });
  const c = codec(u, 'cdr');
  assert.equal(hex(c.encode({ case: 'a', value: 5 })), '0001' + '0000' + '00000005');
  assert.equal(hex(c.encode({ case: 'a', value: 5, discriminator: 2 })), '0002' + '0000' + '00000005');
  assert.deepEqual(c.decode(bytes('0002 0000 00000005')), { case: 'a', value: 5, discriminator: 2 });
  assert.deepEqual(c.decode(bytes('0009 0000 00000002 6800')), { case: 'b', value: 'h', discriminator: 9 });
  assert.throws(() => c.encode({ case: 'b', value: 'x', discriminator: 1 }), /does not select case b/);
});

test('optional fields carry a presence octet (the XCDR2 convention); XCDR1 refuses them', () => {
  const s = t.struct('O', { a: t.optional(t.int32()) });
  assert.equal(hex(codec(s, 'cdr').encode({})), '00');
  assert.equal(hex(codec(s, 'cdr').encode({ a: 1 })), '01' + '000000' + '00000001');
  assert.throws(() => codec(s, 'cdr', { encapsulation: 'xcdr1' }), (e: unknown) => isCourierError(e, 'ERR_SCHEMA'));
  assert.throws(() => codec(t.sequence(t.string()), 'cdr', { encapsulation: 'xcdr2' }), (e: unknown) => isCourierError(e, 'ERR_SCHEMA'));
});

test('defaults are one frozen, exported object', () => {
  assert.ok(Object.isFrozen(MARSHAL_DEFAULTS));
  assert.equal(MARSHAL_DEFAULTS.maxMessageBytes, 64 * 1024 * 1024);
  assert.throws(() => codec(t.int32(), 'cdr', { maxDepth: 0 }), (e: unknown) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  let deep: ReturnType<typeof t.int32> | ReturnType<typeof t.sequence> = t.int32();
  for (let i = 0; i < 70; i++) deep = t.sequence(deep);
  assert.throws(() => codec(deep, 'cdr'), (e: unknown) => isCourierError(e, 'ERR_SCHEMA') && /maxDepth/.test(e.message));
});

test('a getter that encodes during encode gets its own buffer', () => {
  const c = codec(t.struct('R', { a: t.string(), b: t.string() }), 'cdr');
  const inner = { a: 'x', b: 'y' };
  const outer = {
    a: 'first',
    get b() {
      return hex(c.encode(inner));
    },
  };
  const decoded = c.decode(c.encode(outer));
  assert.equal(decoded.a, 'first');
  assert.equal(decoded.b, hex(c.encode(inner)));
});

test('a union without a default case may hold no member (CORBA implicit default), in every format', () => {
  const U = t.union('U', t.int32(), { a: t.case([1], t.string()), b: t.case([2, 3], t.int32()) });
  const empty = { case: null, discriminator: 7 } as const;
  assert.equal(hex(codec(U, 'cdr').encode(empty)), '00000007');
  assert.equal(hex(codec(U, 'cdr').encode({ case: null })), '00000000', 'the first free value when none is given');
  assert.equal(new TextDecoder().decode(codec(U, 'json').encode(empty)), '{"case":null,"discriminator":7}');
  assert.equal(new TextDecoder().decode(codec(U, 'xml').encode(empty)), '<U xmlns="urn:courier-ipc:marshal"><discriminator>7</discriminator></U>');
  for (const format of ['cdr', 'cdr-le', 'xml', 'json'] as const) {
    const c = codec(U, format);
    assert.deepStrictEqual(c.decode(c.encode(empty)), empty);
    assert.throws(() => c.encode({ case: null, discriminator: 2 }), /selects a case/);
  }
  const withDefault = t.union('D', t.boolean(), { a: t.case([true], t.int32()), d: t.defaultCase(t.int32()) });
  assert.throws(() => codec(withDefault, 'cdr').encode({ case: null } as never), /has a default case/);
  const full = t.union('F', t.boolean(), { a: t.case([true], t.int32()), b: t.case([false], t.int32()) });
  assert.throws(() => codec(full, 'json').encode({ case: null } as never), /names every discriminator value/);
});

test('a huge message does not pin its buffer: later messages encode the same', () => {
  const c = codec(t.bytes(), 'cdr');
  const big = new Uint8Array(3 << 20).fill(7);
  assert.equal(c.encode(big).length, 4 + (3 << 20));
  assert.equal(hex(c.encode(new Uint8Array([1, 2]))), '0000000201' + '02');
  assert.deepEqual(c.decode(c.encode(big)), big);
});
