/**
 * Writes the generic tree of stream.ts back as a Java Object Serialization stream (version 5), handing
 * out handles in the order ObjectOutputStream does, so a tree read from a JDK's stream is written back
 * byte for byte (strings that Java wrote once and referenced again are written again: a JavaScript
 * string has no identity). Objects, arrays, enums and descriptors written twice become back-references.
 */
import { EncodeError } from '../../errors.ts';
import { PathStack } from './path.ts';
import type { JavaClassData, JavaClassDesc, JavaValue } from './stream.ts';

const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;
const SC_EXTERNALIZABLE = 0x04;
const BASE_HANDLE = 0x7e0000;

/** ERR_ENCODE for a value that does not fit its field's type code (a plain function: no closure per value on the hot path). */
function badValue(type: string, v: JavaValue, at: PathStack): never {
  const path = String(at);
  throw new EncodeError(`${path}: ${JSON.stringify(String(v)).slice(0, 40)} is not a value of Java type code ${type}`, { path });
}

/**
 * The buffer every stream starts in (encoding is synchronous, so one is enough), and each descriptor's
 * class chain, superclass first: neither is made again for every message.
 */
const scratch = new Uint8Array(64 * 1024);
const scratchView = new DataView(scratch.buffer);
const chains = new WeakMap<JavaClassDesc, JavaClassDesc[]>();

class Out {
  // Starts in the shared scratch buffer; a stream that outgrows it gets its own.
  buf = scratch;
  dv = scratchView;
  pos = 0;
  private readonly handles = new Map<object, number>();
  /** Field type names, which Java interns, so one handle serves every descriptor that names the type. */
  private readonly typeNames = new Map<string, number>();
  private next = 0;

  /** Each descriptor's class chain, superclass first, worked out once per stream. */
  readonly path = new PathStack('stream');

  /** Bytes writable without growing: the buffer's end, or maxBytes when that comes first. */
  private end: number;

  constructor(private readonly maxBytes: number) {
    this.end = Math.min(scratch.length, maxBytes);
  }

  private chain(desc: JavaClassDesc): JavaClassDesc[] {
    let c = chains.get(desc);
    if (!c) {
      c = [];
      for (let d: JavaClassDesc | null = desc; d; d = d.superClass) c.unshift(d);
      chains.set(desc, c);
    }
    return c;
  }

  private room(n: number): void {
    if (this.pos + n <= this.end) return;
    if (this.pos + n > this.maxBytes) throw new EncodeError(`stream exceeds maxBytes (${this.maxBytes})`, { limit: this.maxBytes });
    const b = new Uint8Array(Math.min(this.maxBytes, Math.max(this.pos + n, this.buf.length * 2)));
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.dv = new DataView(b.buffer);
    this.end = b.length;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.dv.setUint16(this.pos, v);
    this.pos += 2;
  }
  i32(v: number): void {
    this.room(4);
    this.dv.setInt32(this.pos, v);
    this.pos += 4;
  }
  i64(v: bigint): void {
    this.room(8);
    this.dv.setBigInt64(this.pos, BigInt.asIntN(64, v));
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  private assign(o: object | undefined): void {
    if (o) this.handles.set(o, this.next);
    this.next++;
  }
  private ref(o: object): boolean {
    const h = this.handles.get(o);
    if (h === undefined) return false;
    this.u8(0x71);
    this.i32(BASE_HANDLE + h);
    return true;
  }

  /** Bytes of `s` in modified UTF-8: NUL and U+0080..U+07FF take two, every other unit (surrogates too) three. */
  static mutf8Length(s: string): number {
    let n = s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c >= 0x80) n += c < 0x800 ? 1 : 2;
    }
    return n;
  }
  /** Writes `s` in modified UTF-8 straight into the buffer (room for `n` = its length already made). */
  private putMutf8(s: string, n: number): void {
    const out = this.buf;
    let p = this.pos;
    if (n === s.length) {
      for (let i = 0; i < s.length; i++) out[p++] = s.charCodeAt(i);
    } else {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 1 && c < 0x80) out[p++] = c;
        else if (c < 0x800) {
          out[p++] = 0xc0 | (c >> 6);
          out[p++] = 0x80 | (c & 63);
        } else {
          out[p++] = 0xe0 | (c >> 12);
          out[p++] = 0x80 | ((c >> 6) & 63);
          out[p++] = 0x80 | (c & 63);
        }
      }
    }
    this.pos = p;
  }
  utf(s: string): void {
    const n = Out.mutf8Length(s);
    if (n > 0xffff) throw new EncodeError(`a name of ${n} bytes does not fit a 16-bit length`, { path: s.slice(0, 40) });
    this.u16(n);
    this.room(n);
    this.putMutf8(s, n);
  }
  string(s: string): void {
    const n = Out.mutf8Length(s);
    if (n > 0xffff) {
      this.u8(0x7c);
      this.i64(BigInt(n));
    } else {
      this.u8(0x74);
      this.u16(n);
    }
    this.room(n);
    this.putMutf8(s, n);
    this.assign(undefined);
  }
  private typeName(s: string): void {
    const h = this.typeNames.get(s);
    if (h !== undefined) {
      this.u8(0x71);
      this.i32(BASE_HANDLE + h);
      return;
    }
    this.typeNames.set(s, this.next);
    this.string(s);
  }

  desc(d: JavaClassDesc | null): void {
    if (d === null) return this.u8(0x70);
    if (this.ref(d)) return;
    if (d.interfaces) throw new EncodeError('proxy class descriptors cannot be written', { path: d.name });
    this.u8(0x72);
    this.utf(d.name);
    this.i64(d.serialVersionUID);
    this.assign(d);
    this.u8(d.flags);
    this.u16(d.fields.length);
    for (const f of d.fields) {
      this.u8(f.type.charCodeAt(0));
      this.utf(f.name);
      if (f.className !== undefined) this.typeName(f.className);
    }
    // Class annotations are not kept by the reader; ObjectOutputStream writes none for ordinary classes.
    this.u8(0x78);
    this.desc(d.superClass);
  }

  value(type: string, v: JavaValue): void {
    switch (type) {
      case 'B':
        if (typeof v !== 'number') return badValue(type, v, this.path);
        return this.u8(v & 255);
      case 'C':
        if (typeof v !== 'string' || v.length !== 1) return badValue(type, v, this.path);
        return this.u16(v.charCodeAt(0));
      case 'S':
        if (typeof v !== 'number') return badValue(type, v, this.path);
        return this.u16(v & 0xffff);
      case 'I':
        if (typeof v !== 'number') return badValue(type, v, this.path);
        return this.i32(v);
      case 'J':
        if (typeof v !== 'bigint') return badValue(type, v, this.path);
        return this.i64(v);
      case 'F':
        if (typeof v !== 'number') return badValue(type, v, this.path);
        this.room(4);
        this.dv.setFloat32(this.pos, v);
        this.pos += 4;
        return;
      case 'D':
        if (typeof v !== 'number') return badValue(type, v, this.path);
        this.room(8);
        this.dv.setFloat64(this.pos, v);
        this.pos += 8;
        return;
      case 'Z':
        if (typeof v !== 'boolean') return badValue(type, v, this.path);
        return this.u8(v ? 1 : 0);
      default:
        return this.object(v);
    }
  }

  object(v: JavaValue): void {
    if (v === null) return this.u8(0x70);
    if (typeof v === 'string') return this.string(v);
    if (typeof v !== 'object' || v instanceof Uint8Array) {
      const path = String(this.path);
      throw new EncodeError(`${path}: a ${typeof v} where an object belongs`, { path });
    }
    if (this.ref(v)) return;
    switch (v.kind) {
      case 'object': {
        this.u8(0x73);
        this.desc(v.desc);
        this.assign(v);
        let i = 0;
        for (const d of this.chain(v.desc)) {
          if (!(d.flags & (SC_SERIALIZABLE | SC_EXTERNALIZABLE))) continue;
          const data: JavaClassData | undefined = v.data[i++];
          if (!data || data.className !== d.name) {
            const path = String(this.path);
            throw new EncodeError(`${path}: no data for class ${d.name} of the chain`, { path });
          }
          if (!(d.flags & SC_EXTERNALIZABLE)) {
            for (const f of d.fields) {
              this.path.push(f.name);
              this.value(f.type, Object.hasOwn(data.fields, f.name) ? data.fields[f.name]! : null);
              this.path.pop();
            }
          }
          if (d.flags & (SC_WRITE_METHOD | SC_EXTERNALIZABLE)) this.annotation(data.annotation ?? []);
        }
        return;
      }
      case 'array': {
        this.u8(0x75);
        const d = v.desc;
        this.desc(d);
        this.assign(v);
        this.i32(v.elements.length);
        const component = d.name.charAt(1);
        const es = v.elements;
        if (component === 'D' || component === 'I') return this.numbers(component, es);
        for (let k = 0; k < es.length; k++) {
          this.path.push(k);
          this.value(component, es[k]!);
          this.path.pop();
        }
        return;
      }
      case 'enum':
        this.u8(0x7e);
        this.desc(v.desc);
        this.assign(v);
        return this.string(v.constant);
      case 'class':
        this.u8(0x76);
        this.desc(v.desc);
        return this.assign(v);
    }
  }

  /** A double[] or int[] in one tight loop (the common big arrays); a wrong element fails with its index. */
  private numbers(component: 'D' | 'I', es: readonly JavaValue[]): void {
    const size = component === 'D' ? 8 : 4;
    this.room(es.length * size);
    const dv = this.dv;
    let p = this.pos;
    for (let k = 0; k < es.length; k++) {
      const e = es[k]!;
      if (typeof e !== 'number') {
        this.path.push(k);
        badValue(component, e, this.path);
      }
      if (size === 8) dv.setFloat64(p, e);
      else dv.setInt32(p, e);
      p += size;
    }
    this.pos = p;
  }

  annotation(items: readonly JavaValue[]): void {
    for (let k = 0; k < items.length; k++) {
      this.path.push(`<${k}>`);
      this.content(items[k]!);
      this.path.pop();
    }
    this.u8(0x78);
  }

  content(x: JavaValue): void {
    if (x instanceof Uint8Array) {
      if (x.length <= 255) {
        this.u8(0x77);
        this.u8(x.length);
      } else {
        this.u8(0x7a);
        this.i32(x.length);
      }
      this.bytes(x);
    } else this.object(x);
  }
}

/**
 * Writes `items` (objects, and block data as Uint8Array) as one serialization stream. Throws ERR_ENCODE
 * for a value that does not fit its field's type code, a proxy descriptor, or more than `maxBytes`.
 */
export function writeJavaStream(items: readonly JavaValue[], maxBytes = 64 * 1024 * 1024): Uint8Array {
  const out = new Out(maxBytes);
  out.u16(0xaced);
  out.u16(5);
  items.forEach((x, k) => {
    out.path.push(k);
    out.content(x);
    out.path.pop();
  });
  return out.buf.slice(0, out.pos);
}
