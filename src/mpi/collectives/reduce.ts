import { InvalidArgumentError } from '../../errors.ts';
import type { Op } from '../ops.ts';
import { isTypedArray, type TypedArray } from '../payload.ts';
import { bcast } from './bcast.ts';
import { checkCounts, checkRoot, CollTag, displacements, evenCounts, exchange, setAt, type Channel } from './channel.ts';
import { ringAllgather, ringReduceScatter } from './ring.ts';

/** Allreduce switches from recursive doubling to the ring at this many bytes (typed arrays, commutative ops). */
export const RING_ALLREDUCE_BYTES = 64 * 1024;

/**
 * Binomial-tree reduction to `root`: each rank combines what its subtree sends and passes it to its parent.
 * Commutative ops use a tree rooted at `root`; others one rooted at rank 0 (which keeps rank order) and a
 * final hop to `root`. Resolves to the result at the root and undefined elsewhere.
 */
export async function reduce(c: Channel, value: unknown, op: Op, root: number): Promise<unknown> {
  checkRoot(c, root);
  const n = c.size;
  const top = op.commutative ? root : 0;
  const me = (c.rank - top + n) % n;
  let acc = value;
  for (let mask = 1; mask < n; mask <<= 1) {
    if (me & mask) {
      await c.send(acc, (me - mask + top) % n, CollTag.Reduce);
      acc = undefined;
      break;
    }
    const child = me | mask;
    // The child's subtree holds the ranks just above ours, so `acc ∘ received` keeps rank order.
    if (child < n) acc = op.combine(acc, await c.recv((child + top) % n, CollTag.Reduce));
  }
  if (top === root) return c.rank === root ? acc : undefined;
  if (c.rank === top) await c.send(acc, root, CollTag.Reduce);
  if (c.rank === root) return c.recv(top, CollTag.Reduce);
  return undefined;
}

/**
 * Combines every rank's value and gives the result to all, choosing the algorithm as MPICH and Open MPI do.
 * Small values: recursive doubling (log2 n rounds of pairwise exchange). Typed arrays of at least
 * RING_ALLREDUCE_BYTES with a commutative op and one element per block: on a power-of-two rank count,
 * Rabenseifner's (reduce-scatter by recursive halving, allgather by recursive doubling: 2 log2 n steps);
 * otherwise the ring (2(n-1) steps, but no rank sits out). Both move 2(n-1)/n of the data per rank
 * instead of log2 n whole copies.
 */
export async function allreduce(c: Channel, value: unknown, op: Op): Promise<unknown> {
  if (c.size === 1) return value;
  if (isTypedArray(value) && op.commutative && value.byteLength >= RING_ALLREDUCE_BYTES && value.length >= c.size) {
    return (c.size & (c.size - 1)) === 0 ? rabenseifner(c, value, op) : ringAllreduce(c, value, op);
  }
  return recursiveDoubling(c, value, op);
}

/**
 * The rank counts of recursive algorithms: the largest power of two `pof2` not above n, and the `rem`
 * ranks beyond it. The first 2*rem ranks pair up (an even one folds into the odd one above it), so that
 * pof2 "virtual" ranks remain; virtual rank v is real rank 2v+1 below rem, else v+rem.
 */
function folding(n: number): { pof2: number; rem: number; real: (v: number) => number } {
  let pof2 = 1;
  while (pof2 * 2 <= n) pof2 *= 2;
  const rem = n - pof2;
  return { pof2, rem, real: (v) => (v < rem ? v * 2 + 1 : v + rem) };
}

async function recursiveDoubling(c: Channel, value: unknown, op: Op): Promise<unknown> {
  const r = c.rank;
  const { pof2, rem, real } = folding(c.size);
  let acc = value;
  let virtual: number;
  // The first 2*rem ranks pair up: each even one hands its value to the odd one above and sits out.
  if (r < 2 * rem) {
    if (r % 2 === 0) {
      await c.send(acc, r + 1, CollTag.Allreduce);
      virtual = -1;
    } else {
      acc = op.combine(await c.recv(r - 1, CollTag.Allreduce), acc);
      virtual = r >> 1;
    }
  } else {
    virtual = r - rem;
  }
  if (virtual >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const dest = real(virtual ^ mask);
      const got = await exchange(c, acc, dest, dest, CollTag.Allreduce);
      // Each virtual rank covers a contiguous run of real ranks, so lower-first keeps rank order.
      acc = dest < r ? op.combine(got, acc) : op.combine(acc, got);
    }
  }
  if (r < 2 * rem) {
    if (r % 2 === 1) await c.send(acc, r - 1, CollTag.Allreduce);
    else acc = await c.recv(r + 1, CollTag.Allreduce);
  }
  return acc;
}

/**
 * Rabenseifner's allreduce on n = 2^k ranks (commutative op): the vector is cut into n blocks; in k
 * halving steps each rank sends the half of its current range its partner keeps and combines the half it
 * keeps, ending with one block fully reduced; k doubling steps then swap ever larger ranges until every
 * rank has every block. Each block is reduced on one rank only, so all ranks end with identical bits.
 */
async function rabenseifner(c: Channel, value: TypedArray, op: Op): Promise<unknown> {
  const n = c.size;
  const me = c.rank;
  const counts = evenCounts(value.length, n);
  const displs = displacements(counts);
  const acc = value.slice();
  const range = (lo: number, hi: number) => acc.subarray(displs[lo]!, hi === n ? acc.length : displs[hi]!);
  let lo = 0;
  let hi = n;
  for (let mask = n >> 1; mask > 0; mask >>= 1) {
    const mid = (lo + hi) >> 1;
    const upper = (me & mask) !== 0;
    const [keepLo, keepHi, sendLo, sendHi] = upper ? [mid, hi, lo, mid] : [lo, mid, mid, hi];
    const got = await exchange(c, range(sendLo, sendHi), me ^ mask, me ^ mask, CollTag.Allreduce);
    setAt(acc, op.combine(range(keepLo, keepHi), got), displs[keepLo]!);
    lo = keepLo;
    hi = keepHi;
  }
  for (let mask = 1; mask < n; mask <<= 1) {
    const partner = me ^ mask;
    // The partner holds the range of the same size beside ours: below it when its bit is clear.
    const [theirLo, theirHi] = partner < me ? [lo - mask, lo] : [hi, hi + mask];
    setAt(acc, await exchange(c, range(lo, hi), partner, partner, CollTag.Allreduce), displs[theirLo]!);
    lo = Math.min(lo, theirLo);
    hi = Math.max(hi, theirHi);
  }
  return acc;
}

async function ringAllreduce(c: Channel, value: TypedArray, op: Op): Promise<unknown> {
  const n = c.size;
  const counts = evenCounts(value.length, n);
  const acc = value.slice();
  await ringReduceScatter(c, acc, counts, op, 1, CollTag.Allreduce);
  await ringAllgather(c, acc, counts, 1, CollTag.Allreduce);
  return acc;
}

/**
 * Reduces typed arrays element-wise and scatters the result: rank r gets the `counts[r]` elements at its
 * offset (default: near-equal blocks). Ring for commutative ops, reduce-then-scatter otherwise.
 */
export async function reduceScatter<T extends TypedArray>(c: Channel, value: T, op: Op, counts?: readonly number[]): Promise<T> {
  if (!isTypedArray(value)) throw new InvalidArgumentError('reduceScatter takes a typed array', {});
  const n = c.size;
  const blocks = counts ?? evenCounts(value.length, n);
  checkCounts(blocks, n, value.length, 'reduceScatter');
  const displs = displacements(blocks);
  const mine = (acc: TypedArray): T => {
    const part = acc.subarray(displs[c.rank]!, displs[c.rank]! + blocks[c.rank]!).slice();
    // subarray().slice() of a T is a T.
    return part as T;
  };
  if (op.commutative) {
    const acc = value.slice();
    await ringReduceScatter(c, acc, blocks, op, 0, CollTag.ReduceScatter);
    return mine(acc);
  }
  const total = await reduce(c, value, op, 0);
  const full = await bcast(c, total, 0);
  if (!isTypedArray(full)) throw new InvalidArgumentError('reduceScatter: the op must return a typed array', {});
  return mine(full);
}
