// formatJavaStream: the schema-less drawn tree of a Java serialization stream behind
// `courier inspect --format java`, on hand-built, courier-written and (in java-jdk.test.ts) JDK-written
// streams, and on hostile ones: bounded output, the allowlist, and only ERR_DECODE for malformed input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { codec, formatJavaStream, javaTypeName, t } from '../../src/marshal/index.ts';
import { mutate, mutations, onlyDecodeErrors, pointStream as stream, utf } from './java-streams.ts';


test('a stream is drawn as a tree: class descriptor with its serialVersionUID and flags, typed fields, a back-reference', () => {
  assert.equal(
    formatJavaStream(stream),
    [
      'Java serialization stream, version 5, 65 bytes, 2 items',
      '├─ [0] P @7e0002',
      '│  ├─ class P @7e0000: serialVersionUID 1, serializable, 2 fields',
      '│  ├─ int x = 7',
      '│  └─ java.lang.String n = "hi"',
      '└─ [1] → @7e0002 (P)',
    ].join('\n'),
  );
});

test('JVM type descriptors read as Java types', () => {
  assert.equal(javaTypeName('[[I'), 'int[][]');
  assert.equal(javaTypeName('Ljava/lang/String;'), 'java.lang.String');
  assert.equal(javaTypeName('[Ljava.lang.Integer;'), 'java.lang.Integer[]');
  assert.equal(javaTypeName('J'), 'long');
});

const java = (o: Record<string, string | boolean>) => ({ annotations: { java: o } });
const Base = t.struct('Base', { id: t.int32() }, { java: { className: 'x.Base', serialVersionUID: '7' } });
const Big = t.struct('Big', {
  up: t.field(Base, java({ superclass: true })),
  ints: t.sequence(t.int32()), raw: t.bytes(), text: t.string(), names: t.sequence(t.string()), when: t.optional(t.int64()),
  list: t.field(t.sequence(t.int32()), java({ collection: 'java.util.ArrayList' })), color: t.enum('Color', ['RED', 'GREEN'], { java: { className: 'x.Color' } }),
}, { java: { className: 'x.Big', serialVersionUID: '8' } });
const big = {
  up: { id: 42 }, ints: Array.from({ length: 100 }, (_, i) => i), raw: new Uint8Array(100).fill(0xab), text: 'é'.repeat(1000),
  names: Array.from({ length: 30 }, (_, i) => `n${i}`), when: -5n, list: [1, 1000, 1], color: 'GREEN' as const,
};

test('superclass groups, abbreviated arrays, strings and block data, boxes on one line, shared boxes as references', () => {
  // Handles count in stream order: the descriptor, the field type names, the superclass descriptor, …
  const text = formatJavaStream(codec(Big, 'java').encode(big), { maxElements: 4, maxHexBytes: 4, maxStringChars: 5 });
  const has = (line: string) => assert.ok(text.split('\n').some((l) => l.endsWith(line)), `a line ending ${JSON.stringify(line)} in\n${text}`);
  has('class x.Big @7e0000: serialVersionUID 8, serializable, 7 fields');
  has('extends x.Base @7e0008: serialVersionUID 7, serializable, 1 field');
  has('x.Base:');
  has('int id = 42');
  has('int[] ints = int[100] @7e000f = [0, 1, 2, 3, … (96 more)]');
  has('byte[] raw = byte[100] @7e0037 = ab ab ab ab … (100 bytes)');
  has('java.lang.String text = "ééééé"… (1000 chars)');
  has('… (26 more)');
  has('java.lang.Long when = java.lang.Long @7e003a = -5');
  has('block data, 4 bytes: 00 00 00 03');
  has('java.lang.Integer @7e0014 = 1');
  has('→ @7e0014 (java.lang.Integer)');
  has('x.Color color = enum x.Color.GREEN @7e000c');
});

test('output is bounded by maxLines however large the stream; the allowlist and read bounds apply', () => {
  // An Object[] of 100,000 nulls: 100,000 elements, but at most maxElements lines.
  const arr = [0xac, 0xed, 0, 5, 0x75, 0x72, ...utf('[Ljava.lang.Object;'), 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0, 0, 0x78, 0x70, 0, 1, 0x86, 0xa0];
  const nulls = new Uint8Array([...arr, ...new Uint8Array(100_000).fill(0x70)]);
  assert.equal(formatJavaStream(nulls).split('\n').length, 2 + 1 + 16 + 1);
  // 5,000 top-level strings: the output stops at maxLines and says so.
  const many = new Uint8Array([0xac, 0xed, 0, 5, ...Array.from({ length: 5000 }, () => [0x74, ...utf('s')]).flat()]);
  const lines = formatJavaStream(many, { maxLines: 100 }).split('\n');
  assert.ok(lines.length <= 102, `${lines.length} lines`);
  assert.match(lines.at(-1)!, /output stopped at maxLines \(100\), 100 of 5000 top-level items shown/);
  const refused = (bytes: Uint8Array, options: object, what: RegExp) =>
    assert.throws(() => formatJavaStream(bytes, options), (err: unknown) => isCourierError(err, 'ERR_DECODE') && what.test(err.message));
  refused(stream, { allowClass: (n: string) => n.startsWith('java.') }, /class P is not on the allowlist/);
  refused(stream, { maxBytes: 64 }, /exceeds maxBytes/);
  refused(many, { maxHandles: 10 }, /maxHandles/);
});

test('mutated streams give a bounded tree or ERR_DECODE, nothing else', () => {
  const sample = codec(Big, 'java').encode(big);
  fc.assert(
    fc.property(mutations, (ms) => {
      const b = mutate(sample, ms);
      if (b.length === 0) return;
      onlyDecodeErrors(() => assert.ok(formatJavaStream(b, { maxLines: 200 }).split('\n').length <= 200 + 70));
    }),
    { numRuns: 1000 },
  );
});
