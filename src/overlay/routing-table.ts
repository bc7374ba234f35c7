// Kademlia's routing table: 160 k-buckets, bucket i holding contacts whose ids share exactly i leading
// bits with ours. A full bucket keeps its old contacts (long-lived nodes tend to stay) and admits a
// newcomer only after the least-recently-seen contact fails a ping.
import { commonPrefix, compareDistance, distancePrefix } from './distance.ts';
import { ID_BITS, sameId, type NodeId } from './id.ts';
import { NO_INTERNING, type ContactInterner } from './intern.ts';
import { TableContact, type Contact } from './link.ts';

/** What `seen` did with a contact. */
export type SeenOutcome =
  | { readonly kind: 'updated' | 'added' | 'self' | 'capped' }
  /** The bucket is full: ping `oldest`; call `evict(oldest, newcomer)` if it fails, `keep(oldest)` if it answers. */
  | { readonly kind: 'full'; readonly oldest: Contact };

/** The k-buckets of one node. Bounded: at most k per bucket and `maxContacts` in all. */
export class RoutingTable {
  /** Each bucket in least-recently-seen-first order. */
  private readonly buckets: TableContact[][] = Array.from({ length: ID_BITS }, () => []);
  private readonly lastLookup = new Float64Array(ID_BITS);
  private count = 0;

  constructor(
    readonly self: NodeId,
    readonly k: number,
    readonly maxContacts: number,
    /** Shares id and address objects with other tables in the process (simulations); default: none. */
    private readonly interner: ContactInterner = NO_INTERNING,
  ) {}

  /** Contacts in the table. */
  get size(): number {
    return this.count;
  }

  /** The bucket index of `id` (shared prefix length with ours). */
  bucketOf(id: NodeId): number {
    return commonPrefix(this.self, id);
  }

  /** The contact with this id, if in the table. */
  get(id: NodeId): Contact | undefined {
    const b = this.bucketOf(id);
    if (b >= ID_BITS) return undefined;
    return this.buckets[b]!.find((c) => sameId(c.id, id));
  }

  /**
   * Notes that a peer was heard from at `now` (ms): moves it to the bucket's tail, or adds it if there is
   * room. When the bucket is full, reports its least-recently-seen contact, to be pinged.
   */
  seen(id: NodeId, address: string, now: number): SeenOutcome {
    const b = this.bucketOf(id);
    if (b >= ID_BITS) return { kind: 'self' };
    const bucket = this.buckets[b]!;
    for (let i = 0; i < bucket.length; i++) {
      const c = bucket[i]!;
      if (sameId(c.id, id)) {
        bucket.splice(i, 1);
        bucket.push(c);
        c.lastSeen = now;
        c.failures = 0;
        // A peer that rebinds keeps its id: the newest address is the one that works.
        if (c.address !== address) bucket[bucket.length - 1] = new TableContact(c.id, this.interner.address(address), now, c.since);
        return { kind: 'updated' };
      }
    }
    if (bucket.length < this.k) {
      if (this.count >= this.maxContacts) return { kind: 'capped' };
      bucket.push(new TableContact(this.interner.id(id), this.interner.address(address), now));
      this.count++;
      return { kind: 'added' };
    }
    return { kind: 'full', oldest: bucket[0]! };
  }

  /** The old contact answered its ping: it stays, now most recently seen. */
  keep(oldest: Contact, now: number): void {
    const bucket = this.buckets[this.bucketOf(oldest.id)]!;
    const i = bucket.indexOf(oldest as TableContact);
    if (i < 0) return;
    const c = bucket[i]!;
    bucket.splice(i, 1);
    bucket.push(c);
    c.lastSeen = now;
  }

  /** The old contact failed its ping: it goes, and the newcomer takes its place (if there is room then). */
  evict(oldest: Contact, newcomerId: NodeId, newcomerAddress: string, now: number): void {
    this.remove(oldest.id);
    this.seen(newcomerId, newcomerAddress, now);
  }

  /**
   * Proximity neighbour selection: a peer answered in `rttMs`, and its bucket is full. If that is under
   * `factor` × the smoothed RTT of the bucket's slowest measured contact, the peer (which just proved
   * alive) takes that contact's place, its RTT recorded. Only the slowest goes, one at a time, so a bucket
   * drifts towards near peers and otherwise keeps its old contacts. Returns whether it replaced.
   */
  replaceSlowest(id: NodeId, address: string, rttMs: number, factor: number, now: number): boolean {
    const b = this.bucketOf(id);
    if (b >= ID_BITS) return false;
    const bucket = this.buckets[b]!;
    if (bucket.length < this.k) return false;
    let slowest = -1;
    let worst = 0;
    for (let i = 0; i < bucket.length; i++) {
      const c = bucket[i]!;
      if (sameId(c.id, id)) return false;
      if (c.srtt !== undefined && c.srtt > worst) {
        worst = c.srtt;
        slowest = i;
      }
    }
    if (slowest < 0 || !(rttMs < factor * worst)) return false;
    const fresh = new TableContact(this.interner.id(id), this.interner.address(address), now);
    fresh.srtt = rttMs;
    fresh.lastRtt = rttMs;
    bucket.splice(slowest, 1);
    bucket.push(fresh);
    return true;
  }

  /** Up to `n` measured contacts with the lowest smoothed RTT, nearest first. */
  nearest(n: number): Contact[] {
    const out: TableContact[] = [];
    if (n < 1) return out;
    for (const bucket of this.buckets) {
      for (const c of bucket) {
        if (c.srtt === undefined) continue;
        // Insertion into a short sorted list: n is small, the table a few hundred contacts.
        if (out.length === n && c.srtt >= out[n - 1]!.srtt!) continue;
        let i = Math.min(out.length, n - 1);
        while (i > 0 && out[i - 1]!.srtt! > c.srtt) i--;
        out.splice(i, 0, c);
        if (out.length > n) out.length = n;
      }
    }
    return out;
  }

  /** Removes a contact (a departure, or too many failures). Returns whether it was there. */
  remove(id: NodeId): boolean {
    const b = this.bucketOf(id);
    if (b >= ID_BITS) return false;
    const bucket = this.buckets[b]!;
    const i = bucket.findIndex((c) => sameId(c.id, id));
    if (i < 0) return false;
    bucket.splice(i, 1);
    this.count--;
    return true;
  }

  /**
   * The `n` contacts closest to `target` by XOR distance, closest first. With `rttFirst`, contacts in the
   * same bucket relative to the target (equally good: each fixes the same number of leading bits) are
   * ordered by lower measured RTT instead.
   */
  closest(target: NodeId, n: number, rttFirst = false): Contact[] {
    // Walk buckets from the one the target falls in outwards: the target's own bucket holds the closest
    // contacts, then lower-index buckets (each further away), then higher ones (closer to us, so further from it).
    const out: Contact[] = [];
    const tb = Math.min(this.bucketOf(target), ID_BITS - 1);
    const take = (i: number) => {
      for (const c of this.buckets[i]!) out.push(c);
    };
    take(tb);
    for (let i = tb + 1; i < ID_BITS; i++) take(i);
    for (let i = tb - 1; i >= 0 && out.length < n; i--) take(i);
    sortByDistance(target, out);
    if (out.length > n) out.length = n;
    if (rttFirst) sortByTierThenRtt(target, out);
    return out;
  }

  /** Every contact, bucket by bucket (a copy), with when it was first heard from. */
  contacts(): (Contact & { readonly since: number })[] {
    return this.buckets.flat();
  }

  /** How many contacts bucket `i` holds. */
  bucketSize(i: number): number {
    return this.buckets[i]?.length ?? 0;
  }

  /** Notes that a lookup went through bucket `i` at `now` (ms), postponing its refresh. */
  touch(i: number, now: number): void {
    if (i >= 0 && i < ID_BITS) this.lastLookup[i] = now;
  }

  /** Indices of non-empty-range buckets not touched since `before` (ms), up to the deepest non-empty one. */
  staleBuckets(before: number): number[] {
    let deepest = -1;
    for (let i = ID_BITS - 1; i >= 0; i--) {
      if (this.buckets[i]!.length > 0) {
        deepest = i;
        break;
      }
    }
    const out: number[] = [];
    for (let i = 0; i <= deepest; i++) if (this.lastLookup[i]! < before) out.push(i);
    return out;
  }
}

/** Stable reorder: within runs of equal shared-prefix length with `target`, lower RTT first (unknown RTT last). */
export function sortByTierThenRtt(target: NodeId, list: Contact[]): void {
  const tier = (c: Contact) => commonPrefix(target, c.id);
  const rtt = (c: Contact) => c.link.srtt ?? Number.POSITIVE_INFINITY;
  let start = 0;
  while (start < list.length) {
    const t0 = tier(list[start]!);
    let end = start + 1;
    while (end < list.length && tier(list[end]!) === t0) end++;
    if (end - start > 1) {
      const run = list.slice(start, end).sort((a, b) => rtt(a) - rtt(b) || compareDistance(target, a.id, b.id));
      for (let i = 0; i < run.length; i++) list[start + i] = run[i]!;
    }
    start = end;
  }
}

/** Sorts contacts (or anything with an id) by XOR distance to `target`, closest first. */
export function sortByDistance<T extends { readonly id: NodeId }>(target: NodeId, list: T[]): void {
  // Decorate once, sort the pairs, undecorate: one subtraction per comparison, no lookups.
  const pairs = list.map((c) => ({ k: distancePrefix(target, c.id), c }));
  pairs.sort((a, b) => a.k - b.k || compareDistance(target, a.c.id, b.c.id));
  for (let i = 0; i < pairs.length; i++) list[i] = pairs[i]!.c;
}
