// Java object serialization streams written by a real JDK's ObjectOutputStream (javac/java, skipped
// with a notice when there is no JDK) are read by courier's
// generic reader: shared references and cycles, superclass chains, enums, arrays of arrays, modified
// UTF-8 (NUL, non-BMP, strings over 65,535 bytes), and the writeObject block data of ArrayList/HashMap.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { codec, readJavaStream, t as s_, writeJavaStream, type JavaObject, type JavaValue } from '../../src/marshal/index.ts';

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
const hasJdk = spawnSync('sh', ['-c', 'command -v javac && command -v java']).status === 0;

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
    t.skip('no JDK (Debian: default-jdk-headless): Java serialization interop not checked');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'courier-java-'));
  writeFileSync(join(dir, 'Writer.java'), writerSource);
  const javac = spawnSync('javac', ['-d', dir, join(dir, 'Writer.java')], { encoding: 'utf8' });
  assert.equal(javac.status, 0, javac.stderr);
  const file = join(dir, 'stream.bin');
  const run = spawnSync('java', ['-cp', dir, 'Writer', file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
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
  const back = spawnSync('java', ['-cp', dir, 'Writer', mine, 'read'], { encoding: 'utf8' });
  assert.equal(back.status, 0, back.stderr);
  assert.equal(back.stdout.trim(), 'changed by courier|true|true|3|GREEN|70000|true|1|true|42');
  // With an allowlist that omits the test classes, the stream is refused before any of them is read.
  assert.throws(() => readJavaStream(readFileSync(file), { allowClass: (n) => n.startsWith('java.') }), /not on the allowlist/);
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
    t.skip('no JDK (Debian: default-jdk-headless): Java serialization interop not checked');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'courier-java-'));
  writeFileSync(join(dir, 'Writer.java'), writerSource);
  assert.equal(spawnSync('javac', ['-d', dir, join(dir, 'Writer.java')], { encoding: 'utf8' }).status, 0);
  const c = codec(Point, 'java');
  const theirs = join(dir, 'point.bin');
  assert.equal(spawnSync('java', ['-cp', dir, 'Writer', theirs, 'point-write']).status, 0);
  assert.deepStrictEqual(c.decode(readFileSync(theirs)), point);
  const ours = join(dir, 'ours.bin');
  writeFileSync(ours, c.encode(point));
  const r = spawnSync('java', ['-cp', dir, 'Writer', ours, 'point-read'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '-7|2.5|true|-1|300|q|0.5|1099511627776|pé|LARGE|25|in9|2|200|null');
  // A serialVersionUID that does not match is refused, as Java refuses it.
  const wrong = s_.struct('Point', Point.fields.reduce<Record<string, ReturnType<typeof s_.field>>>((o, f) => ({ ...o, [f.name]: s_.field(f.type) }), {}), { java: { className: 'Writer$Point', serialVersionUID: '4' } });
  assert.throws(() => codec(wrong, 'java').decode(readFileSync(theirs)), /serialVersionUID/);
});
