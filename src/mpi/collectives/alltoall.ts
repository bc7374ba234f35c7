import { InvalidArgumentError } from '../../errors.ts';
import { isTypedArray, type TypedArray } from '../payload.ts';
import { checkCounts, CollTag, concat, displacements, exchange, type Channel } from './channel.ts';

/**
 * Rank i sends `values[j]` to rank j and receives rank j's `values[i]` (mpi4py `alltoall`). Pairwise
 * exchange: in step s every rank sends to rank + s and receives from rank - s, so each step is a
 * permutation and no rank is flooded.
 */
export async function alltoall<T>(c: Channel, values: readonly T[]): Promise<T[]> {
  const n = c.size;
  if (values.length !== n) throw new InvalidArgumentError(`alltoall needs one value per rank (${n}), got ${values.length}`, { size: n });
  const out: unknown[] = new Array(n);
  out[c.rank] = values[c.rank];
  for (let s = 1; s < n; s++) {
    const dest = (c.rank + s) % n;
    const source = (c.rank - s + n) % n;
    out[source] = await exchange(c, values[dest], dest, source, CollTag.Alltoall);
  }
  return out as T[]; // every rank sent Ts
}

/** Typed-array alltoall with counts (mpi4py `Alltoallv`): `sendCounts[j]` elements go to rank j; returns what arrived, concatenated, with its counts. */
export async function alltoallv<T extends TypedArray>(c: Channel, value: T, sendCounts: readonly number[]): Promise<{ data: T; counts: number[] }> {
  if (!isTypedArray(value)) throw new InvalidArgumentError('alltoallv takes a typed array', {});
  checkCounts(sendCounts, c.size, value.length, 'alltoallv');
  const displs = displacements(sendCounts);
  const parts = await alltoall<TypedArray>(c, sendCounts.map((n, i) => value.subarray(displs[i]!, displs[i]! + n)));
  return { data: concat(value, parts), counts: parts.map((p) => p.length) };
}
