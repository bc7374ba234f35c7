// XCDR1/XCDR2 encapsulations agree with @foxglove/cdr (the CDR library of ROS 2 tooling): it writes the
// same message field by field and its bytes must equal courier's; it reads courier's bytes back to the
// same values. ASCII text only: @foxglove/cdr 3.5 counts a string's UTF-16 units as its byte length,
// so it truncates non-ASCII text (the last test records that divergence).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CdrReader, CdrWriter, EncapsulationKind } from '@foxglove/cdr';
import fc from 'fast-check';
import { codec, t, type Encapsulation, type Infer } from '../../../src/marshal/index.ts';

const Msg = t.struct('Msg', {
  stamp: t.struct('Time', { sec: t.int32(), nanosec: t.uint32() }),
  frame_id: t.string(),
  seq: t.uint64(),
  x: t.float64(),
  ok: t.boolean(),
  small: t.int8(),
  s: t.int16(),
  u: t.uint16(),
  data: t.bytes(),
  values: t.sequence(t.float32()),
  ids: t.sequence(t.int64()),
  name: t.string(),
});
type Msg = Infer<typeof Msg>;

const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 12 });
const msgArb: fc.Arbitrary<Msg> = fc.record({
  stamp: fc.record({ sec: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), nanosec: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }, { noNullPrototype: true }),
  frame_id: ascii,
  seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  x: fc.double(),
  ok: fc.boolean(),
  small: fc.integer({ min: -128, max: 127 }),
  s: fc.integer({ min: -32768, max: 32767 }),
  u: fc.integer({ min: 0, max: 65535 }),
  data: fc.uint8Array({ maxLength: 9 }),
  values: fc.array(fc.float(), { maxLength: 5 }),
  ids: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 4 }),
  name: ascii,
}, { noNullPrototype: true });

function foxgloveWrite(m: Msg, kind: EncapsulationKind): Uint8Array {
  const w = new CdrWriter({ kind });
  w.int32(m.stamp.sec).uint32(m.stamp.nanosec).string(m.frame_id).uint64(m.seq).float64(m.x);
  w.uint8(m.ok ? 1 : 0).int8(m.small).int16(m.s).uint16(m.u);
  w.uint8Array(m.data, true).float32Array(m.values, true).int64Array(m.ids, true).string(m.name);
  return w.data;
}

function foxgloveRead(bytes: Uint8Array): Msg {
  const r = new CdrReader(bytes);
  return {
    stamp: { sec: r.int32(), nanosec: r.uint32() },
    frame_id: r.string(),
    seq: r.uint64(),
    x: r.float64(),
    ok: r.uint8() === 1,
    small: r.int8(),
    s: r.int16(),
    u: r.uint16(),
    data: new Uint8Array(r.uint8Array()),
    values: [...r.float32Array()],
    ids: [...r.int64Array()],
    name: r.string(),
  };
}

const kinds: [Encapsulation, 'cdr' | 'cdr-le', EncapsulationKind][] = [
  ['xcdr1', 'cdr', EncapsulationKind.CDR_BE],
  ['xcdr1', 'cdr-le', EncapsulationKind.CDR_LE],
  ['xcdr2', 'cdr', EncapsulationKind.RTPS_CDR2_BE],
  ['xcdr2', 'cdr-le', EncapsulationKind.RTPS_CDR2_LE],
];

for (const [encapsulation, format, kind] of kinds) {
  test(`${encapsulation} ${format === 'cdr' ? 'big' : 'little'}-endian: courier's bytes equal @foxglove/cdr's, each reads the other's`, () => {
    const c = codec(Msg, format, { encapsulation });
    fc.assert(
      fc.property(msgArb, (m) => {
        const theirs = foxgloveWrite(m, kind);
        const ours = c.encode(m);
        assert.deepStrictEqual(ours, theirs);
        assert.deepStrictEqual(c.decode(theirs), m);
        assert.deepStrictEqual(foxgloveRead(ours), m);
      }),
      { numRuns: 200 },
    );
  });
}

test('optional members in XCDR2 use the one-octet presence flag @foxglove/cdr writes', () => {
  const O = t.struct('O', { a: t.optional(t.int32()), b: t.optional(t.string()) });
  const c = codec(O, 'cdr-le', { encapsulation: 'xcdr2' });
  const w = new CdrWriter({ kind: EncapsulationKind.RTPS_CDR2_LE });
  w.presentFlag(true).int32(5).presentFlag(false);
  assert.deepStrictEqual(c.encode({ a: 5 }), w.data);
});

test('non-ASCII text: courier writes UTF-8 lengths; @foxglove/cdr 3.5 writes UTF-16 lengths and truncates', (t) => {
  const c = codec(t_string, 'cdr-le', { encapsulation: 'xcdr1' });
  const ours = c.encode('héllo→');
  const w = new CdrWriter({ kind: EncapsulationKind.CDR_LE });
  w.string('héllo→');
  assert.equal(new DataView(ours.buffer, ours.byteOffset).getUint32(4, true), 10); // 9 UTF-8 bytes + NUL
  assert.equal(c.decode(ours), 'héllo→');
  t.diagnostic(`@foxglove/cdr wrote length ${new DataView(w.data.buffer).getUint32(4, true)} for the same text (UTF-16 units + 1)`);
});
const t_string = t.string();
