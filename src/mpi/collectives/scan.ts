import type { Op } from '../ops.ts';
import { CollTag, exchange, type Channel } from './channel.ts';

/**
 * Inclusive prefix reduction: rank r gets v0 ∘ v1 ∘ … ∘ vr (mpi4py `scan`). Recursive doubling: in round k
 * ranks 2^k apart swap their partial sums; rank order is kept, so non-commutative ops work too.
 */
export async function scan(c: Channel, value: unknown, op: Op): Promise<unknown> {
  let partial = value;
  let result = value;
  for (let mask = 1; mask < c.size; mask <<= 1) {
    const partner = c.rank ^ mask;
    if (partner >= c.size) continue;
    const got = await exchange(c, partial, partner, partner, CollTag.Scan);
    if (partner < c.rank) {
      partial = op.combine(got, partial);
      result = op.combine(got, result);
    } else {
      partial = op.combine(partial, got);
    }
  }
  return result;
}

/**
 * Exclusive prefix reduction: rank r gets v0 ∘ … ∘ v(r-1); rank 0 gets undefined (mpi4py returns None).
 */
export async function exscan(c: Channel, value: unknown, op: Op): Promise<unknown> {
  let partial = value;
  let result: { v: unknown } | undefined;
  for (let mask = 1; mask < c.size; mask <<= 1) {
    const partner = c.rank ^ mask;
    if (partner >= c.size) continue;
    const got = await exchange(c, partial, partner, partner, CollTag.Exscan);
    if (partner < c.rank) {
      partial = op.combine(got, partial);
      result = { v: result === undefined ? got : op.combine(got, result.v) };
    } else {
      partial = op.combine(partial, got);
    }
  }
  return result?.v;
}
