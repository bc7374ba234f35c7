// Random schemas and random values of a schema, for the property tests. Values use only characters
// every format can carry (no C0 controls but tab/newline/CR, no U+FFFE/U+FFFF, no lone surrogates), so
// one value can be checked in CDR, XML and JSON alike; the format-specific limits have their own tests.
import fc from 'fast-check';
import { t, type Schema } from '../../src/marshal/index.ts';
import type { CaseSpec, Label } from '../../src/marshal/schema.ts';
import { planUnion } from '../../src/marshal/union.ts';

const textChar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\t', '\n', '\r', '&', '<', '>', '"', "'", ']]>') },
  { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x100, max: 0xd7ff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);

/** Text any format can carry, at most `maxBytes` bytes of UTF-8. */
export const text = (maxBytes = 40) => fc.array(textChar, { maxLength: Math.max(0, Math.floor(maxBytes / 4)) }).map((a) => a.join(''));

let counter = 0;
const name = (prefix: string) => `${prefix}${counter++}`;

const leaf: fc.Arbitrary<Schema> = fc.oneof(
  fc.constantFrom(
    t.boolean(), t.octet(), t.int8(), t.int16(), t.int32(), t.int64(), t.uint8(), t.uint16(), t.uint32(), t.uint64(),
    t.float32(), t.float64(), t.char(), t.string(), t.bytes(),
  ),
  fc.integer({ min: 4, max: 40 }).map((n) => t.string(n)),
  fc.integer({ min: 1, max: 8 }).map((n) => t.bytes(n)),
  fc.integer({ min: 1, max: 4 }).map((n) => t.enum(name('E'), Array.from({ length: n }, (_, i) => `v${i}`))),
);

function unionOf(d: Schema, caseTypes: Schema[], withDefault: boolean): Schema {
  const cases: Record<string, CaseSpec> = {};
  const labelsFor = (i: number): Label[] => {
    switch (d.kind) {
      case 'boolean':
        return [i === 0];
      case 'char':
        return [String.fromCharCode(65 + 2 * i), String.fromCharCode(66 + 2 * i)];
      case 'enum':
        return [`v${i}`];
      default:
        return i % 2 === 0 ? [i * 3 + 2] : [i * 3, i * 3 + 1];
    }
  };
  const limit = d.kind === 'boolean' ? 2 : d.kind === 'enum' ? 3 : caseTypes.length;
  caseTypes.slice(0, limit).forEach((type, i) => {
    cases[`c${i}`] = t.case(labelsFor(i), type);
  });
  const usedAll = d.kind === 'boolean' && Object.keys(cases).length === 2;
  if (withDefault && !usedAll) cases.other = t.defaultCase(caseTypes[0]!);
  return t.union(name('U'), d, cases);
}

/** Schemas up to a few levels deep, of every kind. */
export const schemaArb: fc.Arbitrary<Schema> = fc.letrec<{ node: Schema; struct: Schema; list: Schema; union: Schema }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('struct'), tie('list'), tie('union')),
  struct: fc
    .array(fc.record({ type: tie('node'), optional: fc.boolean() }), { maxLength: 4 })
    .map((fs) => t.struct(name('S'), Object.fromEntries(fs.map((f, i) => [`f${i}`, f.optional ? t.optional(f.type) : f.type])))),
  list: fc.oneof(
    fc.record({ element: tie('node'), bound: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }).map(({ element, bound }) => t.sequence(element, bound)),
    fc.record({ element: tie('node'), n: fc.integer({ min: 1, max: 3 }) }).map(({ element, n }) => t.array(element, n)),
  ),
  union: fc
    .record({
      d: fc.constantFrom<Schema>(t.int32(), t.uint8(), t.int16(), t.boolean(), t.char(), t.enum(name('D'), ['v0', 'v1', 'v2', 'v3'])),
      types: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
      withDefault: fc.boolean(),
    })
    .map(({ d, types, withDefault }) => unionOf(d, types, withDefault)),
})).node;

const ints: Record<string, [number, number]> = {
  octet: [0, 255],
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Random values of `s`, shaped exactly as the decoders return them. */
export function valueArb(s: Schema): fc.Arbitrary<unknown> {
  switch (s.kind) {
    case 'boolean':
      return fc.boolean();
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'uint64':
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case 'float32':
      return fc.float();
    case 'float64':
      return fc.double();
    case 'char':
      return fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c));
    case 'string':
      return text(s.maxLength ?? 40);
    case 'bytes':
      return fc.uint8Array({ maxLength: s.maxLength ?? 12 });
    case 'enum':
      return fc.constantFrom(...s.values);
    case 'struct': {
      const parts = s.fields.map((f) =>
        f.type.kind === 'optional' ? fc.option(valueArb(f.type.element), { nil: undefined }) : valueArb(f.type),
      );
      return fc.tuple(...parts).map((vs) => {
        const o: Record<string, unknown> = {};
        s.fields.forEach((f, i) => {
          if (vs[i] !== undefined) o[f.name] = vs[i];
        });
        return o;
      });
    }
    case 'sequence':
      return fc.array(valueArb(s.element), { maxLength: Math.min(s.maxLength ?? 4, 4) });
    case 'array':
      return fc.array(valueArb(s.element), { minLength: s.length, maxLength: s.length });
    case 'optional':
      return fc.option(valueArb(s.element), { nil: undefined });
    case 'union': {
      const plan = planUnion(s);
      const empty = plan.emptyLabel === undefined ? [] : [fc.constant({ case: null, discriminator: plan.emptyLabel })];
      return fc.oneof(
        ...empty,
        ...s.cases.map((c, i) => {
          const report = plan.reportDiscriminator[i];
          const label: fc.Arbitrary<Label | undefined> = !report
            ? fc.constant(undefined)
            : c.isDefault
              ? fc.constant(plan.defaultLabel)
              : fc.constantFrom(...c.labels);
          return fc.tuple(valueArb(c.type), label).map(([value, d]) => (d === undefined ? { case: c.name, value } : { case: c.name, value, discriminator: d }));
        }),
      );
    }
    default:
      return fc.integer({ min: ints[s.kind]![0], max: ints[s.kind]![1] });
  }
}

/** A schema together with one of its values. */
export const schemaAndValue = schemaArb.chain((schema) => valueArb(schema).map((value) => ({ schema, value })));
