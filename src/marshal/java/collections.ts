/**
 * java.util collections as their writeObject methods put them in a stream: ArrayList and LinkedList
 * (size, then the elements), HashSet and LinkedHashSet (capacity, load factor, size, elements), HashMap
 * and LinkedHashMap (loadFactor/threshold fields, then capacity, size, key, value, …). Capacities and
 * thresholds are computed as a JDK collection built with its default constructor and filled in order
 * has them, and HashMap/HashSet entries go in the order of Java's hash table, so the bytes match the
 * JDK's for keys whose hashCode is known (strings and boxed primitives).
 */
import type { JavaClassData, JavaClassDesc, JavaObject, JavaValue } from './stream.ts';

const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;

function desc(name: string, suid: bigint, flags: number, fields: JavaClassDesc['fields'], superClass: JavaClassDesc | null = null): JavaClassDesc {
  return Object.freeze({ kind: 'classDesc', name, serialVersionUID: suid, flags, fields: Object.freeze(fields), superClass });
}

const hashSet = desc('java.util.HashSet', -5024744406713321676n, SC_SERIALIZABLE | SC_WRITE_METHOD, []);
const hashMap = desc('java.util.HashMap', 362498820763181265n, SC_SERIALIZABLE | SC_WRITE_METHOD, [{ type: 'F', name: 'loadFactor' }, { type: 'I', name: 'threshold' }]);

/** What a collection class holds and how its stream form is laid out. */
export interface CollectionClass {
  readonly desc: JavaClassDesc;
  readonly kind: 'list' | 'set' | 'map';
  /** True when iteration (and so the stream) follows Java's hash table rather than insertion order. */
  readonly hashOrder: boolean;
}

/** The collection classes a schema can map a sequence to, by class name. */
export const COLLECTIONS: ReadonlyMap<string, CollectionClass> = new Map([
  ['java.util.ArrayList', { desc: desc('java.util.ArrayList', 8683452581122892189n, SC_SERIALIZABLE | SC_WRITE_METHOD, [{ type: 'I', name: 'size' }]), kind: 'list', hashOrder: false }],
  ['java.util.LinkedList', { desc: desc('java.util.LinkedList', 876323262645176354n, SC_SERIALIZABLE | SC_WRITE_METHOD, []), kind: 'list', hashOrder: false }],
  ['java.util.HashSet', { desc: hashSet, kind: 'set', hashOrder: true }],
  ['java.util.LinkedHashSet', { desc: desc('java.util.LinkedHashSet', -2851667679971038690n, SC_SERIALIZABLE, [], hashSet), kind: 'set', hashOrder: false }],
  ['java.util.HashMap', { desc: hashMap, kind: 'map', hashOrder: true }],
  ['java.util.LinkedHashMap', { desc: desc('java.util.LinkedHashMap', 3801124242820219131n, SC_SERIALIZABLE, [{ type: 'Z', name: 'accessOrder' }], hashMap), kind: 'map', hashOrder: false }],
] as const);

/** Every class name a collection brings into a stream (superclasses included). */
export const COLLECTION_CLASS_NAMES: readonly string[] = [...COLLECTIONS.keys()];

/** HashMap's table size after `n` puts into a default-constructed map (16, doubled whenever n > 0.75 × size). */
export function hashCapacity(n: number): number {
  let cap = 16;
  while (n > cap * 0.75 && cap < 1 << 30) cap *= 2;
  return cap;
}

/** HashMap's bucket of a key with Java hashCode `h` in a table of `cap` entries (the high bits spread in, as HashMap.hash does). */
function bucket(h: number, cap: number): number {
  return ((h ^ (h >>> 16)) & (cap - 1)) >>> 0;
}

/**
 * The order Java's HashMap iterates `n` keys put in this order: by bucket, and within a bucket in
 * insertion order (resizing keeps it). `hashes[i]` is key i's hashCode; any undefined keeps the input
 * order, since Java's order cannot be known (identity hash codes).
 */
export function hashOrder(hashes: readonly (number | undefined)[]): number[] {
  const idx = hashes.map((_, i) => i);
  if (hashes.some((h) => h === undefined)) return idx;
  const cap = hashCapacity(hashes.length);
  // Array.prototype.sort is stable, which keeps insertion order within a bucket.
  return idx.sort((a, b) => bucket(hashes[a]!, cap) - bucket(hashes[b]!, cap));
}

function int32s(...vs: number[]): Uint8Array {
  const b = new Uint8Array(vs.length * 4);
  const dv = new DataView(b.buffer);
  vs.forEach((v, i) => dv.setInt32(i * 4, v));
  return b;
}

/**
 * The stream object of collection `name` holding `items` (elements; for a map key, value, key, …), which
 * are already in the order Java would iterate them.
 */
export function collectionObject(name: string, items: JavaValue[]): JavaObject {
  const c = COLLECTIONS.get(name)!;
  const n = c.kind === 'map' ? items.length / 2 : items.length;
  const cap = hashCapacity(n);
  let data: JavaClassData[];
  if (c.kind === 'list') {
    // ArrayList writes its size as a field and again as the "capacity"; LinkedList only the latter.
    data = [{ className: name, fields: c.desc.fields.length ? { size: n } : {}, annotation: [int32s(n), ...items] }];
  } else if (c.kind === 'set') {
    const head = int32s(cap, 0, n);
    new DataView(head.buffer).setFloat32(4, 0.75);
    data = [{ className: 'java.util.HashSet', fields: {}, annotation: [head, ...items] }];
    if (name !== 'java.util.HashSet') data.push({ className: name, fields: {} });
  } else {
    // An empty default HashMap has no table yet: threshold 0, capacity reported as 16.
    data = [{ className: 'java.util.HashMap', fields: { loadFactor: 0.75, threshold: n === 0 ? 0 : cap * 0.75 }, annotation: [int32s(cap, n), ...items] }];
    if (name !== 'java.util.HashMap') data.push({ className: name, fields: { accessOrder: false } });
  }
  return { kind: 'object', className: name, desc: c.desc, data };
}

/**
 * The elements (for a map: key, value, key, …) of a stream object of one of the collection classes, or
 * a message saying why it is not one: block data first (its counts), then exactly as many objects as
 * the counts say.
 */
export function collectionItems(o: JavaObject): { items: JavaValue[]; kind: CollectionClass['kind'] } | string {
  const c = COLLECTIONS.get(o.className);
  if (!c) return `${o.className} is not a supported collection class`;
  const owner = c.kind === 'list' ? o.className : c.kind === 'set' ? 'java.util.HashSet' : 'java.util.HashMap';
  const ann = o.data.find((d) => d.className === owner)?.annotation;
  if (!ann) return `${o.className} wrote no elements`;
  // Block data is one byte stream however the writer split it into blocks.
  let k = 0;
  const blocks: Uint8Array[] = [];
  while (k < ann.length && ann[k] instanceof Uint8Array) blocks.push(ann[k++] as Uint8Array);
  const head = new Uint8Array(blocks.reduce((sum, b) => sum + b.length, 0));
  blocks.reduce((at, b) => (head.set(b, at), at + b.length), 0);
  const countAt = c.kind === 'list' ? 0 : c.kind === 'set' ? 8 : 4;
  if (head.length !== countAt + 4) return `${o.className}: ${head.length} bytes of block data where ${countAt + 4} belong`;
  const n = new DataView(head.buffer).getInt32(countAt);
  const items = ann.slice(k);
  if (items.some((x) => x instanceof Uint8Array)) return `${o.className}: block data among the elements`;
  const want = c.kind === 'map' ? 2 * n : n;
  if (n < 0 || items.length !== want) return `${o.className}: size ${n} but ${items.length} ${c.kind === 'map' ? 'keys and values' : 'elements'}`;
  return { items, kind: c.kind };
}
