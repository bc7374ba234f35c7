// Protocol Buffers bytes agree with protoc: `protoc --encode` output of a text message that sets every
// field type decodes in courier to the expected value, byte-identically re-encoded; and courier's
// encodings of random values `protoc --decode` and `--encode` back to the same bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { codec, loadProtoFile, t, type Infer, type Schema } from '../../../src/marshal/index.ts';
import { valueArb } from '../../marshal/arbitraries.ts';

const here = dirname(fileURLToPath(import.meta.url));
const protoDir = join(here, 'proto');
const hasProtoc = spawnSync('sh', ['-c', 'command -v protoc']).status === 0;
const type = 'courier.interop.Everything';

function protoc(mode: '--encode' | '--decode', input: Uint8Array | string, message = type, file = 'everything.proto'): Buffer {
  const r = spawnSync('protoc', [`-I${protoDir}`, `${mode}=${message}`, file], { input, maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, `protoc ${mode} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

const pb = (type: string) => ({ annotations: { protobuf: { type } } });
const Color = t.enum('Color', ['COLOR_UNSPECIFIED', 'RED', 'BLUE'], { protobuf: { numbers: '0,1,5' } });
const Inner = t.struct('Inner', { id: t.int64(), label: t.string() });
const Choice = t.union('Choice', t.int32(), {
  name: t.case([1], t.string(), { number: 23 }),
  number: t.case([2], t.int32(), { number: 24 }),
  nested: t.case([3], Inner, { number: 25 }),
});
/** The courier schema of everything.proto's Everything, field by field. */
const Everything = t.struct('Everything', {
  i32: t.int32(),
  i64: t.int64(),
  u32: t.uint32(),
  u64: t.uint64(),
  s32: t.field(t.int32(), pb('sint32')),
  s64: t.field(t.int64(), pb('sint64')),
  f32: t.field(t.uint32(), pb('fixed32')),
  f64: t.field(t.uint64(), pb('fixed64')),
  sf32: t.field(t.int32(), pb('sfixed32')),
  sf64: t.field(t.int64(), pb('sfixed64')),
  flag: t.boolean(),
  fl: t.float32(),
  db: t.float64(),
  text: t.string(),
  data: t.bytes(),
  color: Color,
  inner: t.optional(Inner),
  ints: t.sequence(t.int32()),
  names: t.sequence(t.string()),
  inners: t.sequence(Inner),
  doubles: t.sequence(t.float64()),
  maybe: t.optional(t.int32()),
  choice: t.field(t.optional(Choice), { number: 23, annotations: { protobuf: { oneof: true } } }),
  counts: t.field(t.sequence(t.struct('CountsEntry', { key: t.string(), value: t.int32() }, { protobuf: { mapEntry: true } })), { number: 26 }),
  colors: t.sequence(Color),
  zigs: t.field(t.sequence(t.int64()), pb('sint64')),
  fixes: t.field(t.sequence(t.uint32()), pb('fixed32')),
  flags: t.sequence(t.boolean()),
  note: t.optional(t.string()),
});

const expected: Infer<typeof Everything> = {
  i32: -150, i64: -9000000000n, u32: 4294967295, u64: 18446744073709551615n, s32: -2, s64: -(2n ** 63n),
  f32: 305419896, f64: 1311768467463790320n, sf32: -1, sf64: -2n, flag: true, fl: 1.5, db: -0.125,
  text: 'héllo wörld 𝄞', data: new Uint8Array([0, 1, 255]), color: 'BLUE', inner: { id: 7n, label: 'in' },
  ints: [1, -1, 300], names: ['a', '', 'ccc'], inners: [{ id: 1n, label: '' }, { id: 0n, label: 'two' }],
  doubles: [0, -0, 1e300], maybe: 0, choice: { case: 'nested', value: { id: -3n, label: '' } },
  counts: [{ key: 'k', value: 9 }], colors: ['RED', 'COLOR_UNSPECIFIED', 'BLUE'], zigs: [-1n, 1n, 2n ** 63n - 1n],
  fixes: [0, 4294967295], flags: [true, false],
};

test('protoc agrees with courier on every proto3 field type', async (t) => {
  if (!hasProtoc) {
    t.skip('protoc not installed (Debian: protobuf-compiler): protobuf interop not checked');
    return;
  }
  const schemas: [string, Schema][] = [
    ['schema built with t', Everything],
    ['schema imported from everything.proto', loadProtoFile(join(protoDir, 'everything.proto')).type('courier.interop.Everything')],
  ];
  for (const [label, schema] of schemas) {
    const c = codec(schema, 'protobuf');

    await t.test(`${label}: protoc --encode output decodes to the expected value, and courier writes the same bytes`, () => {
      const bytes = protoc('--encode', readFileSync(join(protoDir, 'everything.txt')));
      assert.deepStrictEqual(c.decode(bytes), expected);
      assert.deepStrictEqual(Buffer.from(c.encode(expected)).toString('hex'), bytes.toString('hex'));
    });

    await t.test(`${label}: courier encodings of random values: protoc reads them and writes the same bytes back`, () => {
      // A map of several entries has no fixed order in protoc's output; one entry keeps bytes comparable.
      const values = fc.sample(valueArb(schema).filter((v) => (v as { counts: unknown[] }).counts.length <= 1), { numRuns: 40, seed: 6 });
      for (const v of values) {
        // valueArb yields values of the schema's shape, typed unknown.
        const ours = c.encode(v as never);
        const text = protoc('--decode', ours);
        const theirs = protoc('--encode', text);
        assert.equal(Buffer.from(ours).toString('hex'), theirs.toString('hex'), `text form:\n${text.toString()}`);
        assert.deepStrictEqual(c.decode(theirs), c.decode(ours));
      }
    });
  }
});

test('protoc agrees with courier on a proto2 file that imports a proto3 one', (t) => {
  if (!hasProtoc) {
    t.skip('protoc not installed (Debian: protobuf-compiler): protobuf interop not checked');
    return;
  }
  const schema = loadProtoFile(join(protoDir, 'legacy.proto')).type('courier.legacy.Legacy');
  const c = codec(schema, 'protobuf');
  const values = fc.sample(valueArb(schema).filter((v) => (v as { labels: unknown[] }).labels.length <= 1), { numRuns: 40, seed: 2 });
  for (const v of values) {
    // valueArb yields values of the schema's shape, typed unknown.
    const ours = c.encode(v as never);
    const text = protoc('--decode', ours, 'courier.legacy.Legacy', 'legacy.proto');
    const theirs = protoc('--encode', text, 'courier.legacy.Legacy', 'legacy.proto');
    assert.equal(Buffer.from(ours).toString('hex'), theirs.toString('hex'), `text form:\n${text.toString()}`);
    assert.deepStrictEqual(c.decode(theirs), v);
  }
});
