import { InvalidArgumentError } from '../../errors.ts';
import type { Op } from '../ops.ts';
import { isTypedArray, type TypedArray } from '../payload.ts';
import { bcast } from './bcast.ts';
import { checkCounts, checkRoot, CollTag, displacements, evenCounts, exchange, setAt, type Channel } from './channel.ts';

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
 * Combines every rank's value and gives the result to all. Small values: recursive doubling (log2 n rounds
 * of pairwise exchange; non-powers of two fold the extra ranks in first). Typed arrays of at least
 * RING_ALLREDUCE_BYTES with a commutative op and one element per rank: the ring (reduce-scatter, then
 * allgather), which moves 2(n-1)/n of the data per rank instead of log2 n copies.
 */
export async function allreduce(c: Channel, value: unknown, op: Op): Promise<unknown> {
  if (c.size === 1) return value;
  if (isTypedArray(value) && op.commutative && value.byteLength >= RING_ALLREDUCE_BYTES && value.length >= c.size) return ringAllreduce(c, value, op);
  return recursiveDoubling(c, value, op);
}

async function recursiveDoubling(c: Channel, value: unknown, op: Op): Promise<unknown> {
  const n = c.size;
  const r = c.rank;
  let pof2 = 1;
  while (pof2 * 2 <= n) pof2 *= 2;
  const rem = n - pof2;
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
      const partner = virtual ^ mask;
      const dest = partner < rem ? partner * 2 + 1 : partner + rem;
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

async function ringAllreduce(c: Channel, value: TypedArray, op: Op): Promise<unknown> {
  const n = c.size;
  const counts = evenCounts(value.length, n);
  const acc = value.slice();
  await ringReduceScatter(c, acc, counts, op, 1, CollTag.Allreduce);
  await ringAllgather(c, acc, counts, 1, CollTag.Allreduce);
  return acc;
}

/**
 * Ring reduce-scatter in place on `acc` split into blocks of `counts`: in n-1 steps each rank passes one
 * block to its right neighbour and combines the one from its left. Afterwards rank r holds the complete
 * block (r + shift) mod n.
 */
async function ringReduceScatter(c: Channel, acc: TypedArray, counts: readonly number[], op: Op, shift: number, tag: number): Promise<void> {
  const n = c.size;
  const r = c.rank;
  const displs = displacements(counts);
  const right = (r + 1) % n;
  const left = (r - 1 + n) % n;
  const block = (i: number) => acc.subarray(displs[i]!, displs[i]! + counts[i]!);
  for (let s = 0; s < n - 1; s++) {
    const out = (((r - s + shift - 1) % n) + n) % n;
    const into = (((r - s + shift - 2) % n) + n) % n;
    const got = await exchange(c, block(out), right, left, tag);
    // The received block comes from ranks below ours in ring order; the op is commutative, so either order.
    setAt(acc, op.combine(got, block(into)), displs[into]!);
  }
}

/** Ring allgather in place: rank r starts with block (r + shift) mod n complete and ends with all of them. */
async function ringAllgather(c: Channel, acc: TypedArray, counts: readonly number[], shift: number, tag: number): Promise<void> {
  const n = c.size;
  const r = c.rank;
  const displs = displacements(counts);
  for (let s = 0; s < n - 1; s++) {
    const out = (((r + shift - s) % n) + n) % n;
    const into = (((r + shift - s - 1) % n) + n) % n;
    const got = await exchange(c, acc.subarray(displs[out]!, displs[out]! + counts[out]!), (r + 1) % n, (r - 1 + n) % n, tag);
    setAt(acc, got, displs[into]!);
  }
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
