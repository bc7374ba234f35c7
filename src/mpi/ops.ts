// Reduction operations (mpi4py MPI.SUM, MPI.MIN, …): element-wise on typed arrays and plain arrays,
// scalar on numbers, bigints and booleans; minloc/maxloc on [value, index] pairs.
import { InvalidArgumentError } from '../errors.ts';
import { isTypedArray } from './payload.ts';

/**
 * A reduction operation. `combine(a, b)` computes a ∘ b where `a` comes from lower ranks; it must be
 * associative, and if `commutative` is false the collectives keep rank order.
 */
export interface Op {
  readonly name: string;
  readonly commutative: boolean;
  combine(a: unknown, b: unknown): unknown;
}

type Scalar = number | bigint | boolean;
interface Indexable {
  [i: number]: number | bigint;
  readonly length: number;
}

const isScalar = (v: unknown): v is Scalar => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';

function arith(name: string, n: (x: number, y: number) => number, g: (x: bigint, y: bigint) => bigint): (a: Scalar, b: Scalar) => Scalar {
  return (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return n(a, b);
    if (typeof a === 'bigint' && typeof b === 'bigint') return g(a, b);
    throw new InvalidArgumentError(`${name} cannot combine ${typeof a} and ${typeof b}`, { op: name });
  };
}

function logical(name: string, f: (x: boolean, y: boolean) => boolean): (a: Scalar, b: Scalar) => Scalar {
  return (a, b) => {
    const r = f(Boolean(a), Boolean(b));
    if (typeof a === 'boolean') return r;
    if (typeof a === 'bigint') return r ? 1n : 0n;
    return r ? 1 : 0;
  };
}

interface NumberIndexable {
  [i: number]: number;
  readonly length: number;
}

/**
 * An element-wise op. `numeric`, when given, is the same operation as a loop over arrays of numbers
 * (`o[i] = o[i] ∘ y[i]`): typed arrays of numbers (all but the BigInt ones) use it instead of calling the
 * general scalar function per element, which is several times faster on large arrays.
 */
function elementwise(name: string, scalar: (a: Scalar, b: Scalar) => Scalar, numeric?: (o: NumberIndexable, y: NumberIndexable) => void): Op {
  const combine = (a: unknown, b: unknown): unknown => {
    if (isTypedArray(a) && isTypedArray(b)) {
      if (a.length !== b.length || a.constructor !== b.constructor) {
        throw new InvalidArgumentError(`${name}: arrays differ (${a.constructor.name}[${a.length}] and ${b.constructor.name}[${b.length}])`, { op: name });
      }
      const out = a.slice();
      if (numeric && !(out instanceof BigInt64Array) && !(out instanceof BigUint64Array) && !(b instanceof BigInt64Array) && !(b instanceof BigUint64Array)) {
        numeric(out, b);
        return out;
      }
      const o: Indexable = out;
      const y: Indexable = b;
      for (let i = 0; i < o.length; i++) {
        const r = scalar(o[i]!, y[i]!);
        o[i] = typeof r === 'boolean' ? Number(r) : r;
      }
      return out;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) throw new InvalidArgumentError(`${name}: arrays of ${a.length} and ${b.length} elements`, { op: name });
      return a.map((x: unknown, i) => combine(x, b[i]));
    }
    if (isScalar(a) && isScalar(b)) return scalar(a, b);
    throw new InvalidArgumentError(`${name} cannot combine these values (use numbers, bigints, booleans, typed arrays or arrays of them)`, { op: name });
  };
  return Object.freeze({ name, commutative: true, combine });
}

function locOp(name: string, better: (x: number, y: number) => boolean): Op {
  const pair = (a: unknown, b: unknown): unknown => {
    if (Array.isArray(a) && Array.isArray(b) && Array.isArray(a[0]) && Array.isArray(b[0])) {
      if (a.length !== b.length) throw new InvalidArgumentError(`${name}: ${a.length} and ${b.length} pairs`, { op: name });
      return a.map((x: unknown, i) => pair(x, b[i]));
    }
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== 2 || b.length !== 2) throw new InvalidArgumentError(`${name} combines [value, index] pairs`, { op: name });
    const [va, ia] = a as [unknown, unknown];
    const [vb, ib] = b as [unknown, unknown];
    if (typeof va !== 'number' || typeof vb !== 'number' || typeof ia !== 'number' || typeof ib !== 'number') throw new InvalidArgumentError(`${name} combines [number, number] pairs`, { op: name });
    if (better(va, vb)) return [va, ia];
    if (better(vb, va)) return [vb, ib];
    return [va, Math.min(ia, ib)];
  };
  return Object.freeze({ name, commutative: true, combine: pair });
}

/** Sum (MPI.SUM). */
export const SUM = elementwise('sum', arith('sum', (x, y) => x + y, (x, y) => x + y), (o, y) => {
  for (let i = 0; i < o.length; i++) o[i] = o[i]! + y[i]!;
});
/** Product (MPI.PROD). */
export const PROD = elementwise('prod', arith('prod', (x, y) => x * y, (x, y) => x * y), (o, y) => {
  for (let i = 0; i < o.length; i++) o[i] = o[i]! * y[i]!;
});
/** Minimum (MPI.MIN). */
export const MIN = elementwise('min', (a, b) => (b < a ? b : a), (o, y) => {
  for (let i = 0; i < o.length; i++) if (y[i]! < o[i]!) o[i] = y[i]!;
});
/** Maximum (MPI.MAX). */
export const MAX = elementwise('max', (a, b) => (b > a ? b : a), (o, y) => {
  for (let i = 0; i < o.length; i++) if (y[i]! > o[i]!) o[i] = y[i]!;
});
/** Logical and (MPI.LAND): booleans stay booleans, numbers give 0 or 1. */
export const LAND = elementwise('land', logical('land', (x, y) => x && y));
/** Logical or (MPI.LOR). */
export const LOR = elementwise('lor', logical('lor', (x, y) => x || y));
/** Logical exclusive or (MPI.LXOR). */
export const LXOR = elementwise('lxor', logical('lxor', (x, y) => x !== y));
/** Bitwise and (MPI.BAND): numbers as 32-bit integers, bigints exactly. */
export const BAND = elementwise('band', arith('band', (x, y) => x & y, (x, y) => x & y), (o, y) => {
  for (let i = 0; i < o.length; i++) o[i] = o[i]! & y[i]!;
});
/** Bitwise or (MPI.BOR). */
export const BOR = elementwise('bor', arith('bor', (x, y) => x | y, (x, y) => x | y), (o, y) => {
  for (let i = 0; i < o.length; i++) o[i] = o[i]! | y[i]!;
});
/** Bitwise exclusive or (MPI.BXOR). */
export const BXOR = elementwise('bxor', arith('bxor', (x, y) => x ^ y, (x, y) => x ^ y), (o, y) => {
  for (let i = 0; i < o.length; i++) o[i] = o[i]! ^ y[i]!;
});
/** Minimum with its location (MPI.MINLOC) on [value, index] pairs (or arrays of them); ties take the lower index. */
export const MINLOC = locOp('minloc', (x, y) => x < y);
/** Maximum with its location (MPI.MAXLOC); ties take the lower index. */
export const MAXLOC = locOp('maxloc', (x, y) => x > y);

/**
 * A user-defined operation (mpi4py `Op.Create`). `fn(a, b)` returns a ∘ b with `a` from lower ranks; it
 * must be associative. With `commutative: false` results follow rank order.
 */
export function createOp<T>(fn: (a: T, b: T) => T, options: { commutative?: boolean; name?: string } = {}): Op {
  // Every value a collective hands the op came from a caller of the same collective with type T.
  const combine = (a: unknown, b: unknown): unknown => fn(a as T, b as T);
  return Object.freeze({ name: options.name ?? (fn.name || 'user'), commutative: options.commutative ?? true, combine });
}
