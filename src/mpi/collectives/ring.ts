// The ring algorithms shared by allreduce, reduce-scatter and the large broadcast: n-1 steps in which every
// rank passes one block to its right neighbour and takes one from its left, so each link carries 1/n of
// the data per step and no rank waits on another's whole vector.
import type { Op } from '../ops.ts';
import type { TypedArray } from '../payload.ts';
import { displacements, exchange, setAt, type Channel } from './channel.ts';

/**
 * Ring reduce-scatter in place on `acc` split into blocks of `counts`: in n-1 steps each rank passes one
 * block to its right neighbour and combines the one from its left. Afterwards rank r holds the complete
 * block (r + shift) mod n.
 */
export async function ringReduceScatter(c: Channel, acc: TypedArray, counts: readonly number[], op: Op, shift: number, tag: number): Promise<void> {
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
export async function ringAllgather(c: Channel, acc: TypedArray, counts: readonly number[], shift: number, tag: number): Promise<void> {
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
