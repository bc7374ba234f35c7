// Every tunable of application-level multicast with its default, in one place. The timers are RFC 7761's
// defaults (section 4.11), so an overlay tree ages exactly as a PIM-SM router's state does.
import { InvalidArgumentError } from '../../errors.ts';
import type { Clock } from '../../net/clock.ts';
import type { Prng } from '../../net/prng.ts';
import type { SwitchPolicy } from './spt-policy.ts';

/** Defaults of an ALM router and endpoint: timers in ms (RFC 7761's), and the bounds on state and input. */
export const ALM_DEFAULTS = Object.freeze({
  /** t_periodic: how often Join/Prune state is refreshed upstream, ms (RFC 7761: 60 s). */
  joinPrunePeriodMs: 60_000,
  /** J/P_HoldTime: downstream join and prune state lives this long without a refresh, ms (3.5 × t_periodic = 210 s). */
  joinPruneHoldtimeMs: 210_000,
  /** Keepalive_Period: (S,G) state without data lives this long, ms (210 s). */
  keepaliveMs: 210_000,
  /** Register_Suppression_Time: a source stays quiet this long after a Register-Stop, ms (60 s). */
  registerSuppressionMs: 60_000,
  /** Register_Probe_Time: a null Register is sent this long before registering again, ms (5 s). */
  registerProbeMs: 5_000,
  /** A Join/Prune not acknowledged in this long is sent again, ms (overlay links are unreliable; PIM's are LANs). */
  ackTimeoutMs: 1_000,
  /** Sends of one Join/Prune before its neighbour is taken for dead and the state re-joined around it. */
  joinPruneTries: 3,
  /** A neighbour taken for dead is not chosen as an upstream again for this long, ms. */
  suspectMs: 210_000,
  /** After the switch, the (S,G,rpt) prune waits for the shared tree to catch up (or this long), so no packet is lost, ms. */
  switchPruneDelayMs: 3_000,
  /** Window over which a source's rate is measured for a rate-threshold switch, ms. */
  rateWindowMs: 1_000,
  /** Groups with state on one router; more are refused (ERR_INVALID_ARGUMENT locally, dropped when from the network). */
  maxGroups: 1024,
  /** Sources with (S,G) state per group on one router; more are dropped and counted. */
  maxSourcesPerGroup: 256,
  /** Downstream neighbours of one entry; more joins are dropped and counted. */
  maxOifs: 4096,
  /** Join/Prune messages awaiting an acknowledgement; past it the oldest is given up. */
  maxPendingAcks: 4096,
  /** Bytes of a group name in UTF-8. */
  maxGroupNameBytes: 255,
  /** Received packets queued for the application; more are dropped and counted (as a UDP socket's queue does). */
  maxQueued: 1024,
  /** Sequence numbers per source remembered to recognise duplicates and reordering. */
  sequenceWindow: 1024,
  /** Events kept for `recentEvents()` (a ring: the oldest is forgotten). */
  maxRecentEvents: 256,
});

/** The numeric limits and timers of a router, resolved from options and defaults. */
export type AlmLimits = { -readonly [K in keyof typeof ALM_DEFAULTS]: number };

/** Which node is a group's rendezvous point: a fixed overlay id (as a set-top box is told its RP), or the group key's node. */
export type RpMapping = (group: string) => Uint8Array | undefined;

/** How to build an ALM endpoint on an overlay node. Every field is optional. */
export interface AlmOptions extends Partial<AlmLimits> {
  /** The clock the overlay node runs on (the same one). Default: the real clock. */
  readonly clock?: Clock;
  /** Seeded generator for nonces and jitter. Default: seeded from node:crypto. */
  readonly random?: Prng;
  /** When a receiver's node switches to the source's tree. Default 'first-packet'. */
  readonly switchPolicy?: SwitchPolicy;
  /**
   * Where a switching node's (S,G) join goes: 'overlay' (the default) hop by hop along the overlay's route
   * toward the source's id, so the source's fan-out is bounded by its routing table; 'direct' straight to the
   * source over one logical link: the lowest delay (the direct path), one copy per receiver's node at the source.
   */
  readonly sptJoin?: 'overlay' | 'direct';
  /**
   * Static RPs: group name → RP node id (20 bytes). A group not listed (or a mapping returning undefined)
   * uses the node responsible for the hash of its name.
   */
  readonly rp?: RpMapping | Readonly<Record<string, Uint8Array>>;
}

/** Resolves `options` against ALM_DEFAULTS; ERR_INVALID_ARGUMENT for a value that is not a positive number. */
export function resolveLimits(options: Partial<AlmLimits>): AlmLimits {
  const limits: AlmLimits = { ...ALM_DEFAULTS };
  for (const key of Object.keys(ALM_DEFAULTS) as (keyof AlmLimits)[]) {
    const v = options[key];
    if (v === undefined) continue;
    if (!(Number.isFinite(v) && v > 0)) throw new InvalidArgumentError(`${key} must be a positive number, got ${v}`, { [key]: v });
    limits[key] = v;
  }
  if (limits.joinPruneHoldtimeMs <= limits.joinPrunePeriodMs) {
    throw new InvalidArgumentError(`joinPruneHoldtimeMs (${limits.joinPruneHoldtimeMs}) must exceed joinPrunePeriodMs (${limits.joinPrunePeriodMs})`, {
      joinPruneHoldtimeMs: limits.joinPruneHoldtimeMs,
    });
  }
  if (limits.registerProbeMs >= limits.registerSuppressionMs) {
    throw new InvalidArgumentError(`registerProbeMs must be below registerSuppressionMs`, { registerProbeMs: limits.registerProbeMs });
  }
  return limits;
}

/** Timers scaled from one refresh period, keeping RFC 7761's ratios (holdtime 3.5×, keepalive 3.5×, register suppression 1×, probe 1/12). */
export function scaledTimers(joinPrunePeriodMs: number): Partial<AlmLimits> {
  const p = joinPrunePeriodMs;
  return {
    joinPrunePeriodMs: p,
    joinPruneHoldtimeMs: 3.5 * p,
    keepaliveMs: 3.5 * p,
    registerSuppressionMs: p,
    registerProbeMs: p / 12,
    suspectMs: 3.5 * p,
  };
}
