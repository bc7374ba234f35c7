import { InvalidArgumentError } from '../errors.ts';
import { alltoall, alltoallv } from './collectives/alltoall.ts';
import { barrier } from './collectives/barrier.ts';
import { bcast } from './collectives/bcast.ts';
import type { Channel } from './collectives/channel.ts';
import { allgather, allgatherv, gather, gatherv, scatter, scatterv } from './collectives/gather.ts';
import { allreduce, reduce, reduceScatter } from './collectives/reduce.ts';
import { exscan, scan } from './collectives/scan.ts';
import { PointToPoint } from './comm.ts';
import { UNDEFINED } from './constants.ts';
import type { Engine } from './engine.ts';
import { MAX, type Op } from './ops.ts';
import type { TypedArray } from './payload.ts';

/**
 * A communicator (mpi4py `Comm`): point-to-point (from PointToPoint) plus the collectives, which every rank
 * of the communicator must call in the same order. Collectives travel in their own context, so they never
 * match user messages. Reductions take an Op; results that the op computes have the type of the inputs.
 */
export class Communicator extends PointToPoint {
  private readonly channel: Channel;

  constructor(engine: Engine, group: readonly number[], context: number) {
    super(engine, group, context);
    this.channel = {
      rank: this.rank,
      size: this.size,
      send: (value, dest, tag) => this.collSend(value, dest, tag),
      recv: (source, tag) => this.collRecv(source, tag),
      recvTagged: (source) => this.collRecvTagged(source),
      shared: engine.transport.sharedMemory?.(context + 1),
    };
  }

  /** Returns once every rank of the communicator has called it (dissemination algorithm). */
  barrier(): Promise<void> {
    return barrier(this.channel);
  }

  /** The root's `value` on every rank (binomial tree); other ranks' `value` is ignored. */
  bcast<T>(value: T, root = 0): Promise<T> {
    return bcast(this.channel, value, root);
  }

  /** Combines every rank's value with `op`; the result at `root`, undefined elsewhere (binomial tree). */
  async reduce<T>(value: T, op: Op, root = 0): Promise<T | undefined> {
    return (await reduce(this.channel, value, op, root)) as T | undefined; // op results have the inputs' type
  }

  /** Combines every rank's value with `op`; the result on every rank (recursive doubling, or ring for large arrays). */
  async allreduce<T>(value: T, op: Op): Promise<T> {
    return (await allreduce(this.channel, value, op)) as T; // as in reduce
  }

  /** Element-wise reduction of typed arrays, then rank r keeps `counts[r]` elements (default: near-equal blocks). */
  reduceScatter<T extends TypedArray>(value: T, op: Op, counts?: readonly number[]): Promise<T> {
    return reduceScatter(this.channel, value, op, counts);
  }

  /** Inclusive prefix reduction: rank r gets the combination of ranks 0..r. */
  async scan<T>(value: T, op: Op): Promise<T> {
    return (await scan(this.channel, value, op)) as T; // as in reduce
  }

  /** Exclusive prefix reduction: rank r gets the combination of ranks 0..r-1; undefined on rank 0. */
  async exscan<T>(value: T, op: Op): Promise<T | undefined> {
    return (await exscan(this.channel, value, op)) as T | undefined; // as in reduce
  }

  /** Every rank's value, in rank order, at `root`; undefined elsewhere. */
  gather<T>(value: T, root = 0): Promise<T[] | undefined> {
    return gather(this.channel, value, root);
  }

  /** `values[i]` of the root to rank i; `values` is read only at the root. */
  scatter<T>(values: readonly T[] | undefined, root = 0): Promise<T> {
    return scatter(this.channel, values, root);
  }

  /** Every rank's value, in rank order, on every rank. */
  allgather<T>(value: T): Promise<T[]> {
    return allgather(this.channel, value);
  }

  /** `values[j]` to rank j; returns what each rank sent to this one, in rank order. */
  alltoall<T>(values: readonly T[]): Promise<T[]> {
    return alltoall(this.channel, values);
  }

  /** Typed arrays of any lengths, concatenated at the root with their counts; undefined elsewhere. */
  gatherv<T extends TypedArray>(value: T, root = 0): Promise<{ data: T; counts: number[] } | undefined> {
    return gatherv(this.channel, value, root);
  }

  /** `counts[i]` elements of the root's typed array to rank i (default: near-equal blocks). */
  scatterv<T extends TypedArray>(value: T | undefined, root = 0, counts?: readonly number[]): Promise<T> {
    return scatterv(this.channel, value, root, counts);
  }

  /** Typed arrays of any lengths, concatenated in rank order on every rank, with their counts. */
  allgatherv<T extends TypedArray>(value: T): Promise<{ data: T; counts: number[] }> {
    return allgatherv(this.channel, value);
  }

  /** `sendCounts[j]` elements to rank j; returns what arrived, concatenated in rank order, with counts. */
  alltoallv<T extends TypedArray>(value: T, sendCounts: readonly number[]): Promise<{ data: T; counts: number[] }> {
    return alltoallv(this.channel, value, sendCounts);
  }

  /** A new communicator with the same ranks and a fresh context (collective). */
  async dup(): Promise<Communicator> {
    const context = await this.newContext();
    return new Communicator(this.engine, this.group(), context);
  }

  /**
   * Splits into one communicator per `color`, ranks ordered by `key` then old rank (collective). Ranks
   * passing UNDEFINED (or a negative colour) get undefined.
   */
  async split(color: number, key = 0): Promise<Communicator | undefined> {
    if (!Number.isInteger(color) || !Number.isInteger(key)) throw new InvalidArgumentError(`split: color and key must be integers (got ${color}, ${key})`, { color, key });
    const context = await this.newContext();
    const all = await this.allgather([color, key]);
    if (color === UNDEFINED || color < 0) return undefined;
    const members = all
      .map(([c, k], rank) => ({ c, k, rank }))
      .filter((m) => m.c === color)
      .sort((a, b) => a.k! - b.k! || a.rank - b.rank)
      .map((m) => this.worldRank(m.rank));
    return new Communicator(this.engine, members, context);
  }

  /** A communicator of the given ranks of this one, in that order (collective: every rank calls it; others get undefined). */
  async create(ranks: readonly number[]): Promise<Communicator | undefined> {
    if (new Set(ranks).size !== ranks.length || ranks.some((r) => !Number.isInteger(r) || r < 0 || r >= this.size)) {
      throw new InvalidArgumentError(`create: ranks must be distinct ranks of 0..${this.size - 1}`, { ranks });
    }
    const at = ranks.indexOf(this.rank);
    return this.split(at < 0 ? UNDEFINED : 0, at);
  }

  /** Ends every rank of the job with exit code `code` (mpi4py `Abort`). Never returns. */
  abort(code = 1): Promise<never> {
    return this.engine.transport.abort(code);
  }

  private group(): number[] {
    return Array.from({ length: this.size }, (_, r) => this.worldRank(r));
  }

  // A context id no member uses yet: the largest "next free" id among the members. Two communicators with
  // a common member can never get the same id, because that member's next free id only grows.
  private async newContext(): Promise<number> {
    const context = await this.allreduce(this.engine.nextContext, MAX);
    this.engine.nextContext = context + 2;
    return context;
  }
}
