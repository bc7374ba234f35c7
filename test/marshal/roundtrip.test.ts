import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { codec, type Format } from '../../src/marshal/index.ts';
import { schemaAndValue } from './arbitraries.ts';

const formats: Format[] = ['cdr', 'cdr-le', 'xml', 'json'];

test('decode(encode(v)) equals v in every format, for random schemas and values (floats bit-exact)', () => {
  fc.assert(
    fc.property(schemaAndValue, ({ schema, value }) => {
      for (const format of formats) {
        const c = codec(schema, format);
        assert.deepStrictEqual(c.decode(c.encode(value)), value, format);
      }
    }),
    { numRuns: 1500 },
  );
});

test('compiled and interpreted CDR give identical bytes and values, in both byte orders and every framing', () => {
  fc.assert(
    fc.property(schemaAndValue, fc.constantFrom('none', 'corba') , ({ schema, value }, encapsulation) => {
      for (const format of ['cdr', 'cdr-le'] as const) {
        const compiled = codec(schema, format, { encapsulation });
        const interpreted = codec(schema, format, { encapsulation, codegen: false });
        const bytes = compiled.encode(value);
        assert.deepStrictEqual(interpreted.encode(value), bytes);
        assert.deepStrictEqual(interpreted.decode(bytes), value);
        assert.deepStrictEqual(compiled.decode(bytes), value);
      }
    }),
    { numRuns: 1500 },
  );
});

test('a CORBA encapsulation is read in the byte order its flag names, whatever the reader was built for', () => {
  fc.assert(
    fc.property(schemaAndValue, ({ schema, value }) => {
      const be = codec(schema, 'cdr', { encapsulation: 'corba' });
      const le = codec(schema, 'cdr-le', { encapsulation: 'corba' });
      assert.deepStrictEqual(be.decode(le.encode(value)), value);
      assert.deepStrictEqual(le.decode(be.encode(value)), value);
    }),
    { numRuns: 400 },
  );
});
