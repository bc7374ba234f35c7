/**
 * A drawn tree of any Java serialization stream, without a schema (`courier inspect --format java`):
 * class names, serialVersionUIDs and flags, fields with their Java types and values, handles (`@7e0004`)
 * and back-references (`→ @7e0004`), block data in hex, long arrays and strings abbreviated. The stream
 * is read by readJavaStream with its bounds and optional allowlist, so an untrusted stream is safe to
 * inspect: nothing runs, and the output itself is bounded by `maxLines`.
 */
import { readJavaStreamWithHandles, type JavaClassDesc, type JavaObject, type JavaReadOptions, type JavaValue } from './stream.ts';

/** Options of formatJavaStream: the read bounds and allowlist, and how much of big values to show. */
export interface JavaInspectOptions extends JavaReadOptions {
  /** Elements of an array, or items a writeObject method wrote, shown before the rest are counted (default 16). */
  readonly maxElements?: number;
  /** Bytes of block data or of a byte[] shown in hex (default 32). */
  readonly maxHexBytes?: number;
  /** Characters of a string shown (default 80). */
  readonly maxStringChars?: number;
  /** Lines of output; a larger tree ends with a line saying how many were left out (default 10,000). */
  readonly maxLines?: number;
}

/** Defaults of the display bounds (the read bounds are JAVA_READ_DEFAULTS). */
export const JAVA_INSPECT_DEFAULTS: Readonly<Required<Omit<JavaInspectOptions, keyof JavaReadOptions>>> = Object.freeze({ maxElements: 16, maxHexBytes: 32, maxStringChars: 80, maxLines: 10_000 });

const flagNames: readonly [number, string][] = [
  [0x02, 'serializable'],
  [0x04, 'externalizable'],
  [0x01, 'writeObject'],
  [0x08, 'block data'],
  [0x10, 'enum'],
];
const primitiveNames: Readonly<Record<string, string>> = { B: 'byte', C: 'char', D: 'double', F: 'float', I: 'int', J: 'long', S: 'short', Z: 'boolean' };
const boxes = new Set(['java.lang.Boolean', 'java.lang.Character', 'java.lang.Byte', 'java.lang.Short', 'java.lang.Integer', 'java.lang.Long', 'java.lang.Float', 'java.lang.Double']);

interface Node {
  readonly text: string;
  readonly kids: Node[];
}

/** `[[I` → `int[][]`, `Ljava/lang/String;` or `[Ljava.lang.String;` → `java.lang.String`/`java.lang.String[]`. */
export function javaTypeName(sig: string): string {
  let dims = 0;
  while (sig.charAt(dims) === '[') dims++;
  const base = sig.slice(dims);
  const name = primitiveNames[base] ?? (base.startsWith('L') && base.endsWith(';') ? base.slice(1, -1).replaceAll('/', '.') : base);
  return name + '[]'.repeat(dims);
}

function hex(b: Uint8Array, max: number): string {
  const shown = Array.from(b.subarray(0, max), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > max ? `${shown} … (${b.length} bytes)` : shown;
}

function quote(s: string, max: number): string {
  const q = JSON.stringify(s.length > max ? s.slice(0, max) : s);
  return s.length > max ? `${q}… (${s.length} chars)` : q;
}

function flags(f: number): string {
  const names = flagNames.filter(([bit]) => f & bit).map(([, n]) => n);
  const unknown = f & ~0x1f;
  return [...names, ...(unknown ? [`0x${unknown.toString(16)}`] : [])].join(', ') || 'none';
}

class Formatter {
  private lines = 0;
  private readonly shown = new Set<object>();

  constructor(
    private readonly handles: ReadonlyMap<object, number>,
    private readonly o: typeof JAVA_INSPECT_DEFAULTS,
  ) {}

  /** A new node, counted against maxLines (callers stop descending once `full`). */
  private node(text: string, kids: Node[] = []): Node {
    this.lines++;
    return { text, kids };
  }
  get full(): boolean {
    return this.lines >= this.o.maxLines;
  }
  private at(x: object): string {
    const h = this.handles.get(x);
    return h === undefined ? '' : ` @${h.toString(16)}`;
  }
  /** `→ @h` when `x` was shown already; otherwise marks it shown and returns undefined. */
  private seen(x: object): string | undefined {
    if (this.shown.has(x)) return `→${this.at(x) || ' (earlier)'}`;
    this.shown.add(x);
    return undefined;
  }

  /** A primitive field value by its type code. */
  private primitive(type: string, v: JavaValue): string {
    if (type === 'C' && typeof v === 'string') return `'${JSON.stringify(v).slice(1, -1).replaceAll("'", "\\'")}'`;
    return String(v);
  }

  /** The descriptor of a class seen for the first time, and its new superclasses. */
  private desc(d: JavaClassDesc): Node | undefined {
    if (this.shown.has(d)) return undefined;
    this.shown.add(d);
    const what = d.interfaces ? `proxy for ${d.interfaces.join(', ')}` : `serialVersionUID ${d.serialVersionUID}, ${flags(d.flags)}, ${d.fields.length} field${d.fields.length === 1 ? '' : 's'}`;
    const n = this.node(`class ${d.name}${this.at(d)}: ${what}`);
    if (d.superClass && !this.full) {
      const sup = this.desc(d.superClass);
      n.kids.push(sup ? { text: `extends ${sup.text.slice('class '.length)}`, kids: sup.kids } : this.node(`extends ${d.superClass.name} →${this.at(d.superClass)}`));
    }
    return n;
  }

  /** `label` then the value: inline for primitives, strings and short arrays, with children for objects. */
  value(label: string, v: JavaValue, type = 'L'): Node {
    if (type in primitiveNames) return this.node(`${label}${this.primitive(type, v)}`);
    if (v === null) return this.node(`${label}null`);
    if (typeof v === 'string') return this.node(`${label}${quote(v, this.o.maxStringChars)}`);
    if (v instanceof Uint8Array) return this.node(`${label}block data, ${v.length} bytes: ${hex(v, this.o.maxHexBytes)}`);
    if (typeof v !== 'object') return this.node(`${label}${String(v)}`);
    const ref = this.seen(v);
    if (ref) return this.node(`${label}${ref} (${v.kind === 'class' ? 'class ' + v.desc.name : javaTypeName(v.desc.name)})`);
    switch (v.kind) {
      case 'class':
        return this.withDesc(this.node(`${label}class ${v.desc.name}${this.at(v)}`), v.desc);
      case 'enum':
        return this.withDesc(this.node(`${label}enum ${v.className}.${v.constant}${this.at(v)}`), v.desc);
      case 'array':
        return this.array(label, v.desc, v.elements, this.at(v));
      case 'object':
        return this.object(label, v);
    }
  }

  private withDesc(n: Node, d: JavaClassDesc): Node {
    const dn = this.full ? undefined : this.desc(d);
    if (dn) n.kids.unshift(dn);
    return n;
  }

  private array(label: string, d: JavaClassDesc, elements: JavaValue[], at: string): Node {
    const component = d.name.slice(1);
    // Java writes the count in the first brackets: int[2][] is an array of two int[].
    const head = `${label}${javaTypeName(d.name).replace('[]', `[${elements.length}]`)}${at}`;
    if (component === 'B') return this.withDesc(this.node(`${head} = ${hex(Uint8Array.from(elements, (b) => Number(b) & 255), this.o.maxHexBytes)}`), d);
    if (component in primitiveNames) {
      const shown = elements.slice(0, this.o.maxElements).map((e) => this.primitive(component, e));
      const more = elements.length > this.o.maxElements ? `, … (${elements.length - this.o.maxElements} more)` : '';
      return this.withDesc(this.node(`${head} = [${shown.join(', ')}${more}]`), d);
    }
    const n = this.withDesc(this.node(head), d);
    this.list(n, elements, (i) => `[${i}] `);
    return n;
  }

  /** Children for items, at most maxElements of them, then one line counting the rest. */
  private list(n: Node, items: readonly JavaValue[], label: (i: number) => string): void {
    for (let i = 0; i < items.length; i++) {
      if (this.full) return;
      if (i === this.o.maxElements) {
        n.kids.push(this.node(`… (${items.length - i} more)`));
        return;
      }
      n.kids.push(this.value(label(i), items[i]!));
    }
  }

  private object(label: string, v: JavaObject): Node {
    const own = v.data.find((d) => d.className === v.className);
    // A boxed primitive on one line: java.lang.Integer @7e0003 = 5.
    if (boxes.has(v.className) && own && 'value' in own.fields && v.desc.fields.length === 1) {
      return this.withDesc(this.node(`${label}${v.className}${this.at(v)} = ${this.primitive(v.desc.fields[0]!.type, own.fields.value!)}`), v.desc);
    }
    const n = this.withDesc(this.node(`${label}${v.className}${this.at(v)}`), v.desc);
    const descs = new Map<string, JavaClassDesc>();
    for (let d: JavaClassDesc | null = v.desc; d; d = d.superClass) descs.set(d.name, d);
    const groups = v.data.filter((d) => Object.keys(d.fields).length > 0 || d.annotation !== undefined);
    for (const g of groups) {
      if (this.full) break;
      // One class with data: its fields go straight under the object; several: one group per class.
      const parent = groups.length === 1 && g.className === v.className ? n : this.node(`${g.className}:`);
      if (parent !== n) n.kids.push(parent);
      for (const f of descs.get(g.className)?.fields ?? []) {
        if (this.full) break;
        const type = f.className !== undefined ? javaTypeName(f.className) : primitiveNames[f.type]!;
        parent.kids.push(this.value(`${type} ${f.name} = `, g.fields[f.name] ?? null, f.type));
      }
      if (g.annotation && !this.full) {
        const w = this.node(`written by writeObject (${g.annotation.length} item${g.annotation.length === 1 ? '' : 's'})`);
        parent.kids.push(w);
        this.list(w, g.annotation, () => '');
      }
    }
    return n;
  }
}

function draw(n: Node, out: string[], head: string, tail: string): void {
  out.push(head + n.text);
  n.kids.forEach((k, i) => {
    const last = i === n.kids.length - 1;
    draw(k, out, tail + (last ? '└─ ' : '├─ '), tail + (last ? '   ' : '│  '));
  });
}

/**
 * Reads `bytes` as a Java serialization stream and returns it as a drawn tree, one line per value.
 * Throws ERR_DECODE as readJavaStream does (malformed input, a bound crossed, a class off the allowlist).
 */
export function formatJavaStream(bytes: Uint8Array, options: JavaInspectOptions = {}): string {
  const { maxElements, maxHexBytes, maxStringChars, maxLines, ...read } = { ...JAVA_INSPECT_DEFAULTS, ...options };
  const { items, handles } = readJavaStreamWithHandles(bytes, read);
  const f = new Formatter(handles, { maxElements, maxHexBytes, maxStringChars, maxLines });
  const root: Node = { text: `Java serialization stream, version 5, ${bytes.length} bytes, ${items.length} item${items.length === 1 ? '' : 's'}`, kids: [] };
  let i = 0;
  for (; i < items.length && !f.full; i++) root.kids.push(f.value(`[${i}] `, items[i]!));
  const out: string[] = [];
  draw(root, out, '', '');
  if (f.full) out.push(`… output stopped at maxLines (${maxLines}), ${i} of ${items.length} top-level items shown`);
  return out.join('\n');
}
