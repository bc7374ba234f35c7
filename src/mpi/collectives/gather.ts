import { InvalidArgumentError } from '../../errors.ts';
import { isTypedArray, type TypedArray } from '../payload.ts';
import { checkCounts, checkRoot, CollTag, concat, displacements, exchange, type Channel } from './channel.ts';

/** Collects one value from every rank at `root`, in rank order (linear: the root posts all receives at once). */
export async function gather<T>(c: Channel, value: T, root: number): Promise<T[] | undefined> {
  checkRoot(c, root);
  if (c.rank !== root) {
    await c.send(value, root, CollTag.Gather);
    return undefined;
  }
  const parts = await Promise.all(Array.from({ length: c.size }, (_, i) => (i === root ? Promise.resolve(value) : c.recv(i, CollTag.Gather))));
  // Every rank passed a T to the same gather.
  return parts as T[];
}

/** Hands `values[i]` from `root` to rank i (values is only read at the root, and must have one per rank). */
export async function scatter<T>(c: Channel, values: readonly T[] | undefined, root: number): Promise<T> {
  checkRoot(c, root);
  if (c.rank !== root) return (await c.recv(root, CollTag.Scatter)) as T; // the root's values are Ts
  if (!values || values.length !== c.size) throw new InvalidArgumentError(`scatter at the root needs one value per rank (${c.size})`, { size: c.size });
  await Promise.all(values.map((v, i) => (i === root ? undefined : c.send(v, i, CollTag.Scatter))));
  return values[root]!;
}

/**
 * Every rank's value on every rank, in rank order. Ring: n-1 steps, each passing the newest block to the
 * right; it works for any n and keeps each link busy with one message at a time.
 */
export async function allgather<T>(c: Channel, value: T): Promise<T[]> {
  const n = c.size;
  const out: unknown[] = new Array(n);
  out[c.rank] = value;
  for (let s = 0; s < n - 1; s++) {
    const send = (c.rank - s + n) % n;
    const recv = (c.rank - s - 1 + n) % n;
    out[recv] = await exchange(c, out[send], (c.rank + 1) % n, (c.rank - 1 + n) % n, CollTag.Allgather);
  }
  return out as T[]; // as in gather
}

/** Gathers typed arrays of any lengths into one at `root` (mpi4py `Gatherv`), with each rank's count. */
export async function gatherv<T extends TypedArray>(c: Channel, value: T, root: number): Promise<{ data: T; counts: number[] } | undefined> {
  if (!isTypedArray(value)) throw new InvalidArgumentError('gatherv takes a typed array', {});
  const parts = await gather<TypedArray>(c, value, root);
  if (!parts) return undefined;
  return { data: concat(value, parts), counts: parts.map((p) => p.length) };
}

/** Scatters `counts[i]` elements of the root's typed array to rank i (mpi4py `Scatterv`); default near-equal blocks. */
export async function scatterv<T extends TypedArray>(c: Channel, value: T | undefined, root: number, counts?: readonly number[]): Promise<T> {
  checkRoot(c, root);
  let blocks: T[] | undefined;
  if (c.rank === root) {
    if (!value || !isTypedArray(value)) throw new InvalidArgumentError('scatterv at the root takes a typed array', {});
    const cs = counts ?? evenBlocks(value.length, c.size);
    checkCounts(cs, c.size, value.length, 'scatterv');
    const displs = displacements(cs);
    blocks = cs.map((n, i) => value.subarray(displs[i]!, displs[i]! + n) as T); // subarray of a T is a T
  }
  return scatter<T>(c, blocks, root);
}

/** Every rank's typed array, concatenated in rank order, on every rank (mpi4py `Allgatherv`), with the counts. */
export async function allgatherv<T extends TypedArray>(c: Channel, value: T): Promise<{ data: T; counts: number[] }> {
  if (!isTypedArray(value)) throw new InvalidArgumentError('allgatherv takes a typed array', {});
  const parts = await allgather<TypedArray>(c, value);
  return { data: concat(value, parts), counts: parts.map((p) => p.length) };
}

function evenBlocks(length: number, n: number): number[] {
  const base = Math.floor(length / n);
  return Array.from({ length: n }, (_, i) => base + (i < length % n ? 1 : 0));
}
