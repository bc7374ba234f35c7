import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, t, type CodecOptions, type Format } from '../../src/marshal/index.ts';
import { schemaAndValue } from './arbitraries.ts';

/** Decoding must succeed or fail with ERR_DECODE carrying a path; any other exception is a bug. */
function decodesOrRejects(decode: (b: Uint8Array) => unknown, bytes: Uint8Array, format: Format = 'cdr'): void {
  try {
    decode(bytes);
  } catch (err) {
    if (!isCourierError(err, 'ERR_DECODE')) throw err;
    assert.equal(typeof err.context.path, 'string', `ERR_DECODE names the field path: ${err.message}`);
    // A JSON value that parsed but breaks the schema has a path only: JSON.parse keeps no positions.
    const located = typeof err.context.offset === 'number' || typeof err.context.line === 'number';
    assert.ok(located || (format === 'json' && !err.message.startsWith('malformed')), `ERR_DECODE names the offset or line: ${err.message}`);
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, ms: ReadonlyArray<{ kind: string; at: number; byte?: number; bytes?: Uint8Array }>): Uint8Array {
  let b = bytes;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'flip' && b.length > 0) {
      b = b.slice();
      b[at] = m.byte!;
    } else if (m.kind === 'insert') b = new Uint8Array([...b.subarray(0, at), ...m.bytes!, ...b.subarray(at)]);
    else if (m.kind === 'huge' && b.length >= 4) {
      // A length or count prefix near 2^32 must fail at once, without allocating what it claims.
      b = b.slice();
      b.set([0xff, 0xff, 0xff, 0x7f], Math.min(at - (at % 4), b.length - 4));
    }
  }
  return b;
}

const cases: [Format, CodecOptions][] = [
  ['cdr', {}],
  ['cdr-le', { encapsulation: 'corba' }],
  ['cdr', { codegen: false }],
  ['xml', {}],
  ['json', {}],
];

for (const [format, options] of cases) {
  test(`mutated and truncated ${format} ${JSON.stringify(options)} input gives only ERR_DECODE`, () => {
    fc.assert(
      fc.property(schemaAndValue, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ schema, value }, ms) => {
        const c = codec(schema, format, { ...options, maxSequenceLength: 1 << 16 });
        decodesOrRejects((b) => c.decode(b), mutate(c.encode(value), ms), format);
      }),
      { numRuns: 1500 },
    );
  });
}

test('random bytes give only ERR_DECODE in every format', () => {
  fc.assert(
    fc.property(schemaAndValue, fc.uint8Array({ maxLength: 64 }), ({ schema }, bytes) => {
      for (const format of ['cdr', 'cdr-le', 'xml', 'json'] as const) decodesOrRejects((b) => codec(schema, format).decode(b), bytes, format);
    }),
    { numRuns: 600 },
  );
});

test('hostile length prefixes allocate nothing they claim', () => {
  const Nested = t.struct('N', { names: t.sequence(t.string()), blobs: t.sequence(t.bytes()), grid: t.sequence(t.sequence(t.float64())), empties: t.sequence(t.struct('E', {})) });
  const c = codec(Nested, 'cdr');
  const before = process.memoryUsage();
  for (let i = 0; i < 2000; i++) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, i % 2 ? 1 : 0x7fffffff);
    dv.setUint32(4, 0xffffffff - i);
    dv.setUint32(8, 0x40000000 + i);
    dv.setUint32(12, 0xfffffff0);
    decodesOrRejects((x) => c.decode(x), b);
  }
  const after = process.memoryUsage();
  const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  assert.ok(grown < 32 * 1024 * 1024, `memory grew by ${grown} bytes`);
});
