/**
 * The serialVersionUID Java computes for an array class (arrays cannot declare one): the first eight
 * bytes of the SHA-1 of the class name and its modifiers, read little-endian (ObjectStreamClass's
 * default algorithm, which for an array has no interfaces, fields, constructors or methods to add).
 * Java skips the check for arrays on reading, but writes this value, so courier does too.
 */
import { createHash } from 'node:crypto';

const PUBLIC = 0x0001;
const FINAL = 0x0010;
const ABSTRACT = 0x0400;
const cache = new Map<string, bigint>();

/**
 * `name` is the array's class name as the stream has it (`[I`, `[Ljava.lang.String;`); `publicElement`
 * tells whether the innermost element class is public (primitives are), which the array inherits.
 */
export function arraySerialVersionUID(name: string, publicElement: boolean): bigint {
  const key = `${publicElement ? 1 : 0}${name}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const utf = Buffer.from(name, 'utf8');
  const data = Buffer.alloc(2 + utf.length + 4);
  data.writeUInt16BE(utf.length, 0);
  utf.copy(data, 2);
  data.writeInt32BE((publicElement ? PUBLIC : 0) | FINAL | ABSTRACT, 2 + utf.length);
  const sha = createHash('sha1').update(data).digest();
  const suid = sha.readBigInt64LE(0);
  cache.set(key, suid);
  return suid;
}
