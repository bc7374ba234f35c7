/**
 * Java's hashCode() of the values whose hash the language defines (String and the boxed primitives),
 * which decides where HashMap and HashSet put a key and so the order they serialize their entries in.
 */
import type { JavaValue } from './stream.ts';
import type { PrimitiveCode } from './boxes.ts';

const scratch = new DataView(new ArrayBuffer(8));

/** String.hashCode: s[0]·31^(n−1) + … + s[n−1] over UTF-16 code units, in 32-bit arithmetic. */
export function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Long.hashCode: the two halves XORed. */
function longHash(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  return Number(BigInt.asIntN(32, u ^ (u >> 32n)));
}

/** hashCode of the boxed Java primitive `v` of type `code` (Float/Double with Java's one canonical NaN). */
export function boxHash(code: PrimitiveCode, v: JavaValue): number | undefined {
  switch (code) {
    case 'Z':
      return v === true ? 1231 : 1237;
    case 'C':
      return typeof v === 'string' ? v.charCodeAt(0) : undefined;
    case 'B':
    case 'S':
    case 'I':
      return typeof v === 'number' ? v | 0 : undefined;
    case 'J':
      return typeof v === 'bigint' ? longHash(v) : undefined;
    case 'F':
      if (typeof v !== 'number') return undefined;
      if (Number.isNaN(v)) return 0x7fc00000;
      scratch.setFloat32(0, v);
      return scratch.getInt32(0);
    case 'D':
      if (typeof v !== 'number') return undefined;
      if (Number.isNaN(v)) return longHash(0x7ff8000000000000n);
      scratch.setFloat64(0, v);
      return longHash(scratch.getBigInt64(0));
  }
}
