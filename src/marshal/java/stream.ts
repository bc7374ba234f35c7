/**
 * A reader of the Java Object Serialization Stream Protocol (stream magic 0xACED, version 5) into a
 * generic tree that names classes and fields. It only builds data, never runs code: class names are
 * strings, optionally checked against an allowlist; handles, depth, array lengths and total size are
 * bounded. Shared references and cycles come back as the same JavaScript object.
 */
import { decodeFail } from '../check.ts';

const MAGIC = 0xaced;
const VERSION = 5;
const TC_NULL = 0x70;
const TC_REFERENCE = 0x71;
const TC_CLASSDESC = 0x72;
const TC_OBJECT = 0x73;
const TC_STRING = 0x74;
const TC_ARRAY = 0x75;
const TC_CLASS = 0x76;
const TC_BLOCKDATA = 0x77;
const TC_ENDBLOCKDATA = 0x78;
const TC_RESET = 0x79;
const TC_BLOCKDATALONG = 0x7a;
const TC_EXCEPTION = 0x7b;
const TC_LONGSTRING = 0x7c;
const TC_PROXYCLASSDESC = 0x7d;
const TC_ENUM = 0x7e;
/** The first handle number a stream assigns. */
const BASE_HANDLE = 0x7e0000;
/** Class descriptor flags. */
const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;
const SC_EXTERNALIZABLE = 0x04;
const SC_BLOCK_DATA = 0x08;

/** A field of a class descriptor: its type code (B C D F I J S Z L [) and, for objects, its type name. */
export interface JavaFieldDesc {
  readonly type: string;
  readonly name: string;
  readonly className?: string;
}
/** A class descriptor as the stream gives it. */
export interface JavaClassDesc {
  readonly kind: 'classDesc';
  readonly name: string;
  /** The class's serialVersionUID. */
  readonly serialVersionUID: bigint;
  readonly flags: number;
  readonly fields: readonly JavaFieldDesc[];
  readonly superClass: JavaClassDesc | null;
  /** For a proxy class: its interfaces. */
  readonly interfaces?: readonly string[];
}
/** The data one class of an object's chain wrote: its fields, then what its writeObject added. */
export interface JavaClassData {
  readonly className: string;
  readonly fields: Record<string, JavaValue>;
  /** Block data (Uint8Array) and objects written after the fields by a custom writeObject. */
  readonly annotation?: JavaValue[];
}
export interface JavaObject {
  readonly kind: 'object';
  readonly className: string;
  readonly desc: JavaClassDesc;
  /** One entry per serializable class, superclass first. */
  readonly data: JavaClassData[];
}
export interface JavaArray {
  readonly kind: 'array';
  readonly className: string;
  readonly desc: JavaClassDesc;
  readonly elements: JavaValue[];
}
export interface JavaEnum {
  readonly kind: 'enum';
  readonly className: string;
  readonly desc: JavaClassDesc;
  readonly constant: string;
}
export interface JavaClass {
  readonly kind: 'class';
  readonly desc: JavaClassDesc;
}
/** A value read from a stream: primitives as numbers (long as bigint, char as a one-unit string), boolean, string, null, or a node. */
export type JavaValue = null | boolean | number | bigint | string | Uint8Array | JavaObject | JavaArray | JavaEnum | JavaClass;

/** Bounds and the class allowlist of a read. */
export interface JavaReadOptions {
  /** Deepest nesting of objects, arrays and descriptors (default 64). */
  readonly maxDepth?: number;
  /** Most handles (objects, strings, descriptors) one stream may define (default 1 Mi). */
  readonly maxHandles?: number;
  /** Largest stream accepted, in bytes (default 64 MiB). */
  readonly maxBytes?: number;
  /** When given, a class descriptor whose name this refuses is ERR_DECODE before anything of it is read. */
  readonly allowClass?: (name: string) => boolean;
}

type Handled = JavaValue | JavaClassDesc;

function isDesc(v: Handled): v is JavaClassDesc {
  return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && v.kind === 'classDesc';
}

/** Bytes per array element by component type code; object elements take at least one. */
const elementSize = new Map([['B', 1], ['Z', 1], ['C', 2], ['S', 2], ['I', 4], ['F', 4], ['J', 8], ['D', 8]]);

class Reader {
  pos = 0;
  private handles: Handled[] = [];
  /** Each descriptor's class chain, superclass first, worked out at its first object. */
  private readonly chains = new Map<JavaClassDesc, JavaClassDesc[]>();
  private depth = 0;
  private readonly dv: DataView;

  constructor(
    readonly buf: Uint8Array,
    readonly opts: Required<Omit<JavaReadOptions, 'allowClass'>> & Pick<JavaReadOptions, 'allowClass'>,
    /** When given, every object, array, enum, class and descriptor is entered with its handle number. */
    private readonly handleOf?: Map<object, number>,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(message: string, at = this.pos): never {
    return decodeFail('stream', at, message);
  }
  private need(n: number): number {
    const at = this.pos;
    if (n > this.buf.length - at) this.fail(`input ends inside a value (${n} bytes needed, ${this.buf.length - at} left)`);
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.buf[this.need(1)]!;
  }
  u16(): number {
    return this.dv.getUint16(this.need(2));
  }
  i32(): number {
    return this.dv.getInt32(this.need(4));
  }
  i64(): bigint {
    return this.dv.getBigInt64(this.need(8));
  }
  peek(): number {
    if (this.pos >= this.buf.length) this.fail('input ends where a value should start');
    return this.buf[this.pos]!;
  }

  private newHandle(v: Handled): number {
    if (this.handles.length >= this.opts.maxHandles) this.fail(`more than maxHandles (${this.opts.maxHandles}) handles`);
    this.handles.push(v);
    const i = this.handles.length - 1;
    if (this.handleOf && v !== null && typeof v === 'object') this.handleOf.set(v, BASE_HANDLE + i);
    return i;
  }
  private setHandle(i: number, v: Handled): void {
    this.handles[i] = v;
    if (this.handleOf && v !== null && typeof v === 'object') this.handleOf.set(v, BASE_HANDLE + i);
  }

  /** Modified UTF-8 of `len` bytes: NUL as C0 80, characters outside the BMP as two 3-byte surrogates. */
  mutf8(len: number): string {
    const start = this.need(len);
    const b = this.buf;
    const end = start + len;
    if (len <= 32) {
      // Short ASCII text, the usual class, field and value names, without the code-unit array.
      let ascii = '';
      let i = start;
      for (; i < end; i++) {
        const c = b[i]!;
        if (c === 0 || c >= 0x80) break;
        ascii += String.fromCharCode(c);
      }
      if (i === end) return ascii;
    }
    const units: number[] = [];
    let out = '';
    for (let i = start; i < end; ) {
      const c = b[i]!;
      if (c < 0x80) {
        if (c === 0) this.fail('a NUL byte in modified UTF-8', i);
        units.push(c);
        i++;
      } else if ((c & 0xe0) === 0xc0 && i + 1 < end && (b[i + 1]! & 0xc0) === 0x80) {
        units.push(((c & 0x1f) << 6) | (b[i + 1]! & 0x3f));
        i += 2;
      } else if ((c & 0xf0) === 0xe0 && i + 2 < end && (b[i + 1]! & 0xc0) === 0x80 && (b[i + 2]! & 0xc0) === 0x80) {
        units.push(((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f));
        i += 3;
      } else this.fail('malformed modified UTF-8', i);
      if (units.length >= 4096) {
        out += String.fromCharCode(...units);
        units.length = 0;
      }
    }
    return out + String.fromCharCode(...units);
  }

  private enter(): void {
    if (++this.depth > this.opts.maxDepth) this.fail(`objects nest deeper than maxDepth (${this.opts.maxDepth})`);
  }

  /** One content item: an object, or block data (as bytes). */
  content(): JavaValue {
    const tc = this.peek();
    if (tc === TC_BLOCKDATA) {
      this.pos++;
      const n = this.u8();
      return this.buf.slice(this.need(n), this.pos);
    }
    if (tc === TC_BLOCKDATALONG) {
      this.pos++;
      const n = this.i32();
      if (n < 0) this.fail(`negative block length ${n}`);
      return this.buf.slice(this.need(n), this.pos);
    }
    return this.object();
  }

  private reference(): Handled {
    const at = this.pos;
    const h = this.i32() - BASE_HANDLE;
    if (h < 0 || h >= this.handles.length) this.fail(`reference to handle 0x${(h + BASE_HANDLE).toString(16)}, which the stream has not defined`, at);
    return this.handles[h]!;
  }

  object(): JavaValue {
    const at = this.pos;
    const tc = this.u8();
    switch (tc) {
      case TC_NULL:
        return null;
      case TC_REFERENCE: {
        const v = this.reference();
        if (isDesc(v)) return this.fail('a reference to a class descriptor where an object belongs', at);
        return v;
      }
      case TC_STRING:
        return this.string(this.u16());
      case TC_LONGSTRING: {
        const n = this.i64();
        if (n < 0n || n > BigInt(this.buf.length - this.pos)) this.fail(`long string of ${n} bytes exceeds the input left`);
        return this.string(Number(n));
      }
      case TC_OBJECT:
        return this.newObject();
      case TC_ARRAY:
        return this.array();
      case TC_ENUM: {
        this.enter();
        const desc = this.classDesc();
        const h = this.newHandle(null);
        const name = this.object();
        if (typeof name !== 'string') this.fail('an enum constant name must be a string');
        const e: JavaEnum = { kind: 'enum', className: desc.name, desc, constant: name };
        this.setHandle(h, e);
        this.depth--;
        return e;
      }
      case TC_CLASS: {
        const desc = this.classDesc();
        const c: JavaClass = { kind: 'class', desc };
        this.newHandle(c);
        return c;
      }
      case TC_RESET:
        this.handles = [];
        return this.object();
      case TC_EXCEPTION:
        return this.fail('the writer failed mid-stream (TC_EXCEPTION)', at);
      default:
        return this.fail(`unexpected type code 0x${tc.toString(16)}`, at);
    }
  }

  private string(len: number): string {
    const s = this.mutf8(len);
    this.newHandle(s);
    return s;
  }

  /** A class descriptor or a reference to one (null is refused). */
  classDesc(): JavaClassDesc {
    const d = this.classDescOrNull();
    return d ?? this.fail('a class descriptor is required here');
  }

  private classDescOrNull(): JavaClassDesc | null {
    const at = this.pos;
    const tc = this.u8();
    if (tc === TC_NULL) return null;
    if (tc === TC_REFERENCE) {
      const v = this.reference();
      if (!isDesc(v)) return this.fail('a reference to a non-descriptor where a class descriptor belongs', at);
      return v;
    }
    this.enter();
    let desc: JavaClassDesc;
    if (tc === TC_CLASSDESC) {
      const name = this.mutf8(this.u16());
      if (this.opts.allowClass && !this.opts.allowClass(name)) this.fail(`class ${name} is not on the allowlist`, at);
      const serialVersionUID = this.i64();
      const h = this.newHandle(null);
      const flags = this.u8();
      const count = this.u16();
      const fields: JavaFieldDesc[] = [];
      for (let i = 0; i < count; i++) {
        const type = String.fromCharCode(this.u8());
        const fname = this.mutf8(this.u16());
        if (type === 'L' || type === '[') {
          const cn = this.object();
          if (typeof cn !== 'string') this.fail(`field ${fname}: its type name must be a string`);
          fields.push({ type, name: fname, className: cn });
        } else if ('BCDFIJSZ'.includes(type)) fields.push({ type, name: fname });
        else this.fail(`field ${fname}: unknown type code '${type}'`);
      }
      // The descriptor is registered before its annotation and superclass, which may refer to it.
      const partial = { kind: 'classDesc' as const, name, serialVersionUID, flags, fields, superClass: null };
      this.setHandle(h, partial);
      this.annotation();
      desc = { ...partial, superClass: this.classDescOrNull() };
      this.setHandle(h, desc);
    } else if (tc === TC_PROXYCLASSDESC) {
      const h = this.newHandle(null);
      const n = this.i32();
      if (n < 0 || n > this.buf.length - this.pos) this.fail(`proxy with ${n} interfaces`);
      const interfaces: string[] = [];
      for (let i = 0; i < n; i++) interfaces.push(this.mutf8(this.u16()));
      this.annotation();
      desc = { kind: 'classDesc', name: '<proxy>', serialVersionUID: 0n, flags: SC_SERIALIZABLE, fields: [], superClass: this.classDescOrNull(), interfaces };
      this.setHandle(h, desc);
    } else return this.fail(`expected a class descriptor, found type code 0x${tc.toString(16)}`, at);
    this.depth--;
    return desc;
  }

  /** Contents up to TC_ENDBLOCKDATA. */
  annotation(): JavaValue[] {
    const items: JavaValue[] = [];
    while (this.peek() !== TC_ENDBLOCKDATA) items.push(this.content());
    this.pos++;
    return items;
  }

  private newObject(): JavaObject {
    this.enter();
    const desc = this.classDesc();
    const data: JavaClassData[] = [];
    const obj: JavaObject = { kind: 'object', className: desc.name, desc, data };
    this.newHandle(obj);
    let chain = this.chains.get(desc);
    if (!chain) {
      chain = [];
      for (let d: JavaClassDesc | null = desc; d; d = d.superClass) {
        chain.unshift(d);
        if (chain.length > this.opts.maxDepth) this.fail('superclass chain longer than maxDepth');
      }
      this.chains.set(desc, chain);
    }
    for (const d of chain) {
      if (d.flags & SC_EXTERNALIZABLE) {
        if (!(d.flags & SC_BLOCK_DATA)) this.fail(`${d.name} is externalizable in protocol version 1, which cannot be read without the class`);
        data.push({ className: d.name, fields: {}, annotation: this.annotation() });
        continue;
      }
      if (!(d.flags & SC_SERIALIZABLE)) continue;
      const fields: Record<string, JavaValue> = {};
      for (const f of d.fields) {
        const v = this.fieldValue(f.type);
        // A field a hostile stream names __proto__ becomes an ordinary property, never the object's prototype.
        if (f.name === '__proto__') Object.defineProperty(fields, f.name, { value: v, enumerable: true, writable: true, configurable: true });
        else fields[f.name] = v;
      }
      data.push(d.flags & SC_WRITE_METHOD ? { className: d.name, fields, annotation: this.annotation() } : { className: d.name, fields });
    }
    this.depth--;
    return obj;
  }

  private fieldValue(type: string): JavaValue {
    switch (type) {
      case 'B':
        return this.dv.getInt8(this.need(1));
      case 'C':
        return String.fromCharCode(this.u16());
      case 'D':
        return this.dv.getFloat64(this.need(8));
      case 'F':
        return this.dv.getFloat32(this.need(4));
      case 'I':
        return this.i32();
      case 'J':
        return this.i64();
      case 'S':
        return this.dv.getInt16(this.need(2));
      case 'Z':
        return this.u8() !== 0;
      default:
        return this.object();
    }
  }

  private array(): JavaArray {
    this.enter();
    const desc = this.classDesc();
    const elements: JavaValue[] = [];
    const arr: JavaArray = { kind: 'array', className: desc.name, desc, elements };
    this.newHandle(arr);
    const at = this.pos;
    const n = this.i32();
    const component = desc.name.charAt(1);
    const size = elementSize.get(component) ?? 1;
    // Every element takes at least `size` bytes, so a count the input cannot hold fails before any work.
    if (n < 0 || n > (this.buf.length - this.pos) / size) this.fail(`array length ${n} exceeds what the input left can hold`, at);
    if (component === 'D' || component === 'I') {
      // The common big arrays in one tight loop (the length was checked against the input above).
      const dv = this.dv;
      let p = this.pos;
      for (let i = 0; i < n; i++, p += size) elements.push(size === 8 ? dv.getFloat64(p) : dv.getInt32(p));
      this.pos = p;
    } else for (let i = 0; i < n; i++) elements.push(this.fieldValue(component));
    this.depth--;
    return arr;
  }
}

/** Java's defaults for the read bounds. */
export const JAVA_READ_DEFAULTS = Object.freeze({ maxDepth: 64, maxHandles: 1024 * 1024, maxBytes: 64 * 1024 * 1024 });

/**
 * Reads a whole serialization stream into its top-level items (objects, and block data as bytes).
 * Throws ERR_DECODE (offset, path `stream`) on malformed or hostile input, a forged handle, a class
 * outside the allowlist, or a bound crossed. Never loads or runs any class.
 */
export function readJavaStream(bytes: Uint8Array, options: JavaReadOptions = {}): JavaValue[] {
  return read(bytes, options);
}

/**
 * readJavaStream, also returning the handle number (0x7E0000 and up) the stream gave each object,
 * array, enum, class and class descriptor, so a dump can show back-references. Strings have no
 * identity in JavaScript and are not in the map.
 */
export function readJavaStreamWithHandles(bytes: Uint8Array, options: JavaReadOptions = {}): { items: JavaValue[]; handles: ReadonlyMap<object, number> } {
  const handles = new Map<object, number>();
  return { items: read(bytes, options, handles), handles };
}

function read(bytes: Uint8Array, options: JavaReadOptions, handles?: Map<object, number>): JavaValue[] {
  const opts = { ...JAVA_READ_DEFAULTS, ...options };
  if (bytes.length > opts.maxBytes) decodeFail('stream', 0, `input of ${bytes.length} bytes exceeds maxBytes (${opts.maxBytes})`);
  const r = new Reader(bytes, opts, handles);
  if (r.u16() !== MAGIC) r.fail('not a Java serialization stream (magic 0xACED missing)', 0);
  const v = r.u16();
  if (v !== VERSION) r.fail(`stream version ${v}, expected ${VERSION}`, 2);
  const items: JavaValue[] = [];
  while (r.pos < bytes.length) items.push(r.content());
  return items;
}
