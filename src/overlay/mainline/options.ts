// Every tunable of a Mainline DHT node with its default, in one place, so docs and tests can cite them.
// Where BEP 5 names a figure (k = 8, 15-minute refresh, tokens accepted for up to 10 minutes) it is used.
import type { Clock } from '../../net/clock.ts';
import type { Prng } from '../../net/prng.ts';
import type { NodeId } from '../id.ts';

/** Defaults of a Mainline node: BEP 5's figures, time-outs and intervals in ms, and the bounds on hostile input. */
export const MAINLINE_DEFAULTS = Object.freeze({
  /** Contacts per bucket and nodes per reply (BEP 5: K = 8). */
  k: 8,
  /** Requests a lookup keeps in flight. */
  alpha: 3,
  /** A query not answered in this many ms counts as failed (4 × the link's RTT once measured, within `minRpcTimeoutMs`..this). */
  rpcTimeoutMs: 1000,
  /** Floor of the RTT-based time-out, ms. */
  minRpcTimeoutMs: 100,
  /** Consecutive failed queries after which a contact leaves the table. */
  maxFailures: 2,
  /** A contact not heard from for this long is "questionable" (BEP 5): a full bucket pings it before keeping it over a newcomer, ms. */
  questionableAfterMs: 15 * 60_000,
  /** A bucket no lookup went through for this long is refreshed with a find_node of a random id in it, ms (BEP 5: 15 min; 0: never). */
  refreshIntervalMs: 15 * 60_000,
  /** The token secret changes this often; tokens are accepted for one to two periods, ms (BEP 5: up to 10 min in all). */
  tokenRotateMs: 5 * 60_000,
  /** An announced peer is forgotten this long after its latest announce, ms. */
  peerTtlMs: 30 * 60_000,
  /** Most info-hashes with peers held. */
  maxInfoHashes: 4096,
  /** Most peers held per info-hash. */
  maxPeersPerInfoHash: 256,
  /** Most peers in one get_peers reply (50 × 8 bytes keeps a reply well under 1 KB). */
  maxPeersPerReply: 50,
  /** Largest datagram accepted, bytes. */
  maxMessageBytes: 4096,
  /** Most compact nodes read from one reply. */
  maxNodesPerReply: 32,
  /** Most peers read from one reply. */
  maxValuesPerReply: 200,
  /** Most distinct peers one get_peers lookup collects. */
  maxPeersPerLookup: 1000,
  /** Most contacts in the routing table. */
  maxContacts: 8 * 160,
  /** Most queries accepted from one source address per second; more are dropped and counted. */
  maxRequestsPerSourcePerSecond: 200,
  /** Most source addresses whose query rate is tracked at once (the oldest is forgotten). */
  maxTrackedSources: 4096,
  /** Most queries of this node awaiting a reply at once; one more fails at once. */
  maxPendingRequests: 4096,
  /** Most unknown queriers being pinged at once before they may enter the table. */
  maxVerifying: 64,
});

/** How to build a Mainline node. Every field is optional. */
export interface MainlineOptions {
  /** The node id. Default: random from `random`. */
  readonly id?: NodeId;
  /** Time for time-outs, token rotation and periodic work. Default: the real clock. */
  readonly clock?: Clock;
  /** The seeded generator behind ids, transaction ids, refresh targets and peer samples. Default: seeded from node:crypto. */
  readonly random?: Prng;
  /** The client version sent as `v` in every message: 4 bytes, a 2-letter client code and a 2-byte version (BEP 5). */
  readonly clientVersion?: Uint8Array;
  readonly k?: number;
  readonly alpha?: number;
  readonly rpcTimeoutMs?: number;
  readonly minRpcTimeoutMs?: number;
  readonly maxFailures?: number;
  readonly questionableAfterMs?: number;
  readonly refreshIntervalMs?: number;
  readonly tokenRotateMs?: number;
  readonly peerTtlMs?: number;
  readonly maxInfoHashes?: number;
  readonly maxPeersPerInfoHash?: number;
  readonly maxPeersPerReply?: number;
  readonly maxMessageBytes?: number;
  readonly maxNodesPerReply?: number;
  readonly maxValuesPerReply?: number;
  readonly maxPeersPerLookup?: number;
  readonly maxContacts?: number;
  readonly maxRequestsPerSourcePerSecond?: number;
  readonly maxTrackedSources?: number;
  readonly maxPendingRequests?: number;
  readonly maxVerifying?: number;
}

/** The numeric limits of a node, resolved from options and defaults. */
export type MainlineLimits = { -readonly [K in keyof typeof MAINLINE_DEFAULTS]: number };

/** courier's client version: "CI" (courier-ipc) and version 0.1. Copied by each node, so changing it here changes no running node. */
export const COURIER_CLIENT_VERSION = new Uint8Array([0x43, 0x49, 0x00, 0x01]);
