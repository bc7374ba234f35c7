// The periodic upkeep every Kademlia-style node does, whatever its wire format (courier's overlay and the
// Mainline profile): timers with a random phase, and bucket refreshes by lookups of random ids.
import type { Clock } from '../net/clock.ts';
import type { Prng } from '../net/prng.ts';
import { randomId, type NodeId } from './id.ts';
import type { RoutingTable } from './routing-table.ts';

/**
 * Calls `fn` every `ms` (nothing when `ms` is not positive) until `stopped()` says so, starting at a random
 * phase so that many simulated nodes do not all wake in the same instant. Returns the timer's cancel.
 */
export function everyFromRandomPhase(clock: Clock, random: Prng, ms: number, fn: () => void, stopped: () => boolean): (() => void) | undefined {
  if (!(ms > 0)) return undefined;
  const run = () => {
    if (stopped()) return;
    fn();
    cancel = clock.setTimer(run, ms);
  };
  let cancel = clock.setTimer(run, ms * (0.5 + random.next()));
  return () => cancel();
}

/** A random id that falls in bucket `b` of the node `own` (shares exactly `b` leading bits with it). */
export function randomIdInBucket(own: NodeId, b: number, random: Prng): NodeId {
  const id = randomId(random);
  const byte = b >> 3;
  const bit = 7 - (b & 7);
  for (let i = 0; i < byte; i++) id[i] = own[i]!;
  const keepMask = (0xff << (bit + 1)) & 0xff;
  const flip = 1 << bit;
  id[byte] = (own[byte]! & keepMask) | (~own[byte]! & flip & 0xff) | (id[byte]! & (flip - 1));
  return id;
}

/**
 * The buckets farther than the nearest neighbour's, which a node refreshes after joining (the Kademlia
 * paper); with `below`, only those holding fewer contacts than that.
 */
export function bucketsBeyondNearest(table: RoutingTable, own: NodeId, below = Number.POSITIVE_INFINITY): number[] {
  const nearest = table.closest(own, 1)[0];
  const limit = nearest ? table.bucketOf(nearest.id) : -1;
  const list: number[] = [];
  for (let i = 0; i < limit; i++) if (table.bucketSize(i) < below) list.push(i);
  return list;
}

/** Runs `lookup` of a random id in each bucket of `list` at once; `done` once all have ended. */
export function refreshBuckets(list: readonly number[], own: NodeId, random: Prng, lookup: (target: NodeId, done: () => void) => void, done?: () => void): void {
  let left = list.length;
  if (left === 0) return done?.();
  for (const b of list) {
    lookup(randomIdInBucket(own, b, random), () => {
      if (--left === 0) done?.();
    });
  }
}
