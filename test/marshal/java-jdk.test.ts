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
import { readJavaStream, writeJavaStream, type JavaObject, type JavaValue } from '../../src/marshal/index.ts';

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
      read(args[0]);
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
