// Generated code and its fallback (interpreted CDR, closure-compiled JSON and XML) must agree on every
// value: the same bytes for a valid value, the same ERR_ENCODE (path and message) for an invalid one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, type Format } from '../../src/marshal/index.ts';
import { schemaAndValue } from './arbitraries.ts';

const junk = fc.constantFrom<unknown>(null, undefined, 'x', '', -1, 1.5, 2 ** 53, NaN, -0, 1n, -1n, 2n ** 64n, true, {}, [], [1], new Uint8Array(2), '\u0000', 'ab', { case: 'nope' });

/** Replaces the `n`-th node (depth first) of a value with `replacement`. */
function corrupt(value: unknown, n: number, replacement: unknown): unknown {
  let count = 0;
  const walk = (v: unknown): unknown => {
    if (count++ === n) return replacement;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}

function outcome(f: () => Uint8Array): { bytes?: string; error?: string } {
  try {
    return { bytes: Buffer.from(f()).toString('hex') };
  } catch (err) {
    if (!isCourierError(err, 'ERR_ENCODE')) throw err;
    return { error: `${String(err.context.path)} ${err.message}` };
  }
}

test('generated encoders and their fallbacks agree on valid and corrupted values, in every format', () => {
  fc.assert(
    fc.property(schemaAndValue, fc.nat(), junk, fc.boolean(), ({ schema, value }, n, replacement, broken) => {
      const v = broken ? corrupt(value, n % 12, replacement) : value;
      for (const format of ['cdr', 'cdr-le', 'xml', 'json'] as Format[]) {
        const generated = codec(schema, format);
        const fallback = codec(schema, format, { codegen: false });
        assert.deepEqual(outcome(() => generated.encode(v as never)), outcome(() => fallback.encode(v as never)), format);
      }
    }),
    { numRuns: 800 },
  );
});
