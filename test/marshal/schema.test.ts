import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { codec, parseIdl, t, type Infer, type Schema } from '../../src/marshal/index.ts';

const schemaError = (e: unknown) => isCourierError(e, 'ERR_SCHEMA');

test('the builder infers value types and numbers fields in order unless told', () => {
  const P = t.struct('P', { a: t.string(), b: t.field(t.optional(t.int64()), { number: 7, annotations: { java: { className: 'x.P' } } }), c: t.bytes() });
  const v: Infer<typeof P> = { a: 'x', c: new Uint8Array() };
  assert.deepEqual(
    P.fields.map((f) => [f.name, f.number]),
    [
      ['a', 1],
      ['b', 7],
      ['c', 8],
    ],
  );
  assert.deepEqual(P.fields[1]!.annotations, { java: { className: 'x.P' } });
  assert.ok(Object.isFrozen(P) && Object.isFrozen(P.fields));
  assert.deepEqual(JSON.parse(JSON.stringify(P)), P, 'a schema is plain data');
  assert.deepEqual(codec(P, 'json').decode(codec(P, 'json').encode(v)), v);
});

test('the builder refuses ill-formed schemas with ERR_SCHEMA', () => {
  assert.throws(() => t.struct('P', { a: t.field(t.int32(), { number: 2 }), b: t.field(t.int32(), { number: 2 }) }), schemaError);
  assert.throws(() => t.struct('bad name', {}), schemaError);
  assert.throws(() => t.enum('E', []), schemaError);
  assert.throws(() => t.enum('E', ['a', 'a']), schemaError);
  assert.throws(() => t.sequence(t.optional(t.int32())), schemaError);
  assert.throws(() => t.string(0), schemaError);
  assert.throws(() => t.array(t.int32(), 1.5), schemaError);
  assert.throws(() => t.union('U', t.float64(), { a: t.case([1], t.int32()) }), schemaError);
  assert.throws(() => t.union('U', t.int8(), { a: t.case([300], t.int32()) }), schemaError);
  assert.throws(() => t.union('U', t.boolean(), { a: t.case([true], t.int32()), b: t.case([true], t.int32()) }), schemaError);
  assert.throws(() => t.union('U', t.boolean(), { a: t.case([true, false], t.int32()), d: t.defaultCase(t.int32()) }), /default case can never be chosen/);
});

test('hand-built trees are checked before compiling, so no name or number can reach generated code', () => {
  const hostile: Schema[] = [
    { kind: 'struct', name: 'P', fields: [{ name: 'a; throw 1', number: 1, type: { kind: 'int32' } }] },
    { kind: 'struct', name: 'P', fields: [{ name: '__proto__', number: 1, type: { kind: 'int32' } }] },
    { kind: 'sequence', element: { kind: 'int32' }, maxLength: '1; throw 1' as unknown as number },
    { kind: 'array', element: { kind: 'int32' }, length: -1 },
    { kind: 'enum', name: 'E', values: ['a"b'] },
    { kind: 'union', name: 'U', discriminator: { kind: 'string' }, cases: [{ name: 'a', number: 1, labels: ['x'], isDefault: false, type: { kind: 'int32' } }] },
    { kind: 'optional', element: { kind: 'int32' } },
    { kind: 'nonsense' } as unknown as Schema,
  ];
  for (const s of hostile) for (const format of ['cdr', 'xml', 'json'] as const) assert.throws(() => codec(s, format), schemaError, JSON.stringify(s));
  // In IDL the leading underscore escapes the name, so `__proto__` declares a member named `_proto__`.
  assert.deepEqual((parseIdl('struct S { long __proto__; };').type('S') as Schema & { kind: 'struct' }).fields.map((f) => f.name), ['_proto__']);
});

test('examples/marshal-person.ts runs', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/marshal-person.ts'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cdr\s+28 bytes\s+00000006536d697468000000000000074c6f6e646f6e0000000007c0/);
  assert.match(r.stdout, /ERR_ENCODE at person.year/);
});
