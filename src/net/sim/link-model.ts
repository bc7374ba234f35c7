import { InvalidArgumentError } from '../../errors.ts';

/** A latency: a fixed number of milliseconds, or drawn uniformly from [min, max] for each datagram. */
export type Latency = number | { readonly min: number; readonly max: number };

/**
 * How one direction of a simulated link treats what crosses it. Every field is optional; what is not given
 * comes from the network's default model, then from LINK_DEFAULTS.
 */
export interface LinkModel {
  /** One-way propagation delay, ms. Default: the topology's path latency, or 1 ms without a topology. */
  readonly latency?: Latency;
  /** Bytes per second the link serialises (0 = unlimited). Datagrams queue behind each other. Default 0. */
  readonly bandwidth?: number;
  /** Bytes a bandwidth-limited link holds waiting to be sent; a datagram that does not fit is dropped (counted as overflowed). Default 1 MiB. */
  readonly queueBytes?: number;
  /** Probability that a datagram is lost. Default 0. */
  readonly loss?: number;
  /** Probability that a delivered datagram is delivered twice (the copy right after it). Default 0. */
  readonly duplicate?: number;
  /** Probability that a datagram is held back by `reorderDelay`, so later ones may overtake it. Default 0. */
  readonly reorder?: number;
  /** Extra delay of a held-back datagram, ms. Default 10. */
  readonly reorderDelay?: number;
  /** Probability that one random bit of a delivered datagram is flipped. Default 0. */
  readonly corrupt?: number;
}

/** A link model with every field decided; the form the network's hot path reads. */
export interface ResolvedLinkModel {
  /** NaN when the latency comes from the topology (or the 1 ms fallback). */
  readonly latencyMin: number;
  readonly latencyMax: number;
  readonly bandwidth: number;
  readonly queueBytes: number;
  readonly loss: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly reorderDelay: number;
  readonly corrupt: number;
}

/** Defaults of every link, cited by the docs and tests. */
export const LINK_DEFAULTS = Object.freeze({
  latency: 1,
  bandwidth: 0,
  queueBytes: 1024 * 1024,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelay: 10,
  corrupt: 0,
});

/** Fills `model` from `base` field by field and checks every value. Throws ERR_INVALID_ARGUMENT naming the bad field. */
export function resolveLinkModel(model: LinkModel, base?: ResolvedLinkModel): ResolvedLinkModel {
  let latencyMin = base?.latencyMin ?? Number.NaN;
  let latencyMax = base?.latencyMax ?? Number.NaN;
  if (model.latency !== undefined) {
    const l = model.latency;
    [latencyMin, latencyMax] = typeof l === 'number' ? [l, l] : [l.min, l.max];
    if (!(latencyMin >= 0 && latencyMax >= latencyMin && Number.isFinite(latencyMax))) {
      throw new InvalidArgumentError(`latency must be a number of ms >= 0, or { min, max } with 0 <= min <= max; got ${JSON.stringify(l)}`, { latency: l });
    }
  }
  return Object.freeze({
    latencyMin,
    latencyMax,
    bandwidth: nonNegative(model.bandwidth ?? base?.bandwidth ?? LINK_DEFAULTS.bandwidth, 'bandwidth'),
    queueBytes: nonNegative(model.queueBytes ?? base?.queueBytes ?? LINK_DEFAULTS.queueBytes, 'queueBytes'),
    loss: probability(model.loss ?? base?.loss ?? LINK_DEFAULTS.loss, 'loss'),
    duplicate: probability(model.duplicate ?? base?.duplicate ?? LINK_DEFAULTS.duplicate, 'duplicate'),
    reorder: probability(model.reorder ?? base?.reorder ?? LINK_DEFAULTS.reorder, 'reorder'),
    reorderDelay: nonNegative(model.reorderDelay ?? base?.reorderDelay ?? LINK_DEFAULTS.reorderDelay, 'reorderDelay'),
    corrupt: probability(model.corrupt ?? base?.corrupt ?? LINK_DEFAULTS.corrupt, 'corrupt'),
  });
}

/** Checks that `p` is a probability (0..1). Throws ERR_INVALID_ARGUMENT naming `name`. */
export function probability(p: number, name: string): number {
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`${name} must be a probability from 0 to 1, got ${p}`, { [name]: p });
  return p;
}

/** Checks that `x` is a finite number >= 0. Throws ERR_INVALID_ARGUMENT naming `name`. */
export function nonNegative(x: number, name: string): number {
  if (!(x >= 0 && Number.isFinite(x))) throw new InvalidArgumentError(`${name} must be a finite number >= 0, got ${x}`, { [name]: x });
  return x;
}
