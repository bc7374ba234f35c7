// Java object serialization rows of `npm run bench -- marshal`: courier's codec(schema, 'java') encode
// and decode of the Person and Large records, and, when a JDK is installed, the JDK's own
// ObjectOutputStream/ObjectInputStream on the same values in a Java program run by this benchmark
// (warmed up first, timed the same way: repeated slices, ops/s). Each encode writes a whole stream
// (magic, class descriptors, object), as a message on its own would be sent; each decode reads one.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { measureCodecGroups, timing, type CodecGroup } from './lib/codec-groups.ts';
import { progress, type BenchReport } from './lib/report.ts';
import { codec, t, type Infer } from '../src/marshal/index.ts';

const cls = (name: string) => ({ java: { className: `BenchJava$${name}`, serialVersionUID: '1' } });
const Person = t.struct('Person', { name: t.string(), place: t.string(), year: t.int32() }, cls('Person'));
const Item = t.struct('Item', { name: t.string(), code: t.int32(), ok: t.boolean(), weight: t.float64(), tag: t.string() }, cls('Item'));
const Large = t.struct(
  'Large',
  {
    header: t.struct('Header', { id: t.uint32(), stamp: t.struct('Stamp', { sec: t.int32(), nanosec: t.uint32() }, cls('Stamp')), source: t.string() }, cls('Header')),
    samples: t.sequence(t.float64()),
    items: t.sequence(Item),
  },
  cls('Large'),
);
const person: Infer<typeof Person> = { name: 'Smith', place: 'London', year: 1984 };
// The same values as bench/marshal.ts's Large, built the same way in the Java program below.
const large: Infer<typeof Large> = {
  header: { id: 4242, stamp: { sec: 1_700_000_000, nanosec: 123_456_789 }, source: 'sensor-array/left' },
  samples: Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1000),
  items: Array.from({ length: 100 }, (_, i) => ({ name: `item-${i}`, code: i * 7 - 300, ok: i % 3 === 0, weight: i / 8, tag: i % 2 ? 'odd' : 'even' })),
};

/** The JDK side: builds the same records, checks courier's streams decode to them, then times its own encode and decode. */
const javaSource = `import java.io.*;
import java.util.*;

public class BenchJava {
  public static class Person implements Serializable {
    private static final long serialVersionUID = 1L;
    String name; String place; int year;
    public boolean equals(Object o) { return o instanceof Person p && name.equals(p.name) && place.equals(p.place) && year == p.year; }
  }
  public static class Stamp implements Serializable {
    private static final long serialVersionUID = 1L;
    int sec; int nanosec;
  }
  public static class Header implements Serializable {
    private static final long serialVersionUID = 1L;
    int id; Stamp stamp; String source;
  }
  public static class Item implements Serializable {
    private static final long serialVersionUID = 1L;
    String name; int code; boolean ok; double weight; String tag;
    public boolean equals(Object o) { return o instanceof Item i && name.equals(i.name) && code == i.code && ok == i.ok && weight == i.weight && tag.equals(i.tag); }
  }
  public static class Large implements Serializable {
    private static final long serialVersionUID = 1L;
    Header header; double[] samples; Item[] items;
    public boolean equals(Object o) {
      return o instanceof Large l && header.id == l.header.id && header.stamp.sec == l.header.stamp.sec && header.stamp.nanosec == l.header.stamp.nanosec
          && header.source.equals(l.header.source) && Arrays.equals(samples, l.samples) && Arrays.equals(items, l.items);
    }
  }

  static Person person() { Person p = new Person(); p.name = "Smith"; p.place = "London"; p.year = 1984; return p; }
  static Large large() {
    Large l = new Large();
    l.header = new Header(); l.header.id = 4242; l.header.stamp = new Stamp(); l.header.stamp.sec = 1700000000; l.header.stamp.nanosec = 123456789;
    l.header.source = "sensor-array/left";
    l.samples = new double[1000];
    for (int i = 0; i < 1000; i++) l.samples[i] = StrictMath.sin(i) * 1000; // fdlibm, as V8's Math.sin
    l.items = new Item[100];
    for (int i = 0; i < 100; i++) {
      Item it = new Item(); it.name = "item-" + i; it.code = i * 7 - 300; it.ok = i % 3 == 0; it.weight = i / 8.0; it.tag = i % 2 == 1 ? "odd" : "even";
      l.items[i] = it;
    }
    return l;
  }

  static byte[] encode(Object o) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(256);
    try (ObjectOutputStream out = new ObjectOutputStream(b)) { out.writeObject(o); }
    return b.toByteArray();
  }
  static Object decode(byte[] bytes) throws Exception {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      in.setObjectInputFilter(FILTER);
      return in.readObject();
    }
  }
  static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter("BenchJava$*;!*");

  interface Op { void run() throws Exception; }
  static Object sink;

  /** Operations per second of op over about ms milliseconds, in doubling batches (as the TypeScript side does). */
  static double opsPerSecond(Op op, double ms) throws Exception {
    long batch = 1, n = 0, start = System.nanoTime();
    double elapsed = 0;
    while (elapsed < ms) {
      for (long i = 0; i < batch; i++) op.run();
      n += batch;
      elapsed = (System.nanoTime() - start) / 1e6;
      if (elapsed < ms / 20) batch *= 2;
    }
    return n / elapsed * 1000;
  }

  public static void main(String[] args) throws Exception {
    int runs = Integer.parseInt(args[0]);
    double slice = Double.parseDouble(args[1]);
    String[] names = { "person", "large" };
    Object[] values = { person(), large() };
    StringBuilder json = new StringBuilder("[");
    for (int k = 0; k < 2; k++) {
      Object v = values[k];
      byte[] courier = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(args[2 + k]));
      if (!v.equals(decode(courier))) throw new IllegalStateException(names[k] + ": courier's stream does not decode to the JDK's value");
      byte[] bytes = encode(v);
      java.nio.file.Files.write(java.nio.file.Path.of(args[2 + k] + ".jdk"), bytes);
      Op enc = () -> sink = encode(v);
      Op dec = () -> sink = decode(bytes);
      // Warm-up: let the JIT compile both paths before anything is measured.
      opsPerSecond(enc, slice * 4);
      opsPerSecond(dec, slice * 4);
      for (String op : new String[] { "encode", "decode" }) {
        StringBuilder series = new StringBuilder();
        for (int r = 0; r < runs; r++) series.append(r == 0 ? "" : ",").append(opsPerSecond(op.equals("encode") ? enc : dec, slice));
        json.append(json.length() > 1 ? "," : "").append("{\\"case\\":\\"").append(names[k]).append(" java ").append(op).append("\\",\\"runs\\":[").append(series).append("]}");
      }
      json.append(",{\\"case\\":\\"").append(names[k]).append(" java size\\",\\"runs\\":[").append(bytes.length).append("]}");
    }
    System.out.println(json.append("]"));
  }
}
`;

/** Compiles the Java program once per source text (kept in the system temp folder); undefined without a JDK. */
function compileBench(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v javac && command -v java']).status !== 0) return undefined;
  const dir = join(tmpdir(), `courier-bench-java-${createHash('sha256').update(javaSource).digest('hex').slice(0, 16)}`);
  if (existsSync(dir)) return dir;
  const work = mkdtempSync(join(tmpdir(), 'courier-bench-java-tmp-'));
  writeFileSync(join(work, 'BenchJava.java'), javaSource);
  const r = spawnSync('javac', ['-d', work, join(work, 'BenchJava.java')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
  renameSync(work, dir);
  return dir;
}

/**
 * Adds the rows `person java encode|decode|size` and `large java …` for impl `courier` and, when javac
 * and java are installed, `jdk`. Throws if either side's stream does not decode to the same value.
 */
export function javaRows(report: BenchReport, quick: boolean): void {
  const { runs, slice } = timing(quick);
  const cases = [
    { name: 'person', c: codec(Person, 'java'), value: person as unknown },
    { name: 'large', c: codec(Large, 'java'), value: large as unknown },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-java-'));
  try {
    const groups: CodecGroup[] = cases.map(({ name, c, value }) => {
      const bytes = c.encode(value as never);
      if (!isDeepStrictEqual(c.decode(bytes), value)) throw new Error(`courier java round trip changed the ${name} value`);
      writeFileSync(join(dir, `${name}.bin`), bytes);
      return { case: `${name} java`, impls: [{ impl: 'courier', encode: () => c.encode(value as never), decode: () => c.decode(bytes), size: bytes.length }] };
    });
    measureCodecGroups(report, groups, quick);
    const classes = compileBench();
    if (!classes) {
      progress('no JDK (javac/java): the jdk rows of the Java serialization cases are not measured');
      return;
    }
    progress(`JDK ObjectOutputStream/ObjectInputStream: warm-up and ${runs} runs per case`);
    const r = spawnSync('java', ['-cp', classes, 'BenchJava', String(runs), String(slice), join(dir, 'person.bin'), join(dir, 'large.bin')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the JDK benchmark failed: ${r.stderr}`);
    for (const { name, c, value } of cases) {
      // The JDK's stream must decode in courier to the same value, or the comparison is void.
      if (!isDeepStrictEqual(c.decode(readFileSync(join(dir, `${name}.bin.jdk`))), value)) throw new Error(`the JDK's ${name} stream does not decode to the value`);
    }
    for (const row of JSON.parse(r.stdout) as { case: string; runs: number[] }[]) {
      const size = row.case.endsWith('size');
      report.add({ case: row.case, impl: 'jdk', metric: size ? 'size' : 'throughput', unit: size ? 'bytes' : 'ops/s', better: size ? 'lower' : 'higher', runs: row.runs });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
