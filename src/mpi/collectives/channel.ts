// What every collective algorithm needs: ranks, and sends and receives in the communicator's collective
// context, so collective traffic never matches user messages.
import { InvalidArgumentError } from '../../errors.ts';
import { sameKind, type TypedArray } from '../payload.ts';
import type { SharedMemory } from '../process/shared-files.ts';

/** Point-to-point in a communicator's collective context. */
export interface Channel {
  readonly rank: number;
  readonly size: number;
  send(value: unknown, dest: number, tag: number): Promise<unknown>;
  recv(source: number, tag: number): Promise<unknown>;
  /** Receives the next collective message from `source` whatever its tag, and says which tag it had. */
  recvTagged(source: number): Promise<{ readonly value: unknown; readonly tag: number }>;
  /** Memory every rank of the communicator can read (process ranks of one host); undefined otherwise. */
  readonly shared?: SharedMemory | undefined;
}

/** Tags of the collectives: every rank calls collectives in the same order, so these only help debugging. */
export const enum CollTag {
  Barrier = 1,
  Bcast = 2,
  Reduce = 3,
  Allreduce = 4,
  Gather = 5,
  Scatter = 6,
  Allgather = 7,
  Alltoall = 8,
  ReduceScatter = 9,
  Scan = 10,
  Exscan = 11,
  /** A large broadcast's element count, sent down the binomial tree instead of the value. */
  BcastLarge = 12,
  /** A large broadcast's blocks for one subtree. */
  BcastScatter = 13,
  /** A shared-memory broadcast's descriptor (file name, element type, byte size), sent down the binomial tree. */
  BcastShared = 14,
  /** A shared-memory broadcast's acknowledgement to the root: this rank has read the root's file. */
  BcastRead = 15,
}

/** Sends to `dest` and receives from `source` at once (so large rendezvous messages cannot deadlock). */
export async function exchange(c: Channel, value: unknown, dest: number, source: number, tag: number): Promise<unknown> {
  const [received] = await Promise.all([c.recv(source, tag), c.send(value, dest, tag)]);
  return received;
}

/** Checks a root rank. */
export function checkRoot(c: Channel, root: number): void {
  if (!Number.isInteger(root) || root < 0 || root >= c.size) throw new InvalidArgumentError(`root ${root} is not in 0..${c.size - 1}`, { root, size: c.size });
}

/** Offsets of blocks with the given element counts. */
export function displacements(counts: readonly number[]): number[] {
  const displs: number[] = [];
  let at = 0;
  for (const n of counts) {
    displs.push(at);
    at += n;
  }
  return displs;
}

/** Counts of `n` near-equal blocks of `length` elements (the first `length % n` one larger). */
export function evenCounts(length: number, n: number): number[] {
  const base = Math.floor(length / n);
  const extra = length % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Checks that `counts` has one non-negative integer per rank summing to at most `length`. */
export function checkCounts(counts: readonly number[], n: number, length: number, what: string): void {
  if (counts.length !== n || counts.some((x) => !Number.isInteger(x) || x < 0)) throw new InvalidArgumentError(`${what}: expected ${n} non-negative integer counts, got [${counts.join(', ')}]`, { counts });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > length) throw new InvalidArgumentError(`${what}: counts add up to ${total} elements but the buffer holds ${length}`, { total, length });
}

/** Joins typed arrays of one kind into a new one. */
export function concat<T extends TypedArray>(like: T, parts: readonly TypedArray[]): T {
  const out = sameKind(like, parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    setAt(out, p, at);
    at += p.length;
  }
  return out;
}

/** Copies `part` into `target` at element offset `at`; ERR_INVALID_ARGUMENT if the kinds differ. */
export function setAt(target: TypedArray, part: unknown, at: number): void {
  if (!ArrayBuffer.isView(part) || part.constructor !== target.constructor) {
    if (!(target instanceof Uint8Array && part instanceof Uint8Array)) throw new InvalidArgumentError(`expected a ${target.constructor.name} block`, {});
  }
  if (!ArrayBuffer.isView(part)) return;
  const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  new Uint8Array(target.buffer, target.byteOffset + at * target.BYTES_PER_ELEMENT, bytes.length).set(bytes);
}
