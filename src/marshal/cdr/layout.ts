/** Sizes the CDR codecs need to know ahead: primitive widths and the least bytes a value can take. */
import type { PrimitiveKind, Schema } from '../schema.ts';
import { planUnion } from '../union.ts';

/** Bytes of each primitive in CDR (enum is 4, as a uint32 ordinal). */
export const primitiveSize: Readonly<Record<PrimitiveKind, number>> = {
  boolean: 1,
  char: 1,
  octet: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

/**
 * The fewest bytes one value of `s` can occupy, padding ignored. A sequence count is checked against
 * this before anything is allocated, so a hostile count fails at once.
 */
export function minSize(s: Schema): number {
  switch (s.kind) {
    case 'string':
      return 5;
    case 'bytes':
    case 'sequence':
    case 'enum':
      return 4;
    case 'optional':
      return 1;
    case 'array':
      return s.length * minSize(s.element);
    case 'struct':
      return s.fields.reduce((n, f) => n + minSize(f.type), 0);
    case 'union':
      // A union that may hold no member (no default, a free discriminator value) is its discriminator alone.
      return minSize(s.discriminator) + (planUnion(s).emptyLabel !== undefined ? 0 : Math.min(...s.cases.map((c) => minSize(c.type))));
    default:
      return primitiveSize[s.kind];
  }
}
