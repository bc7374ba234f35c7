import { AddressInUseError, InvalidArgumentError } from '../../errors.ts';
import { formatAddress, parseInetAddress, type AddressLike, type InetAddress } from '../address.ts';
import { Prng } from '../prng.ts';
import { VirtualClock, type TimerTarget } from '../virtual-clock.ts';
import {
  C_BYTES_DELIVERED, C_BYTES_SENT, C_CORRUPTED, C_DELIVERED, C_DUPLICATED, C_LOST, C_OVERFLOWED, C_PARTITIONED, C_REORDERED, C_SENT, C_UNREACHABLE,
  COUNTERS, ensureFloat64, ensureInt32, readCounters, type NetCounters,
} from './counters.ts';
import { resolveLinkModel, type LinkModel } from './link-model.ts';
import { LinkTable } from './links.ts';
import { Registry, type SimReceiver } from './registry.ts';
import type { Topology } from './topology.ts';
import { SimDatagramEndpoint, type SimDatagramOptions } from './endpoint.ts';
import { SimListener, simConnect, type SimConnectOptions, type SimListenOptions } from './listener.ts';
import { Partition } from './partition.ts';
import type { SimMessageStream } from './stream.ts';
import type { TraceKind, TraceListener } from './trace.ts';

export type { SimReceiver } from './registry.ts';

export interface SimNetworkOptions {
  /** Seed of every random choice in the run: the same seed gives the same trace. Default 1. */
  readonly seed?: number;
  /** The clock the network runs on. Default: a new VirtualClock at time 0. */
  readonly clock?: VirtualClock;
  /** The default model of every link. Default LINK_DEFAULTS. */
  readonly link?: LinkModel;
  /** Where latencies come from when a link's model does not fix one. Default: 1 ms everywhere. */
  readonly topology?: Topology;
  /** Endpoints bound over the network's life; binding more throws ERR_INVALID_ARGUMENT. Default 2^22. */
  readonly maxEndpoints?: number;
  /** Host pairs with their own counters and queue; traffic between further pairs shares one overflow link (each pair keeps its topology latency). Default 2^20. */
  readonly maxLinks?: number;
  /** Sender→receiver flows whose order is tracked (for `reordered`); further flows are not (0: none, and no memory per flow). Default 2^22. */
  readonly maxFlows?: number;
  /** Datagrams in flight at once; one more is dropped and counted as overflowed. Default 2^22. */
  readonly maxInFlight?: number;
}

/** Defaults of a simulated network, cited by the docs and tests. */
export const SIM_DEFAULTS = Object.freeze({ seed: 1, maxEndpoints: 1 << 22, maxLinks: 1 << 20, maxFlows: 1 << 22, maxInFlight: 1 << 22 });


// Counter offsets as module constants of this file: the hot path reads them without an import binding.
const SENT = C_SENT;
const DELIVERED = C_DELIVERED;
const LOST = C_LOST;
const PARTITIONED = C_PARTITIONED;
const OVERFLOWED = C_OVERFLOWED;
const UNREACHABLE = C_UNREACHABLE;
const DUPLICATED = C_DUPLICATED;
const REORDERED = C_REORDERED;
const CORRUPTED = C_CORRUPTED;
const BYTES_SENT = C_BYTES_SENT;
const BYTES_DELIVERED = C_BYTES_DELIVERED;
const STRIDE = COUNTERS;

const FLAG_COPY = 1;
const FLAG_CORRUPT = 2;

/**
 * The datagram transport of a simulated network: hosts, endpoints, links with their models and counters,
 * partitions, and datagrams in flight as events on a VirtualClock. Endpoints (`bind`) and message streams
 * (`listen`, `connect`) are built on it. Every random choice comes from one seeded generator, in event
 * order, so a run is deterministic.
 */
export class SimNetwork implements TimerTarget {
  readonly clock: VirtualClock;
  /** The generator behind every random choice; endpoints derive their own from it when bound. */
  readonly random: Prng;
  /** Called for every event when set (see TraceRecorder). */
  trace: TraceListener | undefined;
  /** The links between hosts: models, latencies, transmitters and counters. */
  readonly links: LinkTable;
  /** Hosts and bound endpoints, by name and by number. */
  readonly registry: Registry;
  private readonly maxFlows: number;
  private readonly maxInFlight: number;
  // What the network did with each endpoint's datagrams: per id, a block for `out`, then one for `in`.
  private epCounters = new Float64Array(0);

  // Flows (sender endpoint → receiver endpoint): their link, datagrams sent, and the latest one delivered.
  // Looked up per sender by receiver id (small integer keys), so a send costs one small-map lookup.
  private epFlows: (Map<number, number> | undefined)[] = [];
  private flowLink = new Int32Array(1024);
  private flowSent = new Float64Array(1024);
  private flowMaxDelivered = new Float64Array(1024);
  private flowCount = 0;

  // Datagrams in flight, in slots.
  private ifSrc = new Int32Array(1024);
  private ifDst = new Int32Array(1024);
  private ifLink = new Int32Array(1024);
  private ifFlow = new Int32Array(1024);
  private ifIndex = new Float64Array(1024);
  private ifFlags = new Uint8Array(1024);
  private ifData: (Uint8Array | undefined)[] = [];
  private ifFree = new Int32Array(1024);
  private ifFreeCount = 0;
  private ifUsed = 0;
  private inFlight = 0;

  private readonly totals = new Float64Array(STRIDE);
  private partitions: Partition[] = [];

  constructor(options: SimNetworkOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.random = new Prng(options.seed ?? SIM_DEFAULTS.seed);
    this.registry = new Registry(options.maxEndpoints ?? SIM_DEFAULTS.maxEndpoints);
    this.maxFlows = options.maxFlows ?? SIM_DEFAULTS.maxFlows;
    this.maxInFlight = options.maxInFlight ?? SIM_DEFAULTS.maxInFlight;
    const maxLinks = options.maxLinks ?? SIM_DEFAULTS.maxLinks;
    this.links = new LinkTable(options.link ?? {}, options.topology, maxLinks, (h) => this.registry.hostName(h), this.clock, this.random);
  }

  // ---- hosts and endpoints ----

  /**
   * Binds a datagram endpoint at `address` (`udp://10.0.0.5:9000`; port 0 for an ephemeral one), with the
   * same options and semantics as a real UDP endpoint. Throws ERR_ADDRESS_IN_USE when the address is bound.
   */
  bind(address: AddressLike, options?: SimDatagramOptions): SimDatagramEndpoint {
    const wanted = parseInetAddress(address, 'udp');
    if (wanted.port !== 0 && this.isBound(wanted)) {
      const text = formatAddress(wanted);
      throw new AddressInUseError(`${text} is already in use in the simulated network`, { address: text });
    }
    return new SimDatagramEndpoint(this, wanted, options);
  }

  /** The id of a host named by an address (`udp://10.0.0.1:9000`) or a bare host (`10.0.0.1`), registering it if new. */
  hostId(host: AddressLike): number {
    return this.registry.hostId(host);
  }

  /** Hosts known to the network. */
  get hostCount(): number {
    return this.registry.hosts;
  }

  /**
   * Registers a receiver at `address` (port 0 picks a free ephemeral port on that host) and returns its id
   * and bound address. Throws ERR_INVALID_ARGUMENT when the address is taken or `maxEndpoints` were bound.
   */
  register(address: InetAddress, receiver: SimReceiver): { id: number; address: InetAddress } {
    const bound = this.registry.register(address, receiver);
    this.epCounters = ensureFloat64(this.epCounters, this.registry.endpoints * 2 * STRIDE);
    return bound;
  }

  /** True when an address is bound (a listener or an endpoint). */
  isBound(address: InetAddress): boolean {
    return this.registry.isBound(address);
  }

  /** Removes a receiver: datagrams arriving for it from now on are lost as unreachable. Idempotent. */
  unregister(id: number): void {
    this.registry.unregister(id);
  }

  /** The id of the endpoint bound at `to` now, or -1. Throws ERR_INVALID_ADDRESS for text that is not an address. */
  resolve(to: AddressLike, transport: 'udp' | 'tcp'): number {
    return this.registry.resolve(to, transport);
  }

  /** What is bound as endpoint `id` (undefined once it closed). */
  receiverOf(id: number): SimReceiver | undefined {
    return this.registry.receiver[id];
  }

  /** The text form of endpoint `id`'s address (`udp://10.0.0.1:9000`), computed once. */
  textOf(id: number): string {
    return this.registry.text[id]!;
  }

  /**
   * Listens for simulated message-stream connections at `tcp://host:port` (port 0: ephemeral).
   * Throws ERR_ADDRESS_IN_USE when the address is bound.
   */
  listen(address: AddressLike, options: SimListenOptions = {}): SimListener {
    const wanted = parseInetAddress(address, 'tcp');
    if (wanted.port !== 0 && this.isBound(wanted)) {
      const text = formatAddress(wanted);
      throw new AddressInUseError(`${text} is already in use in the simulated network`, { address: text });
    }
    return new SimListener(this, wanted, options);
  }

  /**
   * Connects from host `options.from` to a simulated listener: one round trip of virtual time. Rejects with
   * ERR_CONNECTION_REFUSED when nothing listens, ERR_TOO_MANY_CONNECTIONS when the listener is full,
   * ERR_TIMEOUT when a partition outlasts `breakTimeout` or `timeout`, ERR_ABORTED per `signal`.
   */
  connect(address: AddressLike, options: SimConnectOptions): Promise<SimMessageStream> {
    return simConnect(this, address, options);
  }

  // ---- links ----

  /**
   * Sets the model of the link from host `from` to host `to` (and back, unless `oneWay`). Fields not given
   * come from the network's default model. Applies at once to datagrams sent from now on.
   */
  setLink(from: AddressLike, to: AddressLike, model: LinkModel, options: { oneWay?: boolean } = {}): void {
    const a = this.hostId(from);
    const b = this.hostId(to);
    const resolved = resolveLinkModel(model, this.links.defaults);
    this.links.setModel(a, b, resolved);
    if (!options.oneWay) this.links.setModel(b, a, resolved);
  }

  /** Replaces the default link model; links without a model of their own follow it from now on. */
  setDefaultLink(model: LinkModel): void {
    this.links.setDefault(model);
  }

  /** The latency of the direct path between two hosts without jitter, ms: for measuring an overlay's stretch. */
  pathLatency(from: AddressLike, to: AddressLike): number {
    const a = this.hostId(from);
    const b = this.hostId(to);
    return this.links.pathLatency(this.links.id(a, b), a, b);
  }

  // ---- partitions ----

  /**
   * Opens a partition: hosts in `sideA` cannot exchange anything with hosts in `sideB` (default: every
   * other host, including ones added later). Datagrams crossing it are lost, also those already in flight;
   * stream traffic waits and, if the partition outlasts the stream's break timeout, breaks the stream.
   */
  partition(sideA: readonly AddressLike[], sideB?: readonly AddressLike[]): Partition {
    const a = sideA.map((h) => this.hostId(h));
    const b = (sideB ?? []).map((h) => this.hostId(h));
    const sides = new Uint8Array(this.registry.hosts);
    for (const h of a) sides[h] = 1;
    for (const h of b) {
      if (sides[h] === 1) throw new InvalidArgumentError(`host ${this.registry.hostName(h)} is on both sides of the partition`, { host: this.registry.hostName(h) });
      sides[h] = 2;
    }
    const p = new Partition(sides, sideB === undefined, (healed) => {
      this.partitions = this.partitions.filter((q) => q !== healed);
    });
    this.partitions.push(p);
    return p;
  }

  /** True when an active partition separates the two hosts (by host id). */
  separated(a: number, b: number): boolean {
    const ps = this.partitions;
    for (let i = 0; i < ps.length; i++) if (ps[i]!.separates(a, b)) return true;
    return false;
  }

  // ---- datagrams ----

  /**
   * Puts a datagram from endpoint `src` to endpoint `dst` (-1: nobody is bound there) into the network;
   * `data` becomes the network's (the caller made it a copy). `dstText` names the destination for traces.
   */
  transmit(src: number, dst: number, data: Uint8Array, dstText: string): void {
    const bytes = data.length;
    const srcBase = src * 2 * STRIDE;
    const ec = this.epCounters;
    const t = this.totals;
    ec[srcBase + SENT]!++;
    ec[srcBase + BYTES_SENT]! += bytes;
    t[SENT]!++;
    t[BYTES_SENT]! += bytes;
    if (dst < 0) {
      this.lose(-1, src, -1, UNREACHABLE);
      this.trace?.(this.clock.now(), 'unreachable', this.registry.text[src]!, dstText, 0, bytes);
      return;
    }
    const dstBase = (dst * 2 + 1) * STRIDE;
    ec[dstBase + SENT]!++;
    ec[dstBase + BYTES_SENT]! += bytes;
    const reg = this.registry;
    const srcHost = reg.host[src]!;
    const dstHost = reg.host[dst]!;
    const flow = this.flow(src, dst);
    const l = flow >= 0 ? this.flowLink[flow]! : this.links.id(srcHost, dstHost);
    const lc = this.links.stats;
    const lb = l * STRIDE;
    lc[lb + SENT]!++;
    lc[lb + BYTES_SENT]! += bytes;
    const index = flow >= 0 ? ++this.flowSent[flow]! : 0;
    const tr = this.trace;
    if (tr) tr(this.clock.now(), 'send', this.registry.text[src]!, dstText, index, bytes);
    if (this.partitions.length > 0 && this.separated(srcHost, dstHost)) return this.drop(l, src, dst, PARTITIONED, index, bytes);
    const m = this.links.model(l);
    if (m.loss > 0 && this.random.next() < m.loss) return this.drop(l, src, dst, -1, index, bytes);
    let departs = this.clock.now();
    if (m.bandwidth > 0) {
      departs = this.links.serialise(l, bytes);
      if (departs < 0) return this.drop(l, src, dst, OVERFLOWED, index, bytes);
    }
    let delay = departs - this.clock.now() + this.links.sampleLatency(l, srcHost, dstHost);
    if (m.reorder > 0 && this.random.next() < m.reorder) delay += m.reorderDelay;
    let flags = 0;
    if (m.corrupt > 0 && this.random.next() < m.corrupt) flags |= FLAG_CORRUPT;
    const copies = m.duplicate > 0 && this.random.next() < m.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (this.inFlight >= this.maxInFlight) return this.drop(l, src, dst, OVERFLOWED, index, bytes);
      const slot = this.allocSlot();
      this.ifSrc[slot] = src;
      this.ifDst[slot] = dst;
      this.ifLink[slot] = l;
      this.ifFlow[slot] = flow;
      this.ifIndex[slot] = index;
      this.ifFlags[slot] = c === 0 ? flags : FLAG_COPY;
      this.ifData[slot] = data;
      this.inFlight++;
      // Same delay for the copy: it is scheduled after the original, so it arrives right behind it.
      this.clock.post(this, slot, delay);
    }
  }

  /** Delivers the datagram in flight in `slot` (called by the clock). */
  fire(slot: number): void {
    const src = this.ifSrc[slot]!;
    const dst = this.ifDst[slot]!;
    const l = this.ifLink[slot]!;
    const flow = this.ifFlow[slot]!;
    const index = this.ifIndex[slot]!;
    const flags = this.ifFlags[slot]!;
    let data = this.ifData[slot]!;
    this.ifData[slot] = undefined;
    this.ifFree[this.ifFreeCount++] = slot;
    this.inFlight--;
    const bytes = data.length;
    const reg = this.registry;
    const receiver = reg.receiver[dst];
    if (!receiver) return this.drop(l, src, dst, UNREACHABLE, index, bytes);
    // A NAT-like filter drops what nobody behind it asked for: to the sender it looks like an unbound port.
    if (receiver.admits !== undefined && !receiver.admits(src)) return this.drop(l, src, dst, UNREACHABLE, index, bytes);
    if (this.partitions.length > 0 && this.separated(reg.host[src]!, reg.host[dst]!)) return this.drop(l, src, dst, PARTITIONED, index, bytes);
    const lb = l * STRIDE;
    const sb = src * 2 * STRIDE;
    const db = (dst * 2 + 1) * STRIDE;
    this.count(lb, sb, db, DELIVERED, 1);
    this.count(lb, sb, db, BYTES_DELIVERED, bytes);
    const tr = this.trace;
    const now = this.clock.now();
    if (flags & FLAG_COPY) {
      this.count(lb, sb, db, DUPLICATED, 1);
      if (tr) tr(now, 'duplicate', this.registry.text[src]!, this.registry.text[dst]!, index, bytes);
    } else {
      if (flow >= 0) {
        if (index < this.flowMaxDelivered[flow]!) {
          this.count(lb, sb, db, REORDERED, 1);
          if (tr) tr(now, 'reorder', this.registry.text[src]!, this.registry.text[dst]!, index, bytes);
        } else this.flowMaxDelivered[flow] = index;
      }
      if (flags & FLAG_CORRUPT) {
        data = data.slice();
        if (bytes > 0) {
          const bit = this.random.int(bytes * 8);
          data[bit >> 3]! ^= 1 << (bit & 7);
        }
        this.count(lb, sb, db, CORRUPTED, 1);
        if (tr) tr(now, 'corrupt', this.registry.text[src]!, this.registry.text[dst]!, index, bytes);
      }
      if (tr) tr(now, 'deliver', this.registry.text[src]!, this.registry.text[dst]!, index, bytes);
    }
    receiver.arrive(data, src, reg.address[src]!);
  }

  // ---- counters ----

  /** What the network did with every datagram so far. */
  counters(): NetCounters {
    return readCounters(this.totals, 0);
  }

  /** What the link from host `from` to host `to` did (zeros if nothing crossed it). */
  linkCounters(from: AddressLike, to: AddressLike): NetCounters {
    const a = this.registry.findHost(from);
    const b = this.registry.findHost(to);
    const l = a === undefined || b === undefined ? undefined : this.links.find(a, b);
    return readCounters(l === undefined ? new Float64Array(STRIDE) : this.links.stats, l === undefined ? 0 : l * STRIDE);
  }

  /** What the network did with the datagrams an endpoint sent (`out`) and those sent to it (`in`). */
  endpointCounters(address: AddressLike): { out: NetCounters; in: NetCounters } {
    const id = this.registry.find(parseInetAddress(address, 'udp'));
    if (id === undefined) throw new InvalidArgumentError(`nothing is bound at ${typeof address === 'string' ? address : formatAddress(address)}`);
    return this.countersOf(id);
  }

  /** Counters of endpoint `id` (see endpointCounters). */
  countersOf(id: number): { out: NetCounters; in: NetCounters } {
    return { out: readCounters(this.epCounters, id * 2 * STRIDE), in: readCounters(this.epCounters, (id * 2 + 1) * STRIDE) };
  }

  /** Datagrams in flight now. */
  get datagramsInFlight(): number {
    return this.inFlight;
  }

  // ---- internals ----

  private count(lb: number, sb: number, db: number, k: number, n: number): void {
    this.links.stats[lb + k]! += n;
    this.epCounters[sb + k]! += n;
    this.epCounters[db + k]! += n;
    this.totals[k]! += n;
  }

  // A datagram is lost: `reason` is one of the counters that break `lost` down (-1: random loss only).
  private drop(l: number, src: number, dst: number, reason: number, index: number, bytes: number): void {
    this.lose(l, src, dst, reason);
    const tr = this.trace;
    if (tr) {
      const kind: TraceKind = reason === PARTITIONED ? 'partition' : reason === OVERFLOWED ? 'overflow' : reason === UNREACHABLE ? 'unreachable' : 'lose';
      tr(this.clock.now(), kind, this.registry.text[src]!, dst >= 0 ? this.registry.text[dst]! : '', index, bytes);
    }
  }

  private lose(l: number, src: number, dst: number, reason: number): void {
    bumpLost(this.totals, 0, reason);
    bumpLost(this.epCounters, src * 2 * STRIDE, reason);
    if (dst >= 0) bumpLost(this.epCounters, (dst * 2 + 1) * STRIDE, reason);
    if (l >= 0) bumpLost(this.links.stats, l * STRIDE, reason);
  }

  private flow(src: number, dst: number): number {
    if (this.maxFlows === 0) return -1;
    let flows = this.epFlows[src];
    if (flows === undefined) this.epFlows[src] = flows = new Map<number, number>();
    let f = flows.get(dst);
    if (f === undefined) {
      if (this.flowCount >= this.maxFlows) return -1;
      f = this.flowCount++;
      flows.set(dst, f);
      this.flowLink = ensureInt32(this.flowLink, f + 1);
      this.flowSent = ensureFloat64(this.flowSent, f + 1);
      this.flowMaxDelivered = ensureFloat64(this.flowMaxDelivered, f + 1);
      this.flowLink[f] = this.links.id(this.registry.host[src]!, this.registry.host[dst]!);
    }
    return f;
  }

  private allocSlot(): number {
    if (this.ifFreeCount > 0) return this.ifFree[--this.ifFreeCount]!;
    const slot = this.ifUsed++;
    if (slot >= this.ifSrc.length) {
      const n = this.ifSrc.length * 2;
      this.ifSrc = ensureInt32(this.ifSrc, n);
      this.ifDst = ensureInt32(this.ifDst, n);
      this.ifLink = ensureInt32(this.ifLink, n);
      this.ifFlow = ensureInt32(this.ifFlow, n);
      this.ifIndex = ensureFloat64(this.ifIndex, n);
      const flags = new Uint8Array(n);
      flags.set(this.ifFlags);
      this.ifFlags = flags;
      this.ifFree = ensureInt32(this.ifFree, n);
    }
    return slot;
  }
}

function bumpLost(a: Float64Array, base: number, reason: number): void {
  a[base + LOST]!++;
  if (reason >= 0) a[base + reason]!++;
}
