import { CollTag, exchange, type Channel } from './channel.ts';

/**
 * Dissemination barrier: in round k each rank signals rank + 2^k and hears from rank - 2^k, so after
 * ceil(log2 n) rounds every rank has (transitively) heard from all. Works for any n.
 */
export async function barrier(c: Channel): Promise<void> {
  const n = c.size;
  for (let k = 1; k < n; k <<= 1) await exchange(c, null, (c.rank + k) % n, (c.rank - k + n) % n, CollTag.Barrier);
}
