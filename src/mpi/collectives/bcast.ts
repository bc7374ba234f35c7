import { checkRoot, CollTag, type Channel } from './channel.ts';

/**
 * Binomial-tree broadcast: ranks numbered relative to the root receive once from their parent and pass the
 * value on to up to log2 n children, all at once. Returns the root's value on every rank.
 */
export async function bcast<T>(c: Channel, value: T, root: number): Promise<T> {
  checkRoot(c, root);
  const n = c.size;
  const me = (c.rank - root + n) % n;
  let current: unknown = value;
  let mask = 1;
  while (mask < n) {
    if (me & mask) {
      current = await c.recv((me - mask + root) % n, CollTag.Bcast);
      break;
    }
    mask <<= 1;
  }
  const sends: Promise<unknown>[] = [];
  for (mask >>= 1; mask > 0; mask >>= 1) if (me + mask < n) sends.push(c.send(current, (me + mask + root) % n, CollTag.Bcast));
  await Promise.all(sends);
  // Every rank received what the root passed in, which has the root's type T.
  return current as T;
}
