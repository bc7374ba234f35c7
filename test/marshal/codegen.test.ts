// Generated code and its fallback (interpreted CDR, closure-compiled JSON and XML) must agree on every
// value: the same bytes for a valid value, the same ERR_ENCODE (path and message) for an invalid one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, t, type Format } from '../../src/marshal/index.ts';
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

function decoded(f: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: f() };
  } catch (err) {
    if (!isCourierError(err, 'ERR_DECODE')) throw err;
    return { error: `${String(err.context.path)} ${err.message}` };
  }
}

test('the generated JSON decoder and its fallback agree on valid, corrupted and mutated documents', () => {
  fc.assert(
    fc.property(schemaAndValue, fc.nat(), junk, fc.integer({ min: 0, max: 2 }), ({ schema, value }, n, replacement, how) => {
      const generated = codec(schema, 'json');
      const fallback = codec(schema, 'json', { codegen: false });
      let text = new TextDecoder().decode(generated.encode(value as never));
      if (how === 1) {
        // Swap one JSON value of the document for junk, keeping it well-formed.
        const doc: unknown = JSON.parse(text);
        const junkJson = JSON.stringify(replacement, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? [...x] : x)) ?? 'null';
        text = JSON.stringify(corrupt(doc, n % 12, JSON.parse(junkJson)));
      } else if (how === 2) {
        text = text.slice(0, n % (text.length + 1)) + text.slice((n % (text.length + 1)) + 1);
      }
      const bytes = new TextEncoder().encode(text);
      assert.deepStrictEqual(decoded(() => generated.decode(bytes)), decoded(() => fallback.decode(bytes)), text);
    }),
    { numRuns: 800 },
  );
});

test('compiled and interpreted CDR decoders agree on what they accept', () => {
  fc.assert(
    fc.property(schemaAndValue, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ schema, value }, n, byte) => {
      const bytes = codec(schema, 'cdr').encode(value as never).slice();
      if (bytes.length > 0) bytes[n % bytes.length] = byte;
      const a = decoded(() => codec(schema, 'cdr').decode(bytes));
      const b = decoded(() => codec(schema, 'cdr', { codegen: false }).decode(bytes));
      // Offsets in messages may differ (the compiled code checks a list's bytes at once); outcomes may not.
      assert.deepStrictEqual('value' in a ? a : 'error', 'value' in b ? b : 'error');
    }),
    { numRuns: 800 },
  );
});

test('generated code cannot shadow its own helpers (an empty struct with an unknown key)', () => {
  const c = codec(t.struct('S', {}), 'json');
  assert.throws(() => c.decode(new TextEncoder().encode('{"case":"nope"}')), /struct S has no field "case"/);
});
