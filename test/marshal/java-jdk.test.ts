// Java object serialization streams written by a real JDK's ObjectOutputStream (javac/java, skipped
// with a notice when there is no JDK; compiled once per source, see jdk.ts) are read by courier's
// generic reader and by codec(schema, 'java'), and courier's streams are read back by ObjectInputStream
// under a filter: shared references and cycles, superclass chains, enums, arrays of arrays, modified
// UTF-8, boxed primitives, unsigned integers, and ArrayList/LinkedList/HashSet/LinkedHashSet/HashMap/LinkedHashMap.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { codec, formatJavaStream, readJavaStream, t as s_, writeJavaStream, type Infer, type JavaObject, type JavaValue } from '../../src/marshal/index.ts';
import { compileJava, hasJdk, NO_JDK, runJava } from './jdk.ts';

/** The Java program that writes the stream (kept here so the test is one file). */
const writerSource = `// Writes test objects with ObjectOutputStream to the file named by args[0], for test/interop/marshal/java.test.ts.
import java.io.*;
import java.util.*;

public class Writer {
  enum Color { RED, GREEN }

  static class Base implements Serializable {
    private static final long serialVersionUID = 7L;
    int id = 42;
  }

  static class Node extends Base {
    private static final long serialVersionUID = 8L;
    String name;
    Node next;
    Color color = Color.GREEN;
    int[][] grid = { { 1, 2 }, { 3 } };
    long big = -5L;
    double d = 1.5;
    char c = 'x';
    boolean flag = true;
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 1) {
      if (args[1].equals("read")) read(args[0]);
      else if (args[1].equals("point-write")) writePoint(args[0]);
      else readPoint(args[0]);
      return;
    }
    Node a = new Node();
    a.name = "nul\\u0000 and \\uD834\\uDD1E";
    a.next = a; // a cycle
    Node b = new Node();
    b.name = "b";
    b.next = a;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 70000; i++) sb.append('é');
    ArrayList<Object> list = new ArrayList<>(List.of("x", 5, a));
    HashMap<String, Integer> map = new HashMap<>();
    map.put("k", 1);
    try (ObjectOutputStream out = new ObjectOutputStream(new FileOutputStream(args[0]))) {
      out.writeObject(b);
      out.writeObject(a); // the same object again: a back-reference
      out.writeObject(sb.toString());
      out.writeObject(list);
      out.writeObject(map);
    }
  }

  enum Kind { SMALL, LARGE }

  static class Inner implements Serializable {
    private static final long serialVersionUID = 5L;
    String tag;
    long n;
  }

  static class Point implements Serializable {
    private static final long serialVersionUID = 3L;
    int x;
    double y;
    boolean ok;
    byte b;
    short s;
    char c;
    float f;
    long l;
    String label;
    Kind kind;
    int[] ids;
    Inner inner;
    Inner[] inners;
    byte[] raw;
    String missing;
  }

  static void writePoint(String file) throws Exception {
    Point p = new Point();
    p.x = -7; p.y = 2.5; p.ok = true; p.b = -1; p.s = 300; p.c = 'q'; p.f = 0.5f; p.l = 1L << 40;
    p.label = "p\u00e9"; p.kind = Kind.LARGE; p.ids = new int[] { 4, 5 };
    p.inner = new Inner(); p.inner.tag = "in"; p.inner.n = 9;
    p.inners = new Inner[] { p.inner, p.inner };
    p.raw = new byte[] { 0, (byte) 200 };
    try (ObjectOutputStream out = new ObjectOutputStream(new FileOutputStream(file))) {
      out.writeObject(p);
    }
  }

  static void readPoint(String file) throws Exception {
    try (ObjectInputStream in = new ObjectInputStream(new FileInputStream(file))) {
      in.setObjectInputFilter(ObjectInputFilter.Config.createFilter("Writer$*;java.lang.*;[I;[B;[LWriter$Inner;;!*"));
      Point p = (Point) in.readObject();
      System.out.println(p.x + "|" + p.y + "|" + p.ok + "|" + p.b + "|" + p.s + "|" + p.c + "|" + p.f + "|" + p.l + "|" + p.label + "|" + p.kind
          + "|" + p.ids.length + p.ids[1] + "|" + p.inner.tag + p.inner.n + "|" + p.inners.length + "|" + (p.raw[1] & 255) + "|" + p.missing);
    }
  }

  /** Reads a stream courier wrote, under a deserialization filter, and prints what it found. */
  static void read(String file) throws Exception {
    try (ObjectInputStream in = new ObjectInputStream(new FileInputStream(file))) {
      in.setObjectInputFilter(ObjectInputFilter.Config.createFilter("Writer$*;java.lang.*;java.util.*;[[I;[I;!*"));
      Node b = (Node) in.readObject();
      Node a = (Node) in.readObject();
      String s = (String) in.readObject();
      ArrayList<?> list = (ArrayList<?>) in.readObject();
      HashMap<?, ?> map = (HashMap<?, ?>) in.readObject();
      System.out.println(b.name + "|" + (b.next == a) + "|" + (a.next == a) + "|" + a.grid[1][0] + "|" + a.color + "|" + s.length()
          + "|" + (list.get(2) == a) + "|" + map.get("k") + "|" + a.name.equals("nul\\u0000 and \\uD834\\uDD1E") + "|" + b.id);
    }
  }
}
`;

/** A fresh folder for the streams of one test, removed afterwards. */
function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'courier-java-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function obj(v: JavaValue | undefined): JavaObject {
  assert.ok(v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && v.kind === 'object', 'expected an object');
  return v;
}
function field(o: JavaObject, cls: string, name: string): JavaValue {
  const d = o.data.find((x) => x.className.endsWith(cls));
  assert.ok(d, `class ${cls} in the chain`);
  return d.fields[name]!;
}

test('courier reads what a JDK ObjectOutputStream wrote', (t) => {
  if (!hasJdk) {
    t.skip(NO_JDK);
    return;
  }
  const classes = compileJava({ 'Writer.java': writerSource });
  const dir = scratch(t);
  const file = join(dir, 'stream.bin');
  runJava(classes, 'Writer', file);
  const items = readJavaStream(readFileSync(file));
  assert.equal(items.length, 5);
  const b = obj(items[0]);
  const a = obj(items[1]);
  assert.equal(b.className, 'Writer$Node');
  assert.deepStrictEqual(b.data.map((d) => d.className), ['Writer$Base', 'Writer$Node']);
  assert.equal(b.desc.serialVersionUID, 8n);
  assert.equal(b.desc.superClass?.serialVersionUID, 7n);
  assert.equal(field(b, 'Base', 'id'), 42);
  assert.equal(field(b, 'Node', 'name'), 'b');
  assert.equal(field(b, 'Node', 'next'), a, 'a shared reference is one object');
  assert.equal(field(a, 'Node', 'next'), a, 'a cycle survives');
  assert.equal(field(a, 'Node', 'name'), 'nul\u0000 and \u{1d11e}');
  const color = field(a, 'Node', 'color');
  assert.ok(color !== null && typeof color === 'object' && !(color instanceof Uint8Array) && color.kind === 'enum');
  assert.equal(color.constant, 'GREEN');
  assert.equal(color.className, 'Writer$Color');
  const grid = field(a, 'Node', 'grid');
  assert.ok(grid !== null && typeof grid === 'object' && !(grid instanceof Uint8Array) && grid.kind === 'array');
  assert.equal(grid.className, '[[I');
  assert.deepStrictEqual(grid.elements.map((e) => (e !== null && typeof e === 'object' && !(e instanceof Uint8Array) && e.kind === 'array' ? e.elements : e)), [[1, 2], [3]]);
  assert.equal(field(a, 'Node', 'big'), -5n);
  assert.equal(field(a, 'Node', 'd'), 1.5);
  assert.equal(field(a, 'Node', 'c'), 'x');
  assert.equal(field(a, 'Node', 'flag'), true);
  assert.equal(items[2], 'é'.repeat(70000));
  // ArrayList: field size, then block data (capacity) and the elements, written by its writeObject.
  const list = obj(items[3]);
  assert.equal(list.className, 'java.util.ArrayList');
  assert.equal(field(list, 'ArrayList', 'size'), 3);
  const ann = list.data[0]!.annotation!;
  assert.ok(ann[0] instanceof Uint8Array);
  const [x, five, again] = ann.slice(1);
  assert.equal(x, 'x');
  assert.equal(field(obj(five), 'Integer', 'value'), 5);
  assert.equal(again, a);
  // HashMap: loadFactor and threshold fields; block data holds capacity and size, then key, value pairs.
  const map = obj(items[4]);
  const mapAnn = map.data.find((d) => d.className === 'java.util.HashMap')!.annotation!;
  assert.ok(mapAnn[0] instanceof Uint8Array && mapAnn[0].length === 8);
  assert.equal(new DataView(mapAnn[0].buffer, mapAnn[0].byteOffset).getInt32(4), 1, 'size in the block data');
  assert.equal(mapAnn[1], 'k');
  assert.equal(field(obj(mapAnn[2]), 'Integer', 'value'), 1);
  // Written back, the tree gives the JDK's bytes exactly: same handles, references, blocks and encodings.
  assert.ok(Buffer.from(writeJavaStream(items)).equals(readFileSync(file)), 'courier writes the bytes the JDK wrote');
  // courier changes a field and writes the tree; Java reads it (under a filter) and sees the change.
  const named = b.data.find((d) => d.className === 'Writer$Node')!;
  named.fields.name = 'changed by courier';
  const mine = join(dir, 'courier.bin');
  writeFileSync(mine, writeJavaStream(items));
 assert.equal(runJava(classes, 'Writer', mine, 'read').trim(), 'changed by courier|true|true|3|GREEN|70000|true|1|true|42');
  // With an allowlist that omits the test classes, the stream is refused before any of them is read.
  assert.throws(() => readJavaStream(readFileSync(file), { allowClass: (n) => n.startsWith('java.') }), /not on the allowlist/);
});

test('formatJavaStream draws a JDK-written stream: superclass, cycle, enum, int[][], long string, ArrayList and HashMap data', (t) => {
  if (!hasJdk) {
    t.skip(NO_JDK);
    return;
  }
  const classes = compileJava({ 'Writer.java': writerSource });
  const file = join(scratch(t), 'stream.bin');
  runJava(classes, 'Writer', file);
  const lines = formatJavaStream(readFileSync(file), { allowClass: (n) => n.startsWith('Writer$') || n.startsWith('java.') || n.startsWith('[') }).split('\n');
  const has = (line: string) => assert.ok(lines.some((l) => l.endsWith(line)), `a line ending ${JSON.stringify(line)} in\n${lines.join('\n')}`);
  has('Java serialization stream, version 5, 140681 bytes, 5 items');
  has('[0] Writer$Node @7e0006');
  has('class Writer$Node @7e0000: serialVersionUID 8, serializable, 8 fields');
  has('extends Writer$Base @7e0005: serialVersionUID 7, serializable, 1 field');
  has('Writer$Color color = enum Writer$Color.GREEN @7e0009');
  has('int[][] grid = int[2][] @7e000c');
  has('[0] int[2] @7e000e = [1, 2]');
  has("char c = 'x'");
  has('java.lang.String name = "nul\\u0000 and \u{1d11e}"');
  has('Writer$Node next = → @7e0011 (Writer$Node)');
  has('[1] → @7e0011 (Writer$Node)');
  has('… (70000 chars)');
  has('class java.util.ArrayList @7e0017: serialVersionUID 8683452581122892189, serializable, writeObject, 1 field');
  has('block data, 8 bytes: 00 00 00 10 00 00 00 01');
  has('java.lang.Integer @7e0020 = 1');
});

const Inner = s_.struct('Inner', { tag: s_.optional(s_.string()), n: s_.int64() }, { java: { className: 'Writer$Inner', serialVersionUID: '5' } });
const Point = s_.struct(
  'Point',
  {
    x: s_.int32(), y: s_.float64(), ok: s_.boolean(), b: s_.int8(), s: s_.int16(), c: s_.char(), f: s_.float32(), l: s_.int64(),
    label: s_.optional(s_.string()), kind: s_.optional(s_.enum('Kind', ['SMALL', 'LARGE'], { java: { className: 'Writer$Kind' } })),
    ids: s_.optional(s_.sequence(s_.int32())), inner: s_.optional(Inner), inners: s_.optional(s_.sequence(Inner)), raw: s_.optional(s_.bytes()), missing: s_.optional(s_.string()),
  },
  { java: { className: 'Writer$Point', serialVersionUID: '3' } },
);
const point = {
  x: -7, y: 2.5, ok: true, b: -1, s: 300, c: 'q', f: 0.5, l: 2n ** 40n, label: 'pé', kind: 'LARGE' as const, ids: [4, 5],
  inner: { tag: 'in', n: 9n }, inners: [{ tag: 'in', n: 9n }, { tag: 'in', n: 9n }], raw: new Uint8Array([0, 200]),
};

test("codec(schema, 'java') reads the JDK's object and writes one the JDK reads", (t) => {
  if (!hasJdk) {
    t.skip(NO_JDK);
    return;
  }
  const classes = compileJava({ 'Writer.java': writerSource });
  const dir = scratch(t);
  const c = codec(Point, 'java');
  const theirs = join(dir, 'point.bin');
  runJava(classes, 'Writer', theirs, 'point-write');
  assert.deepStrictEqual(c.decode(readFileSync(theirs)), point);
  const ours = join(dir, 'ours.bin');
  writeFileSync(ours, c.encode(point));
  assert.equal(runJava(classes, 'Writer', ours, 'point-read').trim(), '-7|2.5|true|-1|300|q|0.5|1099511627776|pé|LARGE|25|in9|2|200|null');
  // A serialVersionUID that does not match is refused, as Java refuses it.
  const wrong = s_.struct('Point', Point.fields.reduce<Record<string, ReturnType<typeof s_.field>>>((o, f) => ({ ...o, [f.name]: s_.field(f.type) }), {}), { java: { className: 'Writer$Point', serialVersionUID: '4' } });
  assert.throws(() => codec(wrong, 'java').decode(readFileSync(theirs)), /serialVersionUID/);
});

// ---------------------------------------------------------------- boxed, unsigned, collections, superclasses

const java = (o: Record<string, string | boolean>) => ({ annotations: { java: o } });
const Kind = s_.enum('Kind', ['SMALL', 'LARGE'], { java: { className: 'Mapping$Kind' } });
const Base = s_.struct('Base', { id: s_.int32(), label: s_.optional(s_.string()) }, { java: { className: 'Mapping$Base', serialVersionUID: '11' } });
const Item = s_.struct('Item', { base: s_.field(Base, java({ superclass: true })), count: s_.optional(s_.int64()), on: s_.boolean() }, { java: { className: 'Mapping$Item', serialVersionUID: '12' } });
const Special = s_.struct('Special', { item: s_.field(Item, java({ superclass: true })), kind: s_.optional(Kind) }, { java: { className: 'Mapping$Special', serialVersionUID: '13' } });
const StringInt = s_.struct('StringInt', { key: s_.string(), value: s_.int32() });
const IntItem = s_.struct('IntItem', { key: s_.int32(), value: Item });
const Holder = s_.struct(
  'Holder',
  {
    someInt: s_.optional(s_.int32()), noInt: s_.optional(s_.int32()), someLong: s_.optional(s_.int64()), someShort: s_.optional(s_.int16()), someByte: s_.optional(s_.int8()),
    someDouble: s_.optional(s_.float64()), someFloat: s_.optional(s_.float32()), someBool: s_.optional(s_.boolean()), someChar: s_.optional(s_.char()),
    required: s_.field(s_.int32(), java({ boxed: true })), boxedArray: s_.field(s_.sequence(s_.int32()), java({ boxed: true })),
    u16: s_.uint16(), u32: s_.uint32(), u64: s_.uint64(),
    list: s_.field(s_.sequence(s_.int32()), java({ collection: 'java.util.ArrayList', type: 'java.util.List' })),
    linked: s_.field(s_.sequence(s_.string()), java({ collection: 'java.util.LinkedList' })),
    set: s_.field(s_.sequence(s_.string()), java({ collection: 'java.util.HashSet', type: 'java.util.Set' })),
    lset: s_.field(s_.sequence(s_.int64()), java({ collection: 'java.util.LinkedHashSet' })),
    map: s_.field(s_.sequence(StringInt), java({ collection: 'java.util.HashMap', type: 'java.util.Map' })),
    lmap: s_.field(s_.sequence(IntItem), java({ collection: 'java.util.LinkedHashMap' })),
    empty: s_.field(s_.sequence(StringInt), java({ collection: 'java.util.HashMap' })),
    kinds: s_.field(s_.sequence(Kind), java({ collection: 'java.util.ArrayList' })),
    special: Special,
  },
  { java: { className: 'Mapping$Holder', serialVersionUID: '14' } },
);
type Holder = Infer<typeof Holder>;
const item = (id: number, count: bigint, on: boolean) => ({ base: { id, label: `item ${id}` }, count, on });
/** The Holder Mapping.java's expected() builds, with sets and maps in insertion order. */
const holder: Holder = {
  someInt: 1000, someLong: 5n, someShort: -2, someByte: 7, someDouble: 2.5, someFloat: 0.25, someBool: true, someChar: 'z', required: 5, boxedArray: [5, 300, 5],
  u16: 65535, u32: 4_000_000_000, u64: 2n ** 64n - 1n,
  list: [1, 2000, 1], linked: ['one', 'two'], set: Array.from({ length: 20 }, (_, i) => `s${i * 7}`), lset: [900n, -1n, 2n ** 40n],
  map: Array.from({ length: 14 }, (_, i) => ({ key: `key${i * 13}`, value: i * 100 })), lmap: [{ key: 3, value: item(3, 5n, true) }, { key: -400, value: item(4, 6000n, false) }], empty: [],
  kinds: ['LARGE', 'SMALL', 'LARGE'], special: { item: { base: { id: 9, label: 'special' }, on: true }, kind: 'SMALL' },
};
/** HashSet and HashMap come back in Java's hash-table order: compare them as sets. */
function unordered(h: Holder): unknown {
  return { ...h, set: [...h.set].sort(), map: [...h.map].sort((a, b) => (a.key < b.key ? -1 : 1)) };
}

test("codec(schema, 'java'): boxed primitives, unsigned integers, java.util collections and superclass chains, byte for byte as the JDK writes them", (t) => {
  if (!hasJdk) {
    t.skip(NO_JDK);
    return;
  }
  const classes = compileJava({ 'Mapping.java': readFileSync(new URL('fixtures/java/Mapping.java', import.meta.url), 'utf8') });
  const dir = scratch(t);
  const theirs = join(dir, 'holder.bin');
  runJava(classes, 'Mapping', 'write', theirs);
  const jdkBytes = readFileSync(theirs);
  const c = codec(Holder, 'java');
  const decoded = c.decode(jdkBytes);
  assert.deepStrictEqual(unordered(decoded), unordered(holder));
  assert.equal(decoded.noInt, undefined, 'a null Integer is an absent optional');
  // Capacities, thresholds, load factors, hash-table order, shared cached boxes and enum constants, array
  // serialVersionUIDs: courier's encoding of the values in the JDK's insertion order is the JDK's stream.
  assert.ok(Buffer.from(c.encode(holder)).equals(jdkBytes), 'courier writes the bytes the JDK wrote');
  assert.ok(Buffer.from(c.encode(decoded)).equals(jdkBytes), 'entries already in hash-table order stay in it');
  const shuffled = { ...holder, set: [...holder.set].reverse(), map: [...holder.map].reverse() };
  assert.deepStrictEqual(unordered(c.decode(c.encode(shuffled))), unordered(holder));
  // Java reads courier's Holder under a filter and finds it equal to the one it builds itself.
  const ours = join(dir, 'ours.bin');
  writeFileSync(ours, c.encode(holder));
  assert.equal(runJava(classes, 'Mapping', 'read', ours).trim(), 'equal');
});
