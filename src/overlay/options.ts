// Every tunable of an overlay node with its default, in one place, so docs and tests can cite them.
import type { Clock } from '../net/clock.ts';
import type { Prng } from '../net/prng.ts';
import type { NodeId } from './id.ts';
import type { ContactInterner } from './intern.ts';

/** Defaults of an overlay node: Kademlia's k and α, time-outs and intervals in ms, and the bounds on hostile input. */
export const OVERLAY_DEFAULTS = Object.freeze({
  /** Contacts per k-bucket, and replicas of a stored value. */
  k: 20,
  /** Requests a lookup keeps in flight. */
  alpha: 3,
  /** A request not answered in this many ms counts as failed. Shortened to 4 × the link's RTT once it is measured, and for a peer never measured to the RTO of all round trips so far (RFC 6298), never below `minRpcTimeoutMs`. */
  rpcTimeoutMs: 1000,
  /** Floor of the RTT-based time-out, ms. */
  minRpcTimeoutMs: 100,
  /** A full bucket's least-recently-seen contact is pinged (to make room for a newcomer) only if not heard from for this long, ms. */
  evictionPingAfterMs: 60_000,
  /**
   * Proximity neighbour selection: every this many ms a node asks one of its nearest contacts for the
   * nodes nearest that contact, and measures a few of them (0: never). Near nodes then take the place of
   * slow contacts in full buckets, so a route's early hops, which may go to any of many nodes, are short.
   */
  proximityIntervalMs: 30_000,
  /** Nodes named in one answer to a proximity request (the responder's lowest-RTT contacts). */
  proximityAnswer: 8,
  /** Of the nodes named, at most this many unknown or unmeasured ones are pinged per round. */
  proximityProbes: 4,
  /** A measured peer takes the place of a full bucket's slowest contact only if its RTT is under this share of that contact's. */
  proximityReplaceFactor: 0.5,
  /** A node with fewer than k contacts after joining looks up its own id again this much later, once, ms (0: never). */
  rejoinAfterMs: 5000,
  /** Consecutive failed requests after which a contact is dropped from the table. */
  maxFailures: 3,
  /** A bucket not touched by a lookup for this long is refreshed with a lookup of a random id in its range, ms (0: never). */
  refreshIntervalMs: 60 * 60_000,
  /** Contacts not heard from for this long are pinged by the liveness check, ms. */
  staleAfterMs: 15 * 60_000,
  /** How often the liveness check runs, ms (0: never). */
  livenessIntervalMs: 5 * 60_000,
  /** Most contacts one liveness round pings. */
  livenessBatch: 8,
  /** A stored value lives this long unless republished, ms. */
  valueTtlMs: 24 * 60 * 60_000,
  /** The publisher, and every replica holder, re-stores values this often, ms (0: never). */
  republishIntervalMs: 60 * 60_000,
  /** Largest datagram accepted or sent, bytes. */
  maxMessageBytes: 8192,
  /** Largest stored value, bytes. */
  maxValueBytes: 1024,
  /** Most values stored on one node, over all keys. */
  maxStoredValues: 65_536,
  /** Most values under one key. */
  maxValuesPerKey: 8,
  /** Most contacts in the routing table (k × 160 can never be reached in practice; this is the hard cap). */
  maxContacts: 3200,
  /** Most requests accepted from one source address per second; more are dropped and counted. */
  maxRequestsPerSourcePerSecond: 200,
  /** Most source addresses whose request rate is tracked at once (the oldest is forgotten). */
  maxTrackedSources: 4096,
  /** Most requests of this node awaiting a reply at once; one more fails at once. */
  maxPendingRequests: 4096,
  /** Most hops a routed message may take before it is dropped (a loop or a stale table). */
  maxHops: 32,
  /** Most overlay nodes a `route` tries at each hop when the next one does not acknowledge. */
  routeAttempts: 5,
  /** Filtered nodes a relay passes datagrams to at once; more are refused. */
  maxRelayClients: 64,
  /** A node relays for others only after running this long, ms (relays should be long-lived). */
  relayMinUptimeMs: 2 * 60_000,
  /** A filtered node pings its relay this often, ms: keeps its filter open for the relay and notices a dead relay. Below the filter's timeout. */
  relayKeepaliveMs: 10_000,
  /** A relay forgets a client not heard from for this long, ms. */
  relayClientTimeoutMs: 45_000,
  /** Life of a "reach me via R" record in the DHT, ms; its node re-stores it every third of that. */
  relayRecordTtlMs: 30 * 60_000,
  /** Addresses remembered as reachable only through a relay; past it the oldest is forgotten. */
  maxRelayRoutes: 1024,
});

/** How to build an overlay node. Every field is optional except the endpoint passed beside it. */
export interface OverlayOptions {
  /** The node id. Default: random from `random`. */
  readonly id?: NodeId;
  /** Time for time-outs and periodic work. Default: the real clock. */
  readonly clock?: Clock;
  /** The seeded generator behind ids, transaction ids and refresh targets. Default: seeded from node:crypto. */
  readonly random?: Prng;
  readonly k?: number;
  readonly alpha?: number;
  readonly rpcTimeoutMs?: number;
  readonly minRpcTimeoutMs?: number;
  readonly maxFailures?: number;
  readonly evictionPingAfterMs?: number;
  readonly proximityIntervalMs?: number;
  readonly proximityAnswer?: number;
  readonly proximityProbes?: number;
  readonly proximityReplaceFactor?: number;
  readonly rejoinAfterMs?: number;
  readonly refreshIntervalMs?: number;
  readonly staleAfterMs?: number;
  readonly livenessIntervalMs?: number;
  readonly livenessBatch?: number;
  readonly valueTtlMs?: number;
  readonly republishIntervalMs?: number;
  readonly maxMessageBytes?: number;
  readonly maxValueBytes?: number;
  readonly maxStoredValues?: number;
  readonly maxValuesPerKey?: number;
  readonly maxContacts?: number;
  readonly maxRequestsPerSourcePerSecond?: number;
  readonly maxTrackedSources?: number;
  readonly maxPendingRequests?: number;
  readonly maxHops?: number;
  readonly routeAttempts?: number;
  readonly maxRelayClients?: number;
  readonly relayMinUptimeMs?: number;
  readonly relayKeepaliveMs?: number;
  readonly relayClientTimeoutMs?: number;
  readonly relayRecordTtlMs?: number;
  readonly maxRelayRoutes?: number;
  /**
   * This node sits behind a NAT-like filter and cannot be reached unasked: it stays out of other nodes'
   * tables (read-only), attaches to a relay and publishes a "reach me via R" record. Change it later with
   * `setFiltered`. Default false.
   */
  readonly filtered?: boolean;
  /**
   * Shares contact ids and addresses with the other nodes given the same interner (a `SharedInterner`):
   * for simulations of thousands of nodes in one process. Default: each node keeps its own.
   */
  readonly interner?: ContactInterner;
  /** Prefer lower-RTT contacts among equally good ones (proximity routing). Default true. */
  readonly proximity?: boolean;
}

/** The numeric limits of a node, resolved from options and defaults. */
export type OverlayLimits = { -readonly [K in keyof typeof OVERLAY_DEFAULTS]: number };
