import { InvalidArgumentError } from '../../errors.ts';
import type { AddressLike } from '../address.ts';
import type { Clock } from '../clock.ts';

/** The faults a chaos proxy injects. Can be changed while it runs (`proxy.update`). */
export interface ChaosFaults {
  /** UDP: probability that a datagram is dropped. Default 0. */
  readonly loss?: number;
  /** UDP: probability that a forwarded datagram is sent twice (the copy right after it). Default 0. */
  readonly duplicate?: number;
  /** UDP: probability that a datagram is held back by `reorderDelay` so later ones overtake it. Default 0. */
  readonly reorder?: number;
  /** UDP: how long a held-back datagram waits, ms. Default 20. */
  readonly reorderDelay?: number;
  /** UDP and TCP: added one-way delay, ms. Default 0. */
  readonly delay?: number;
  /** UDP and TCP: extra delay drawn uniformly from [0, jitter] ms. Over TCP, bytes stay in order. Default 0. */
  readonly jitter?: number;
  /** TCP: bytes per second forwarded in each direction (0 = unlimited). Default 0. */
  readonly bandwidth?: number;
  /** TCP: every `stallEvery` ms a connection stops forwarding for `stallFor` ms (0 = never). Default 0. */
  readonly stallEvery?: number;
  readonly stallFor?: number;
  /** TCP: reset a connection once this many bytes (both directions together) were forwarded (0 = never). Default 0. */
  readonly cutAfterBytes?: number;
  /** TCP: reset a connection this many ms after it was accepted (0 = never). Default 0. */
  readonly cutAfter?: number;
}

export interface ChaosOptions extends ChaosFaults {
  /** Where clients connect or send: `udp://127.0.0.1:9001` or `tcp://127.0.0.1:9001` (port 0: ephemeral). */
  readonly listen: AddressLike;
  /** The real service: same transport as `listen`. */
  readonly target: AddressLike;
  /** Seed of every random choice. Default 1. */
  readonly seed?: number;
  /** Time for delays and stalls. Default realClock. */
  readonly clock?: Clock;
  /** UDP: clients (source addresses) with their own upstream socket; the least recently heard is evicted past it. Default 1024. */
  readonly maxClients?: number;
  /** UDP: datagrams waiting on a delay at once; more are dropped and counted as overflowed. Default 65,536. */
  readonly maxHeld?: number;
  /** TCP: bytes held per direction of a connection before the proxy stops reading from its source. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** TCP: connections served at once; more are refused (closed at once). Default 1024. */
  readonly maxConnections?: number;
}

/** Defaults of the chaos proxy, cited by the docs and the CLI. */
export const CHAOS_DEFAULTS = Object.freeze({
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelay: 20,
  delay: 0,
  jitter: 0,
  bandwidth: 0,
  stallEvery: 0,
  stallFor: 0,
  cutAfterBytes: 0,
  cutAfter: 0,
  seed: 1,
  maxClients: 1024,
  maxHeld: 65_536,
  maxBufferedBytes: 1024 * 1024,
  maxConnections: 1024,
});

/** Every fault decided. */
export type ResolvedFaults = { -readonly [K in keyof ChaosFaults]-?: number };

/** Fills faults from `base` (or the defaults) and checks them. Throws ERR_INVALID_ARGUMENT naming the bad one. */
export function resolveFaults(faults: ChaosFaults, base?: ResolvedFaults): ResolvedFaults {
  const pick = (k: keyof ChaosFaults) => faults[k] ?? base?.[k] ?? CHAOS_DEFAULTS[k];
  const out: ResolvedFaults = {
    loss: pick('loss'),
    duplicate: pick('duplicate'),
    reorder: pick('reorder'),
    reorderDelay: pick('reorderDelay'),
    delay: pick('delay'),
    jitter: pick('jitter'),
    bandwidth: pick('bandwidth'),
    stallEvery: pick('stallEvery'),
    stallFor: pick('stallFor'),
    cutAfterBytes: pick('cutAfterBytes'),
    cutAfter: pick('cutAfter'),
  };
  for (const k of ['loss', 'duplicate', 'reorder'] as const) {
    if (!(out[k] >= 0 && out[k] <= 1)) throw new InvalidArgumentError(`${k} must be a probability from 0 to 1, got ${out[k]}`, { [k]: out[k] });
  }
  for (const k of ['reorderDelay', 'delay', 'jitter', 'bandwidth', 'stallEvery', 'stallFor', 'cutAfterBytes', 'cutAfter'] as const) {
    if (!(out[k] >= 0 && Number.isFinite(out[k]))) throw new InvalidArgumentError(`${k} must be a finite number >= 0, got ${out[k]}`, { [k]: out[k] });
  }
  return out;
}
