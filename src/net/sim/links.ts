import type { Clock } from '../clock.ts';
import type { Prng } from '../prng.ts';
import { COUNTERS, ensureFloat64 } from './counters.ts';
import { LINK_DEFAULTS, resolveLinkModel, type LinkModel, type ResolvedLinkModel } from './link-model.ts';
import type { Topology } from './topology.ts';

/** Link 0 carries the traffic of host pairs beyond `maxLinks`, with the default model. */
export const OVERFLOW_LINK = 0;

// Host ids are below 2^21, so a pair of them makes one exact number key.
const HOST_SPAN = 2_097_152;
/** Slots of the overflow link's latency cache (a power of two; 1 MB in all). */
const PAIR_CACHE = 1 << 16;

/**
 * The links of a simulated network, one per ordered host pair, created on first use: each with its model
 * (its own or the default), its base latency from the topology, when its transmitter is next free, and a
 * block of counters. At most `maxLinks`; further pairs share the overflow link (its counters and the
 * default model, but each pair's own latency from the topology).
 */
export class LinkTable {
  /** Counters, COUNTERS numbers per link (see counters.ts). Replaced when it grows: read it afresh. */
  stats = new Float64Array(1024 * COUNTERS);
  private defaultModel: ResolvedLinkModel;
  private readonly ids = new Map<number, number>();
  private models: ResolvedLinkModel[] = [];
  private overridden: boolean[] = [];
  private base = new Float64Array(1024);
  private busy = new Float64Array(1024);
  private count = 0;
  private readonly overrides = new Map<number, ResolvedLinkModel>();
  // Made on the first overflow (most networks never have one).
  private pairKey: Float64Array | undefined;
  private pairLatency = new Float64Array(0);

  constructor(
    model: LinkModel,
    private readonly topology: Topology | undefined,
    private readonly maxLinks: number,
    /** The name of a host id, for the topology. */
    private readonly nameOf: (host: number) => string,
    private readonly clock: Clock,
    private readonly random: Prng,
  ) {
    this.defaultModel = resolveLinkModel(model);
    this.create(-1, -1); // the overflow link
  }

  /** The default model, which a pair's own model is resolved against. */
  get defaults(): ResolvedLinkModel {
    return this.defaultModel;
  }

  /** The link from host `a` to host `b`, created on first use. */
  id(a: number, b: number): number {
    const key = a * HOST_SPAN + b;
    const l = this.ids.get(key);
    if (l !== undefined) return l;
    if (this.count >= this.maxLinks) return OVERFLOW_LINK;
    const created = this.create(a, b);
    this.ids.set(key, created);
    return created;
  }

  /** The link from host `a` to host `b` if it exists. */
  find(a: number, b: number): number | undefined {
    return this.ids.get(a * HOST_SPAN + b);
  }

  /** Gives the pair (a, b) its own model, now and for when its link is created. */
  setModel(a: number, b: number, model: ResolvedLinkModel): void {
    const key = a * HOST_SPAN + b;
    this.overrides.set(key, model);
    const l = this.ids.get(key);
    if (l !== undefined) {
      this.models[l] = model;
      this.overridden[l] = true;
    }
  }

  /** Replaces the default model; links without their own follow it from now on. */
  setDefault(model: LinkModel): void {
    this.defaultModel = resolveLinkModel(model);
    for (let l = 0; l < this.count; l++) if (!this.overridden[l]) this.models[l] = this.defaultModel;
  }

  /** The model in force on link `l`. */
  model(l: number): ResolvedLinkModel {
    return this.models[l]!;
  }

  /**
   * A one-way latency for the next message on link `l` from host `a` to host `b`, ms (drawn when the model
   * gives a range). The hosts matter only on the overflow link, which carries many pairs.
   */
  sampleLatency(l: number, a: number, b: number): number {
    const m = this.models[l]!;
    if (m.latencyMin !== m.latencyMin) return this.baseOf(l, a, b); // NaN: the topology's
    return m.latencyMin === m.latencyMax ? m.latencyMin : m.latencyMin + (m.latencyMax - m.latencyMin) * this.random.next();
  }

  /** The latency of link `l` from host `a` to host `b` without jitter, ms. */
  pathLatency(l: number, a: number, b: number): number {
    const m = this.models[l]!;
    return m.latencyMin !== m.latencyMin ? this.baseOf(l, a, b) : (m.latencyMin + m.latencyMax) / 2;
  }

  // A pair's own link keeps the topology's latency from when it was created; pairs past `maxLinks` share
  // the overflow link's counters and model but still travel their own path: ask the topology each time.
  // A direct-mapped cache in front of the topology (which hashes both names), for the pairs sent on most.
  private baseOf(l: number, a: number, b: number): number {
    if (l !== OVERFLOW_LINK || a < 0 || !this.topology) return this.base[l]!;
    const key = a * HOST_SPAN + b;
    if (this.pairKey === undefined) {
      this.pairKey = new Float64Array(PAIR_CACHE).fill(-1);
      this.pairLatency = new Float64Array(PAIR_CACHE);
    }
    const slot = ((a * 0x9e3779b1) ^ (b * 0x85ebca6b)) & (PAIR_CACHE - 1);
    if (this.pairKey[slot] === key) return this.pairLatency[slot]!;
    const latency = this.topology.latency(this.nameOf(a), this.nameOf(b));
    this.pairKey[slot] = key;
    this.pairLatency[slot] = latency;
    return latency;
  }

  /**
   * Serialises `bytes` on link `l`: returns when the last bit leaves (virtual ms), or -1 when the link's
   * queue cannot hold them. Unlimited links return now.
   */
  serialise(l: number, bytes: number): number {
    const m = this.models[l]!;
    const now = this.clock.now();
    if (m.bandwidth <= 0) return now;
    const busy = this.busy[l]!;
    const start = busy > now ? busy : now;
    // Bytes still waiting ahead of this one; an idle link takes anything, a busy one only what fits.
    const backlog = ((start - now) * m.bandwidth) / 1000;
    if (backlog > 0 && backlog + bytes > m.queueBytes) return -1;
    const done = start + (bytes * 1000) / m.bandwidth;
    this.busy[l] = done;
    return done;
  }

  private create(a: number, b: number): number {
    const l = this.count++;
    const own = a >= 0 ? this.overrides.get(a * HOST_SPAN + b) : undefined;
    this.models[l] = own ?? this.defaultModel;
    this.overridden[l] = own !== undefined;
    this.base = ensureFloat64(this.base, l + 1);
    this.busy = ensureFloat64(this.busy, l + 1);
    this.stats = ensureFloat64(this.stats, (l + 1) * COUNTERS);
    this.base[l] = a >= 0 && this.topology ? this.topology.latency(this.nameOf(a), this.nameOf(b)) : LINK_DEFAULTS.latency;
    return l;
  }
}
