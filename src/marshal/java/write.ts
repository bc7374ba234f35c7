/**
 * Writes the generic tree of stream.ts back as a Java Object Serialization stream (version 5), handing
 * out handles in the order ObjectOutputStream does, so a tree read from a JDK's stream is written back
 * byte for byte (strings that Java wrote once and referenced again are written again: a JavaScript
 * string has no identity). Objects, arrays, enums and descriptors written twice become back-references.
 */
import { EncodeError } from '../../errors.ts';
import type { JavaClassData, JavaClassDesc, JavaValue } from './stream.ts';

const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;
const SC_EXTERNALIZABLE = 0x04;
const BASE_HANDLE = 0x7e0000;

class Out {
  buf = new Uint8Array(256);
  dv = new DataView(this.buf.buffer);
  pos = 0;
  private readonly handles = new Map<object, number>();
  /** Field type names, which Java interns, so one handle serves every descriptor that names the type. */
  private readonly typeNames = new Map<string, number>();
  private next = 0;

  constructor(private readonly maxBytes: number) {}

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos + n > this.maxBytes) throw new EncodeError(`stream exceeds maxBytes (${this.maxBytes})`, { limit: this.maxBytes });
    const b = new Uint8Array(Math.min(this.maxBytes, Math.max(this.pos + n, this.buf.length * 2)));
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.dv = new DataView(b.buffer);
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

  /** Modified UTF-8: NUL and U+0080..U+07FF in two bytes, every other unit (surrogates too) in three. */
  mutf8(s: string): Uint8Array {
    const out = new Uint8Array(s.length * 3);
    let p = 0;
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
    return out.subarray(0, p);
  }
  utf(s: string): void {
    const b = this.mutf8(s);
    if (b.length > 0xffff) throw new EncodeError(`a name of ${b.length} bytes does not fit a 16-bit length`, { path: s.slice(0, 40) });
    this.u16(b.length);
    this.bytes(b);
  }
  string(s: string): void {
    const b = this.mutf8(s);
    if (b.length > 0xffff) {
      this.u8(0x7c);
      this.i64(BigInt(b.length));
    } else {
      this.u8(0x74);
      this.u16(b.length);
    }
    this.bytes(b);
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

  value(type: string, v: JavaValue, path: string): void {
    const bad = (): never => {
      throw new EncodeError(`${path}: ${JSON.stringify(String(v)).slice(0, 40)} is not a value of Java type code ${type}`, { path });
    };
    switch (type) {
      case 'B':
        if (typeof v !== 'number') return bad();
        return this.u8(v & 255);
      case 'C':
        if (typeof v !== 'string' || v.length !== 1) return bad();
        return this.u16(v.charCodeAt(0));
      case 'S':
        if (typeof v !== 'number') return bad();
        return this.u16(v & 0xffff);
      case 'I':
        if (typeof v !== 'number') return bad();
        return this.i32(v);
      case 'J':
        if (typeof v !== 'bigint') return bad();
        return this.i64(v);
      case 'F':
        if (typeof v !== 'number') return bad();
        this.room(4);
        this.dv.setFloat32(this.pos, v);
        this.pos += 4;
        return;
      case 'D':
        if (typeof v !== 'number') return bad();
        this.room(8);
        this.dv.setFloat64(this.pos, v);
        this.pos += 8;
        return;
      case 'Z':
        if (typeof v !== 'boolean') return bad();
        return this.u8(v ? 1 : 0);
      default:
        return this.object(v, path);
    }
  }

  object(v: JavaValue, path: string): void {
    if (v === null) return this.u8(0x70);
    if (typeof v === 'string') return this.string(v);
    if (typeof v !== 'object' || v instanceof Uint8Array) throw new EncodeError(`${path}: a ${typeof v} where an object belongs`, { path });
    if (this.ref(v)) return;
    switch (v.kind) {
      case 'object': {
        this.u8(0x73);
        this.desc(v.desc);
        this.assign(v);
        const chain: JavaClassDesc[] = [];
        for (let d: JavaClassDesc | null = v.desc; d; d = d.superClass) chain.unshift(d);
        let i = 0;
        for (const d of chain) {
          if (!(d.flags & (SC_SERIALIZABLE | SC_EXTERNALIZABLE))) continue;
          const data: JavaClassData | undefined = v.data[i++];
          if (!data || data.className !== d.name) throw new EncodeError(`${path}: no data for class ${d.name} of the chain`, { path });
          if (!(d.flags & SC_EXTERNALIZABLE)) for (const f of d.fields) this.value(f.type, data.fields[f.name] ?? null, `${path}.${f.name}`);
          if (d.flags & (SC_WRITE_METHOD | SC_EXTERNALIZABLE)) this.annotation(data.annotation ?? [], path);
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
        v.elements.forEach((e, k) => this.value(component, e, `${path}[${k}]`));
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

  annotation(items: readonly JavaValue[], path: string): void {
    items.forEach((x, k) => this.content(x, `${path}<${k}>`));
    this.u8(0x78);
  }

  content(x: JavaValue, path: string): void {
    if (x instanceof Uint8Array) {
      if (x.length <= 255) {
        this.u8(0x77);
        this.u8(x.length);
      } else {
        this.u8(0x7a);
        this.i32(x.length);
      }
      this.bytes(x);
    } else this.object(x, path);
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
  items.forEach((x, k) => out.content(x, `stream[${k}]`));
  return out.buf.slice(0, out.pos);
}
