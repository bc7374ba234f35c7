/**
 * A small, fast, seeded pseudo-random generator (sfc32, seeded through splitmix32), for simulations and
 * fault injection that must repeat exactly for a given seed. Not for secrets: use node:crypto for those.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds the generator from any 32-bit integer (other numbers are reduced to 32 bits). */
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
    // Discard the first outputs: sfc32 mixes its state fully only after a few rounds.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float uniformly in [0, 1), with 32 bits of randomness. */
  next(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** True with probability `p` (0 never draws, so a fault set to 0 costs no randomness). */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** An integer uniformly in [0, n), for n up to 2^32. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A float uniformly in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A new generator whose sequence is independent of this one's later draws (derived from one draw). */
  fork(): Prng {
    return new Prng(this.nextU32());
  }
}

/**
 * A stateless hash of up to three 32-bit integers to a float in [0, 1): the same inputs always give the
 * same value, so per-pair properties (a topology's latencies) need no table.
 */
export function hashUnit(seed: number, x: number, y = 0): number {
  let h = Math.imul((seed ^ 0x27d4eb2d) >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (x >>> 0), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h ^ (y >>> 0), 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** A 32-bit hash of a string (FNV-1a), to derive stable numbers from names such as host addresses. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
