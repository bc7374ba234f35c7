import { dtypeOf, isTypedArray, sameKind, type TypedArray } from '../payload.ts';
import { sharedBcast, type SharedDescriptor } from './bcast-shared.ts';
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
 * Between process ranks of one host, a typed array of at least this many bytes is broadcast through shared
 * memory (bcast-shared.ts)... Below it the tree wins: on 4 ranks, 32 KiB took 0.3-0.4 ms by the tree against
 * 0.5-0.7 ms through shared memory, whose descriptor and acknowledgements cost about as much as the data.
 */
export const SHARED_BCAST_BYTES = 64 * 1024;
/** ...and of at most this many: the root's shared file grows to the largest array it broadcast. */
export const SHARED_BCAST_MAX_BYTES = 256 * 1024 * 1024;

/**
 * The root's `value` on every rank. Typed arrays of SHARED_BCAST_BYTES to SHARED_BCAST_MAX_BYTES between
 * process ranks of one host: through shared memory (bcast-shared.ts), on any number of ranks. Otherwise,
 * small values: a binomial tree (ranks numbered relative to the root
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
  let path = received ? received.tag : pathOf(value, n, c.shared !== undefined);
  if (path === CollTag.BcastShared) {
    let descriptor = received?.value as SharedDescriptor | undefined;
    if (!descriptor) {
      const array = value as TypedArray;
      try {
        const name = await c.shared!.publish(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
        descriptor = [name, dtypeOf(array), array.byteLength];
      } catch {
        path = CollTag.Bcast; // the shared directory is full or gone: the sockets carry it instead
      }
    }
    if (descriptor) return (await sharedBcast(c, received ? undefined : (value as TypedArray), descriptor, me, parentMask, real)) as T;
  }
  if (path !== CollTag.BcastLarge) {
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

// The root's choice, which it tells the others by the tag of what it sends down the tree.
function pathOf(value: unknown, n: number, shared: boolean): CollTag {
  if (!isTypedArray(value)) return CollTag.Bcast;
  if (shared && value.byteLength >= SHARED_BCAST_BYTES && value.byteLength <= SHARED_BCAST_MAX_BYTES) return CollTag.BcastShared;
  if (n >= SCATTER_BCAST_MIN_RANKS) return value.byteLength >= SCATTER_BCAST_BYTES && value.length >= n ? CollTag.BcastLarge : CollTag.Bcast;
  return CollTag.Bcast;
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
