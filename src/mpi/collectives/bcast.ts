import { isTypedArray, sameKind, type TypedArray } from '../payload.ts';
import { checkRoot, CollTag, displacements, evenCounts, setAt, type Channel } from './channel.ts';
import { ringAllgather } from './ring.ts';

/** A broadcast of a typed array of at least this many bytes scatters it and allgathers the blocks... */
export const SCATTER_BCAST_BYTES = 512 * 1024;
/**
 * ...on at least this many ranks. Below it the tree is faster: with 4 ranks, 1 MiB took about 2.5x as long
 * by scatter-allgather (interleaved runs, processes and threads alike), whose many rendezvous steps each
 * cost a wake-up of a rank; MPICH draws the same line (MPIR_CVAR_BCAST_MIN_PROCS, 8).
 */
export const SCATTER_BCAST_MIN_RANKS = 8;

/**
 * The root's `value` on every rank. Small values: a binomial tree (ranks numbered relative to the root
 * receive once from their parent and pass the value on to up to log2 n children). Typed arrays of at least
 * SCATTER_BCAST_BYTES on SCATTER_BCAST_MIN_RANKS or more ranks: van de Geijn's scatter-allgather, as MPICH and Open MPI do
 * for long messages: the root scatters n blocks down the same tree, then a ring allgather completes every
 * rank, so the root sends about one copy of the data instead of log2 n. Only the root knows the value, so
 * the tree first carries either the value itself or, for the large case, its element count, and each
 * rank learns from the tag which it got.
 */
export async function bcast<T>(c: Channel, value: T, root: number): Promise<T> {
  checkRoot(c, root);
  const n = c.size;
  if (n === 1) return value;
  const me = (c.rank - root + n) % n;
  const real = (relative: number) => (relative + root) % n;
  // The bit at which this rank hangs below its parent; for the root, the power of two above every rank.
  let parentMask = 1;
  while (parentMask < n && !(me & parentMask)) parentMask <<= 1;
  const received = parentMask < n ? await c.recvTagged(real(me - parentMask)) : undefined;
  const large = received ? received.tag === CollTag.BcastLarge : isTypedArray(value) && value.byteLength >= SCATTER_BCAST_BYTES && value.length >= n && n >= SCATTER_BCAST_MIN_RANKS;
  if (!large) {
    const current = received ? received.value : value;
    const sends: Promise<unknown>[] = [];
    for (let mask = parentMask >> 1; mask > 0; mask >>= 1) if (me + mask < n) sends.push(c.send(current, real(me + mask), CollTag.Bcast));
    await Promise.all(sends);
    // Every rank received what the root passed in, which has the root's type T.
    return current as T;
  }
  const length = received ? (received.value as number) : (value as TypedArray).length; // the count the root sent
  return (await scatterAllgather(c, received ? undefined : (value as TypedArray), length, me, parentMask, real)) as T;
}

async function scatterAllgather(c: Channel, value: TypedArray | undefined, length: number, me: number, parentMask: number, real: (r: number) => number): Promise<TypedArray> {
  const n = c.size;
  const counts = evenCounts(length, n); // block i belongs to relative rank i
  const displs = displacements(counts);
  const offset = (relative: number) => (relative >= n ? length : displs[relative]!);
  // My subtree is relative ranks me .. me+parentMask-1: its blocks come from my parent in one piece.
  let acc: TypedArray;
  if (value) {
    acc = value.slice();
  } else {
    const mine = (await c.recv(real(me - parentMask), CollTag.BcastScatter)) as TypedArray; // the root's kind
    acc = sameKind(mine, length);
    setAt(acc, mine, offset(me));
  }
  const sends: Promise<unknown>[] = [];
  for (let mask = parentMask >> 1; mask > 0; mask >>= 1) {
    const child = me + mask;
    if (child >= n) continue;
    const blocks = acc.subarray(offset(child), offset(Math.min(child + mask, n)));
    sends.push(c.send(length, real(child), CollTag.BcastLarge).then(() => c.send(blocks, real(child), CollTag.BcastScatter)));
  }
  await Promise.all(sends);
  // Relative rank me holds block me: in real ranks, rank r holds block (r - root) mod n.
  await ringAllgather(c, acc, counts, n - real(0), CollTag.Bcast);
  return acc;
}
