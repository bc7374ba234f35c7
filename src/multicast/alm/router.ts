// The multicast router of one overlay node: PIM-SM's state machines (RFC 7761) with overlay neighbours as
// interfaces. Joins travel hop by hop toward a key, each hop installing state and joining onward only if
// it is not on the tree yet (Scribe's rule); the upstream neighbour toward a key is the overlay's next hop
// (the reverse path), so the shared tree is rooted at the node responsible for the group's RP key and a
// source's tree at the source's own node. Every change is an event; all timing comes from the Clock.
import { randomInt } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.ts';
import { realClock, type Clock } from '../../net/clock.ts';
import { Prng } from '../../net/prng.ts';
import { compareDistance } from '../../overlay/distance.ts';
import { idHex, sameId, type NodeId } from '../../overlay/id.ts';
import type { Contact } from '../../overlay/link.ts';
import type { OverlayNode, RouteContext } from '../../overlay/node.ts';
import { AlmEvents, type AlmEventType } from './events.ts';
import { attachHooks } from './hooks.ts';
import {
  decodeAlm, encodeAlm, ENTRY_SG, ENTRY_SG_RPT, ENTRY_WC, MAX_STATE_CHARS, type AlmMessage, type DataPacket, type JoinPrune, type JoinPruneEntry, type Register, type WireSource,
} from './messages.ts';
import { resolveLimits, type AlmLimits, type AlmOptions } from './options.ts';
import { RegisterState } from './register.ts';
import { checkGroupName, rpResolver } from './rp.ts';
import { checkPolicy, wantsSwitch, type SwitchPolicy } from './spt-policy.ts';
import { inheritedRpt, inheritedSg, LOCAL, newGroup, newSource, type GroupEntry, type Neighbor, type Oif, type SourceEntry } from './state.ts';

/** Counters of a router since it started. */
export interface AlmRouterStats {
  /** Data copies sent to neighbours (each copy on each logical link counts). */
  dataSent: number;
  /** Data packets handed to the local application (before duplicate suppression). */
  localDeliveries: number;
  /** Data dropped by the reverse-path check: it came from a neighbour that is not this node's upstream for it. */
  rpfFailures: number;
  /** Second copies dropped: the packet already came here on the other tree (during a switch). */
  secondCopiesDropped: number;
  /** Shared-tree copies forwarded after the switch because they came first (sent before the source's tree reached here): no loss at the switch. */
  gapFilled: number;
  /** Data for a group with no state here. */
  noState: number;
  /** Register-encapsulated packets sent to the RP, and null Registers. */
  registersSent: number;
  nullRegistersSent: number;
  /** Register-Stops sent (at the RP) and received (at a source). */
  registerStopsSent: number;
  registerStopsReceived: number;
  /** Join/Prune messages sent (first sends), re-sent for want of an acknowledgement, and given up. */
  joinPrunesSent: number;
  joinPruneRetries: number;
  joinPrunesGivenUp: number;
  /** Acknowledgements sent. */
  acksSent: number;
  /** Control messages sent in all: Join/Prune (with retries), acks, null Registers, Register-Stops. */
  controlSent: number;
  /** Payloads with our tag that did not decode. */
  malformed: number;
  /** State refused because a bound (maxGroups, maxSourcesPerGroup, maxOifs, maxPendingAcks) was reached. */
  refused: number;
  /** Messages the overlay could not send (too large for its datagram bound). */
  unsendable: number;
}

/** One (S,G) as `snapshot()` shows it. */
export interface SourceSnapshot {
  readonly source: string;
  readonly upstream: string | undefined;
  readonly oifs: string[];
  readonly rptPrunes: string[];
  readonly rptPrunedAt: string | undefined;
  readonly sptBit: boolean;
  readonly register: string | undefined;
}

/** One group's state at one node, as `snapshot()` shows it. */
export interface GroupSnapshot {
  readonly group: string;
  readonly node: string;
  readonly root: boolean;
  readonly joined: boolean;
  readonly upstream: string | undefined;
  readonly oifs: string[];
  readonly sources: SourceSnapshot[];
}

interface PendingJp {
  readonly to: Neighbor;
  readonly bytes: Uint8Array;
  readonly hasJoin: boolean;
  tries: number;
  cancel: () => void;
}

interface Batch {
  readonly to: Neighbor;
  readonly group: GroupEntry;
  readonly entries: JoinPruneEntry[];
}

const NO_SOURCE: WireSource = { id: new Uint8Array(0), address: '' };

/**
 * The multicast router of one overlay node. It owns the node's hooks for tagged payloads (others pass to the
 * previous hooks). `AlmEndpoint` is its application interface; use the router directly only to observe it.
 */
export class AlmRouter {
  readonly address: string;
  readonly id: NodeId;
  readonly limits: Readonly<AlmLimits>;
  readonly events: AlmEvents;
  readonly policy: SwitchPolicy;
  /** Where (S,G) joins go: along the overlay's route toward the source, or straight to it. */
  readonly sptJoin: 'overlay' | 'direct';
  /** Called with each packet for the local application (set by the endpoint). */
  onLocal: (packet: DataPacket) => void = () => {};
  /** When set, called for every data copy sent to a neighbour (simulations measure link stress with it). */
  onCopy: ((to: string, packet: DataPacket) => void) | undefined;
  private readonly clock: Clock;
  private readonly random: Prng;
  private readonly rpOf: (group: string) => NodeId;
  private readonly groups = new Map<string, GroupEntry>();
  private readonly pending = new Map<number, PendingJp>();
  private readonly suspects = new Map<string, number>();
  private readonly batches = new Map<string, Batch>();
  private readonly queries = new Map<number, { readonly to: string; cancel: () => void; readonly done: (s: GroupSnapshot | undefined) => void }>();
  private readonly self: WireSource;
  private readonly counters: AlmRouterStats = {
    dataSent: 0, localDeliveries: 0, rpfFailures: 0, secondCopiesDropped: 0, gapFilled: 0, noState: 0, registersSent: 0, nullRegistersSent: 0,
    registerStopsSent: 0, registerStopsReceived: 0, joinPrunesSent: 0, joinPruneRetries: 0, joinPrunesGivenUp: 0, acksSent: 0, controlSent: 0,
    malformed: 0, refused: 0, unsendable: 0,
  };
  private readonly detach: () => void;
  private readonly tickMs: number;
  private stopTick: (() => void) | undefined;
  private closed = false;

  /** Attaches a router to `node`. ERR_INVALID_ARGUMENT for a bad option. */
  constructor(
    readonly node: OverlayNode,
    options: AlmOptions = {},
  ) {
    this.limits = Object.freeze(resolveLimits(options));
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? new Prng(randomInt(0x7fffffff));
    this.policy = checkPolicy(options.switchPolicy ?? 'first-packet');
    this.sptJoin = options.sptJoin ?? 'overlay';
    if (this.sptJoin !== 'overlay' && this.sptJoin !== 'direct') throw new InvalidArgumentError(`sptJoin must be 'overlay' or 'direct', got '${String(this.sptJoin)}'`, {});
    this.rpOf = rpResolver(options.rp);
    this.address = node.address;
    this.id = node.id;
    this.self = { id: node.id, address: node.address };
    this.events = new AlmEvents(this.limits.maxRecentEvents);
    // Timers are checked at a tenth of the refresh period (at most every second): state lives at most that much past its holdtime.
    this.tickMs = Math.min(1000, this.limits.joinPrunePeriodMs / 10);
    this.detach = attachHooks(node, { deliver: (ctx) => this.onRouted(ctx), receive: (p, from) => this.onDirect(p, from) });
  }

  /** Counters since the router started (a copy). */
  stats(): AlmRouterStats {
    return { ...this.counters };
  }

  /** Groups with state here. */
  get groupCount(): number {
    return this.groups.size;
  }

  /** The key of `group`'s RP as this node maps it. */
  rpKeyOf(group: string): NodeId {
    return this.rpOf(group);
  }

  // ---- the local application ----

  /** The local application joins `group`: (*,G) with LOCAL downstream. ERR_INVALID_ARGUMENT for a bad name or past maxGroups. */
  joinLocal(group: string): void {
    const g = this.groupFor(checkGroupName(group, this.limits.maxGroupNameBytes), undefined, true)!;
    if (g.wc.oifs.has(LOCAL)) return;
    g.wc.oifs.set(LOCAL, { neighbor: undefined, expires: Number.POSITIVE_INFINITY });
    this.emit('join', g, '*', LOCAL);
    this.reconcile(g);
    this.flush();
  }

  /** The local application leaves `group`: LOCAL leaves (*,G) and every switch it made; the branch is pruned if nothing else needs it. */
  leaveLocal(group: string): void {
    const g = this.groups.get(group);
    if (!g?.wc.oifs.delete(LOCAL)) return;
    for (const s of g.sources.values()) s.localSwitch = false;
    this.emit('prune', g, '*', LOCAL);
    this.reconcile(g);
    this.flush();
    this.collect(g);
  }

  /**
   * Sends `payload` to `group` from this node as source, numbered (`epoch`, `seq`): natively down the
   * source's tree and whatever part of the shared tree runs through here, and Register-encapsulated to the
   * RP while registering. ERR_MESSAGE_TOO_LARGE when it cannot fit the overlay's datagram.
   */
  sendLocal(group: string, payload: Uint8Array, epoch: number, seq: number): void {
    const g = this.groupFor(checkGroupName(group, this.limits.maxGroupNameBytes), undefined, true)!;
    const now = this.clock.now();
    const s = this.sourceFor(g, this.self, true)!;
    s.sptBit = true;
    s.kaExpires = now + this.limits.keepaliveMs;
    if (!s.register) {
      s.register = new RegisterState(this.limits.registerSuppressionMs, this.limits.registerProbeMs);
      this.emit('register', g, this.address);
    }
    const packet: DataPacket = { group: g.name, source: this.self, epoch, seq, spt: true, payload };
    // Encoded (and so size-checked) before anything is sent, so a packet too large fails whole.
    const bytes = encodeAlm({ case: 'data', value: packet });
    const rootHere = this.nextToward(g.rpKey, undefined) === undefined;
    let register: Uint8Array | undefined;
    if (s.register.registering && !rootHere) {
      register = encodeAlm({ case: 'register', value: { group: g.name, source: this.self, epoch, seq, isNull: false, payload } });
      this.node.route(g.rpKey, register);
      this.counters.registersSent++;
    }
    this.forward(inheritedSg(g, s), undefined, packet, bytes);
    this.ensureTicking();
  }

  // ---- observing ----

  /** The state of every group here (or of one), for trees and tests. */
  snapshot(group?: string): GroupSnapshot[] {
    const out: GroupSnapshot[] = [];
    for (const g of this.groups.values()) {
      if (group !== undefined && g.name !== group) continue;
      out.push({
        group: g.name,
        node: this.address,
        root: g.wc.root,
        joined: g.wc.joined,
        upstream: g.wc.upstream?.address,
        oifs: [...g.wc.oifs.keys()],
        sources: [...g.sources.values()].map((s) => ({
          source: s.source.address,
          upstream: s.upstream?.address,
          oifs: [...s.oifs.keys()],
          rptPrunes: [...s.rptPrunes.keys()],
          rptPrunedAt: s.rptPrunedAt?.address,
          sptBit: s.sptBit,
          register: s.register?.state,
        })),
      });
    }
    return out;
  }

  /**
   * Asks the node at `address` for its state of `group`; `done` gets it (undefined when it has none, or did
   * not answer in `ackTimeoutMs` after `joinPruneTries` tries).
   */
  queryState(address: string, group: string, done: (s: GroupSnapshot | undefined) => void): void {
    if (this.closed || this.queries.size >= this.limits.maxPendingAcks) return done(undefined);
    let nonce = this.random.nextU32();
    while (this.queries.has(nonce)) nonce = this.random.nextU32();
    let tries = 0;
    const ask = () => {
      if (this.closed) return;
      if (tries++ >= this.limits.joinPruneTries) {
        this.queries.delete(nonce);
        return done(undefined);
      }
      this.control(address, { case: 'stateQuery', value: { nonce, group } });
      q.cancel = this.clock.setTimer(ask, this.limits.ackTimeoutMs);
    };
    const q = { to: address, cancel: () => {}, done };
    this.queries.set(nonce, q);
    ask();
  }

  /** Stops timers and detaches from the node (which stays open). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTick?.();
    for (const p of this.pending.values()) p.cancel();
    this.pending.clear();
    for (const q of this.queries.values()) q.cancel();
    this.queries.clear();
    this.detach();
  }

  // ---- receiving ----

  private onDirect(payload: Uint8Array, from: { readonly id: Uint8Array; readonly address: string }): void {
    if (this.closed) return;
    const m = this.decode(payload);
    if (!m) return;
    switch (m.case) {
      case 'joinPrune':
        return this.onJoinPrune(m.value, { id: from.id, address: from.address });
      case 'ack':
        return this.onAck(m.value, from.address);
      case 'data':
        return this.onData(m.value, from.address);
      case 'registerStop':
        return this.onRegisterStop(m.value.group, m.value.source);
      case 'stateQuery':
        return this.control(from.address, { case: 'stateReply', value: { nonce: m.value.nonce, state: stateText(this.snapshot(m.value.group)[0], this.address, m.value.group) } });
      case 'stateReply': {
        const q = this.queries.get(m.value.nonce);
        if (!q || q.to !== from.address) return;
        this.queries.delete(m.value.nonce);
        q.cancel();
        q.done(parseState(m.value.state));
        return;
      }
      default:
        // A Register comes routed, never direct: a confused or hostile peer.
        this.counters.malformed++;
        return;
    }
  }

  private onRouted(ctx: RouteContext): void {
    if (this.closed) return;
    const m = this.decode(ctx.payload);
    if (m?.case === 'register') this.onRegister(m.value, ctx.key);
    else if (m) this.counters.malformed++;
  }

  private decode(payload: Uint8Array): AlmMessage | undefined {
    try {
      return decodeAlm(payload);
    } catch {
      // Hostile or corrupt input is counted and dropped: one bad payload must not stop the router.
      this.counters.malformed++;
      return undefined;
    }
  }

  private onJoinPrune(jp: JoinPrune, from: Neighbor): void {
    this.control(from.address, { case: 'ack', value: jp.nonce });
    this.counters.acksSent++;
    let g: GroupEntry | undefined;
    try {
      g = this.groupFor(checkGroupName(jp.group, this.limits.maxGroupNameBytes), jp.rpKey, jp.entries.some((e) => e.join));
    } catch {
      this.counters.malformed++;
      return;
    }
    if (!g) return;
    const now = this.clock.now();
    const expires = now + Math.min(jp.holdtimeMs, this.limits.joinPruneHoldtimeMs);
    const addr = from.address;
    let wcJoin = false;
    const rptListed = new Set<string>();
    for (const e of jp.entries) {
      if (e.kind === ENTRY_WC) {
        if (e.join) {
          wcJoin = true;
          this.addOif(g, g.wc.oifs, from, expires, '*');
        } else if (g.wc.oifs.delete(addr)) this.emit('prune', g, '*', addr);
        continue;
      }
      const s = this.sourceFor(g, e.source, e.join || e.kind === ENTRY_SG_RPT);
      if (!s) continue;
      if (e.kind === ENTRY_SG) {
        if (e.join) this.addOif(g, s.oifs, from, expires, s.source.address);
        else if (s.oifs.delete(addr)) this.emit('prune', g, s.source.address, addr);
      } else if (e.join) {
        s.rptPrunes.delete(addr);
      } else {
        rptListed.add(s.hex);
        if (!s.rptPrunes.has(addr)) {
          if (s.rptPrunes.size >= this.limits.maxOifs) {
            this.counters.refused++;
            continue;
          }
          this.emit('prune-rpt', g, s.source.address, addr);
        }
        s.rptPrunes.set(addr, expires);
      }
    }
    // A (*,G) join states the neighbour's whole (S,G,rpt) prune list (RFC 7761 4.5.7's end-of-message
    // rule): a prune it no longer lists is gone.
    if (wcJoin) for (const s of g.sources.values()) if (!rptListed.has(s.hex)) s.rptPrunes.delete(addr);
    this.reconcile(g);
    this.flush();
    this.collect(g);
  }

  private addOif(g: GroupEntry, oifs: Map<string, Oif>, from: Neighbor, expires: number, source: string): void {
    const o = oifs.get(from.address);
    if (o) {
      o.expires = expires;
      return;
    }
    if (oifs.size >= this.limits.maxOifs) {
      this.counters.refused++;
      return;
    }
    oifs.set(from.address, { neighbor: from, expires });
    this.emit('join', g, source, from.address);
  }

  private onAck(nonce: number, from: string): void {
    const p = this.pending.get(nonce);
    if (!p || p.to.address !== from) return;
    p.cancel();
    this.pending.delete(nonce);
  }

  private onData(packet: DataPacket, from: string): void {
    const g = this.groups.get(packet.group);
    if (!g) {
      this.counters.noState++;
      return;
    }
    if (packet.source.address === this.address) {
      // Our own packet coming back down the shared tree: the source's node sends natively, never on from the RPT.
      this.counters.rpfFailures++;
      return;
    }
    const hex = idHex(packet.source.id);
    let s = g.sources.get(hex);
    const now = this.clock.now();
    if (s?.upstream && from === s.upstream.address) {
      s.kaExpires = now + this.limits.keepaliveMs;
      // The SPT bit is set by arrival on the source tree's interface, even when the shared tree was faster
      // with this packet (its copy is then the second, dropped below).
      const first = s.seen.add(packet.epoch, packet.seq);
      // Only a copy the upstream itself took from the source's tree counts: a shared-tree copy it passes on
      // (while it switches) says nothing about where the source's tree starts.
      if (!s.sptBit && packet.spt) this.setSptBit(g, s, packet, from);
      if (!first) {
        this.counters.secondCopiesDropped++;
        return;
      }
      this.forward(inheritedSg(g, s), from, packet);
      return;
    }
    if (g.wc.upstream && from === g.wc.upstream.address) {
      s = this.onSharedTree(g, s, packet, from);
      this.considerSwitch(g, s, packet);
      return;
    }
    this.counters.rpfFailures++;
  }

  // A packet that came down the shared tree (from the RPF neighbour toward the RP, or decapsulated at the RP).
  private onSharedTree(g: GroupEntry, s: SourceEntry | undefined, packet: DataPacket, from: string | undefined): SourceEntry | undefined {
    if (s && !s.seen.add(packet.epoch, packet.seq)) {
      this.counters.secondCopiesDropped++;
      return s;
    }
    const copy = packet.spt ? { ...packet, spt: false } : packet;
    if (s?.sptBit) {
      // After the switch the shared tree is a second path until it is pruned: a packet it brings first (sent
      // before the source's tree reached us, or lost on it) is passed on, so the switch loses nothing.
      this.counters.gapFilled++;
      this.forward(inheritedSg(g, s), from, copy);
      this.checkCaughtUp(g, s);
      return s;
    }
    this.forward(inheritedRpt(g, s), from, copy);
    return s;
  }

  private checkCaughtUp(g: GroupEntry, s: SourceEntry): void {
    if (s.rptCaughtUp || s.seen.unseenBelow(s.sptEpoch, s.sptFirstSeq) > 0) return;
    s.rptCaughtUp = true;
    this.reconcile(g);
    this.flush();
  }

  // The first packet on the source's tree: from now on the shared tree is needed only for what was sent
  // before it and has not come yet (the RPT is slower, and Registers may trail native data at the RP).
  private setSptBit(g: GroupEntry, s: SourceEntry, packet: DataPacket, from: string): void {
    s.sptBit = true;
    s.sptEpoch = packet.epoch;
    s.sptFirstSeq = packet.seq;
    s.sptAt = this.clock.now();
    s.rptCaughtUp = false;
    this.emit('spt-switch', g, s.source.address, from);
    this.checkCaughtUp(g, s);
    this.reconcile(g);
    this.flush();
  }

  // The switch (RFC 7761 4.2.1's SwitchToSptDesired) is taken by the node of a local receiver.
  private considerSwitch(g: GroupEntry, s: SourceEntry | undefined, packet: DataPacket): void {
    if (!g.wc.oifs.has(LOCAL) || s?.localSwitch) return;
    if (this.policy === 'never') return;
    const now = this.clock.now();
    if (!s) {
      s = this.sourceFor(g, packet.source, true);
      s?.seen.add(packet.epoch, packet.seq);
    }
    if (!s || !wantsSwitch(this.policy, s.meter, packet.payload.length, now)) return;
    s.localSwitch = true;
    this.reconcile(g);
    this.flush();
  }

  // At the RP: a Register from a source's node (RFC 7761 4.4.2).
  private onRegister(r: Register, key: NodeId): void {
    let g: GroupEntry | undefined;
    try {
      g = this.groupFor(checkGroupName(r.group, this.limits.maxGroupNameBytes), key, true);
    } catch {
      this.counters.malformed++;
      return;
    }
    if (!g) return;
    const s = this.sourceFor(g, r.source, true);
    if (!s) return;
    const now = this.clock.now();
    if (!s.registered) {
      s.registered = true;
      this.emit('register', g, s.source.address);
    }
    let stop = false;
    if (s.sptBit || inheritedSg(g, s).length === 0) {
      this.control(r.source.address, { case: 'registerStop', value: { group: g.name, source: r.source } });
      this.counters.registerStopsSent++;
      // Every Register is answered (one may be lost); the event is the change from forwarding to stopping.
      if (!s.stopping) this.emit('register-stop', g, s.source.address, r.source.address);
      stop = true;
    }
    s.stopping = stop;
    // RP_Keepalive_Period after a Register-Stop: long enough to see the next null Register.
    const keep = stop ? 3 * this.limits.registerSuppressionMs + this.limits.registerProbeMs : this.limits.keepaliveMs;
    s.kaExpires = Math.max(s.kaExpires, now + keep);
    if (!r.isNull) {
      const packet: DataPacket = { group: g.name, source: r.source, epoch: r.epoch, seq: r.seq, spt: false, payload: r.payload };
      this.onSharedTree(g, s, packet, undefined);
      this.considerSwitch(g, s, packet);
    }
    this.reconcile(g);
    this.flush();
    this.ensureTicking();
  }

  private onRegisterStop(group: string, source: WireSource): void {
    if (source.address !== this.address) return;
    const g = this.groups.get(group);
    const s = g?.sources.get(idHex(source.id));
    if (!g || !s?.register) return;
    this.counters.registerStopsReceived++;
    if (s.register.state !== 'prune') this.emit('register-stop', g, this.address);
    s.register.onRegisterStop(this.clock.now(), this.random.next());
  }

  // ---- the state machines: compare what should be announced upstream with what was, send the difference ----

  private reconcile(g: GroupEntry): void {
    const wc = g.wc;
    const wcDesired = wc.oifs.size > 0;
    const upWc = wcDesired ? this.nextToward(g.rpKey, wc.upstream) : undefined;
    if (!sameNeighbor(upWc, wc.upstream) || wc.joined !== wcDesired) {
      if (wc.upstream && !sameNeighbor(upWc, wc.upstream)) this.entry(wc.upstream, g, ENTRY_WC, false, NO_SOURCE);
      if (upWc && (!sameNeighbor(upWc, wc.upstream) || !wc.joined)) {
        this.entry(upWc, g, ENTRY_WC, true, NO_SOURCE);
        this.emit('upstream', g, '*', upWc.address);
      }
      wc.upstream = upWc;
      wc.joined = wcDesired;
    }
    const root = wcDesired && upWc === undefined;
    if (root !== wc.root) {
      wc.root = root;
      if (root) this.emit('rp', g, '*');
    }
    const now = this.clock.now();
    for (const s of g.sources.values()) {
      const isSource = s.source.address === this.address;
      const olist = inheritedSg(g, s);
      const kat = s.kaExpires > now;
      const sgDesired = !isSource && (s.oifs.size > 0 || (s.localSwitch && wc.oifs.has(LOCAL)) || (kat && s.sptBit && olist.length > 0) || (kat && wc.root && olist.length > 0));
      const upS = sgDesired ? this.towardSource(s) : undefined;
      if (!sameNeighbor(upS, s.upstream)) {
        if (s.upstream) {
          this.entry(s.upstream, g, ENTRY_SG, false, s.source);
          if (upS === undefined) this.emit('prune', g, s.source.address, 'upstream');
        }
        if (upS) {
          this.entry(upS, g, ENTRY_SG, true, s.source);
          this.emit('upstream', g, s.source.address, upS.address);
        }
        s.upstream = upS;
        // A new incoming interface for S: data must arrive on it before the SPT counts as built again.
        if (!isSource) s.sptBit = false;
      }
      // PruneDesired(S,G,rpt): nothing below wants S from the shared tree, or S comes on its own tree through
      // another neighbour, after the shared tree has delivered everything sent before the switch.
      const rptOlist = inheritedRpt(g, s);
      const caughtUp = s.rptCaughtUp || now - s.sptAt >= this.limits.switchPruneDelayMs;
      const diverged = s.sptBit && s.upstream !== undefined && wc.upstream !== undefined && s.upstream.address !== wc.upstream.address && caughtUp;
      const pruneRpt = wc.joined && wc.upstream !== undefined && !isSource && ((rptOlist.length === 0 && (s.sptBit || s.oifs.size > 0 || s.rptPrunes.size > 0)) || diverged);
      const target = pruneRpt ? wc.upstream : undefined;
      if (!sameNeighbor(target, s.rptPrunedAt)) {
        if (s.rptPrunedAt && sameNeighbor(s.rptPrunedAt, wc.upstream)) this.entry(s.rptPrunedAt, g, ENTRY_SG_RPT, true, s.source);
        if (target) this.entry(target, g, ENTRY_SG_RPT, false, s.source);
        s.rptPrunedAt = target;
      }
    }
  }

  // Queues one Join/Prune entry for `to`; `flush` sends one message per neighbour and group.
  private entry(to: Neighbor, g: GroupEntry, kind: number, join: boolean, source: WireSource): void {
    const key = `${to.address}\n${g.name}`;
    let b = this.batches.get(key);
    if (!b) this.batches.set(key, (b = { to, group: g, entries: [] }));
    b.entries.push({ kind, join, source });
  }

  private flush(): void {
    if (this.batches.size === 0) return;
    const batches = [...this.batches.values()];
    this.batches.clear();
    for (const b of batches) {
      const g = b.group;
      // A (*,G) join carries every (S,G,rpt) prune toward that neighbour (see onJoinPrune's end-of-message rule).
      if (b.entries.some((e) => e.kind === ENTRY_WC && e.join)) {
        for (const s of g.sources.values()) {
          if (s.rptPrunedAt?.address === b.to.address && !b.entries.some((e) => e.kind === ENTRY_SG_RPT && e.source === s.source)) {
            b.entries.push({ kind: ENTRY_SG_RPT, join: false, source: s.source });
          }
        }
      }
      this.sendJoinPrune(b.to, { group: g.name, rpKey: g.rpKey, holdtimeMs: this.limits.joinPruneHoldtimeMs, entries: b.entries.slice(0, 257) });
    }
  }

  private sendJoinPrune(to: Neighbor, jp: Omit<JoinPrune, 'nonce'>): void {
    let nonce = this.random.nextU32();
    while (this.pending.has(nonce)) nonce = this.random.nextU32();
    let bytes: Uint8Array;
    try {
      bytes = encodeAlm({ case: 'joinPrune', value: { ...jp, nonce } });
    } catch {
      this.counters.unsendable++;
      return;
    }
    if (this.pending.size >= this.limits.maxPendingAcks) {
      const [oldest, p] = this.pending.entries().next().value as [number, PendingJp];
      p.cancel();
      this.pending.delete(oldest);
      this.counters.refused++;
    }
    const p: PendingJp = { to, bytes, hasJoin: jp.entries.some((e) => e.join), tries: 1, cancel: () => {} };
    this.pending.set(nonce, p);
    this.counters.joinPrunesSent++;
    this.raw(to.address, bytes);
    const retry = () => {
      if (this.closed || this.pending.get(nonce) !== p) return;
      if (p.tries >= this.limits.joinPruneTries) {
        this.pending.delete(nonce);
        this.counters.joinPrunesGivenUp++;
        // A lost prune costs nothing (the state upstream expires); a join that no one acknowledges means
        // the upstream neighbour is gone: route around it.
        if (p.hasJoin) this.neighborDead(to);
        return;
      }
      p.tries++;
      this.counters.joinPruneRetries++;
      this.raw(to.address, bytes);
      p.cancel = this.clock.setTimer(retry, this.limits.ackTimeoutMs);
    };
    p.cancel = this.clock.setTimer(retry, this.limits.ackTimeoutMs);
  }

  private neighborDead(n: Neighbor): void {
    if (this.isSuspect(n.address)) return;
    // Bounded like the neighbour tables: past it the suspicion held longest is forgotten first.
    if (this.suspects.size >= this.limits.maxOifs) this.suspects.delete(this.suspects.keys().next().value!);
    this.suspects.set(n.address, this.clock.now() + this.limits.suspectMs);
    for (const g of this.groups.values()) {
      let uses = g.wc.upstream?.address === n.address;
      for (const s of g.sources.values()) if (s.upstream?.address === n.address) uses = true;
      if (!uses) continue;
      this.emit('neighbor-dead', g, '*', n.address);
      this.reconcile(g);
    }
    this.flush();
  }

  private isSuspect(address: string): boolean {
    const until = this.suspects.get(address);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.suspects.delete(address);
    return false;
  }

  // The (S,G) upstream: the overlay's next hop toward the source's id (a tree whose fan-out is spread over
  // the overlay), or with sptJoin 'direct' the source itself (the shortest path, at the cost of the source
  // sending one copy per receiver's node), unless it is taken for dead.
  private towardSource(s: SourceEntry): Neighbor | undefined {
    if (this.sptJoin === 'direct' && !this.isSuspect(s.source.address)) return s.upstream?.address === s.source.address ? s.upstream : { id: s.source.id, address: s.source.address };
    return this.nextToward(s.source.id, s.upstream);
  }

  /**
   * The upstream neighbour toward `key` (the reverse path): keep `current` while it is alive, in the table
   * and closer to the key than this node (a tree that changes only when it must). Otherwise the key's own
   * node if it is a contact, else, among the contacts closer to the key, the one with the lowest measured
   * RTT (proximity neighbour selection, as Pastry and Scribe do: every hop still gets strictly closer to
   * the key, so joins cannot loop, but each hop is a short one). Skips neighbours taken for dead.
   * Undefined: no contact is closer, this node is the root.
   */
  private nextToward(key: NodeId, current: Neighbor | undefined): Neighbor | undefined {
    const table = this.node.table;
    if (current && !this.isSuspect(current.address) && table.get(current.id)?.address === current.address && compareDistance(key, current.id, this.id) < 0) return current;
    let best: Contact | undefined;
    for (const c of table.closest(key, this.node.limits.k, true)) {
      if (compareDistance(key, c.id, this.id) >= 0 || this.isSuspect(c.address)) continue;
      if (sameId(c.id, key)) return { id: c.id, address: c.address };
      // Contacts without a measured RTT come after measured ones, in the table's order (closest tier first).
      if (!best || (c.link.srtt ?? Number.POSITIVE_INFINITY) < (best.link.srtt ?? Number.POSITIVE_INFINITY)) best = c;
    }
    return best && { id: best.id, address: best.address };
  }

  // ---- data ----

  private forward(list: readonly string[], except: string | undefined, packet: DataPacket, encoded?: Uint8Array): void {
    let bytes = encoded;
    for (const a of list) {
      if (a === except) continue;
      if (a === LOCAL) {
        this.counters.localDeliveries++;
        this.onLocal(packet);
        continue;
      }
      bytes ??= encodeAlm({ case: 'data', value: packet });
      this.counters.dataSent++;
      this.onCopy?.(a, packet);
      this.raw(a, bytes, true);
    }
  }

  private control(address: string, m: AlmMessage): void {
    this.raw(address, encodeAlm(m));
  }

  private raw(address: string, bytes: Uint8Array, isData = false): void {
    if (this.closed) return;
    if (!isData) this.counters.controlSent++;
    try {
      this.node.send(address, bytes);
    } catch {
      // Only a message past the overlay's datagram bound fails here (a sender checks data before it gets this far).
      this.counters.unsendable++;
    }
  }

  // ---- state bookkeeping ----

  private groupFor(name: string, rpKey: NodeId | undefined, create: boolean): GroupEntry | undefined {
    const g = this.groups.get(name);
    if (g || !create) return g;
    if (this.groups.size >= this.limits.maxGroups) {
      this.counters.refused++;
      if (rpKey === undefined) throw new InvalidArgumentError(`cannot hold state for ${name}: already ${this.limits.maxGroups} groups (maxGroups)`, { limit: this.limits.maxGroups });
      return undefined;
    }
    const now = this.clock.now();
    const fresh = newGroup(name, rpKey ?? this.rpOf(name), now + this.limits.joinPrunePeriodMs * (0.5 + 0.5 * this.random.next()));
    this.groups.set(name, fresh);
    this.ensureTicking();
    return fresh;
  }

  private sourceFor(g: GroupEntry, source: WireSource, create: boolean): SourceEntry | undefined {
    const hex = idHex(source.id);
    const s = g.sources.get(hex);
    if (s || !create) return s;
    if (g.sources.size >= this.limits.maxSourcesPerGroup) {
      this.counters.refused++;
      return undefined;
    }
    const fresh = newSource({ id: source.id.slice(), address: source.address }, hex, this.limits.rateWindowMs, this.limits.sequenceWindow);
    g.sources.set(hex, fresh);
    return fresh;
  }

  // Drops a group, or sources, with nothing left: no members, no joins, no prunes, no data.
  private collect(g: GroupEntry): void {
    const now = this.clock.now();
    for (const [hex, s] of g.sources) {
      if (s.oifs.size || s.rptPrunes.size || s.upstream || s.rptPrunedAt || s.localSwitch || s.kaExpires > now) continue;
      g.sources.delete(hex);
      // State that lived on data (the keepalive timer) ends with an event; state that lived on joins ended with theirs.
      if (s.kaExpires > 0) this.emit('expire', g, s.source.address, 'keepalive');
    }
    if (g.wc.oifs.size === 0 && !g.wc.joined && g.sources.size === 0) this.groups.delete(g.name);
  }

  private ensureTicking(): void {
    if (this.stopTick || this.closed) return;
    this.stopTick = this.clock.setTimer(() => this.tick(), this.tickMs * (0.5 + this.random.next()));
  }

  // Soft state: expire what was not refreshed, refresh what is ours to refresh, run the register timers.
  private tick(): void {
    this.stopTick = undefined;
    if (this.closed) return;
    const now = this.clock.now();
    for (const g of [...this.groups.values()]) {
      this.expire(g, g.wc.oifs, '*', now);
      for (const s of g.sources.values()) {
        this.expire(g, s.oifs, s.source.address, now);
        for (const [a, at] of s.rptPrunes) {
          if (at > now) continue;
          s.rptPrunes.delete(a);
          this.emit('expire', g, s.source.address, a);
        }
        const action = s.register?.tick(now);
        if (action === 'resume') this.emit('register', g, this.address);
        if (action === 'send-null-register' && s.kaExpires > now) {
          this.node.route(g.rpKey, encodeAlm({ case: 'register', value: { group: g.name, source: this.self, epoch: 0, seq: 0, isNull: true, payload: new Uint8Array(0) } }));
          this.counters.nullRegistersSent++;
          this.counters.controlSent++;
        }
        if (s.register && s.kaExpires <= now) s.register = undefined;
      }
      this.reconcile(g);
      if (now >= g.nextRefresh) {
        g.nextRefresh = now + this.limits.joinPrunePeriodMs;
        this.refresh(g);
      }
      this.collect(g);
    }
    this.flush();
    if (this.groups.size > 0) this.stopTick = this.clock.setTimer(() => this.tick(), this.tickMs);
  }

  private expire(g: GroupEntry, oifs: Map<string, Oif>, source: string, now: number): void {
    for (const [a, o] of oifs) {
      if (o.expires > now) continue;
      oifs.delete(a);
      this.emit('expire', g, source, a);
    }
  }

  // t_periodic: the whole upstream state again (joins; (S,G,rpt) prunes ride with the (*,G) join).
  private refresh(g: GroupEntry): void {
    if (g.wc.upstream && g.wc.joined) this.entry(g.wc.upstream, g, ENTRY_WC, true, NO_SOURCE);
    for (const s of g.sources.values()) {
      if (s.upstream) this.entry(s.upstream, g, ENTRY_SG, true, s.source);
      if (s.rptPrunedAt && !sameNeighbor(s.rptPrunedAt, g.wc.upstream)) s.rptPrunedAt = undefined;
    }
  }

  private emit(type: AlmEventType, g: GroupEntry, source: string, neighbor?: string): void {
    this.events.emit({ type, node: this.address, group: g.name, source, ...(neighbor !== undefined ? { neighbor } : {}), at: this.clock.now() });
  }
}

function sameNeighbor(a: Neighbor | undefined, b: Neighbor | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.address === b.address);
}

// A snapshot as the text of a state reply: JSON, its lists cut so the whole fits MAX_STATE_CHARS.
function stateText(g: GroupSnapshot | undefined, node: string, group: string): string {
  const empty: GroupSnapshot = { group, node, root: false, joined: false, upstream: undefined, oifs: [], sources: [] };
  const s = g ?? empty;
  for (let cap = 64; cap >= 1; cap = Math.floor(cap / 2)) {
    const cut: GroupSnapshot = {
      ...s,
      oifs: s.oifs.slice(0, cap),
      sources: s.sources.slice(0, cap).map((x) => ({ ...x, oifs: x.oifs.slice(0, cap), rptPrunes: x.rptPrunes.slice(0, cap) })),
    };
    const text = JSON.stringify(cut);
    if (text.length <= MAX_STATE_CHARS) return text;
  }
  return JSON.stringify(empty);
}

// A state reply back into a snapshot; undefined for anything that is not one (a confused or hostile peer).
function parseState(text: string): GroupSnapshot | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const strings = (x: unknown) => (Array.isArray(x) ? x.filter((y): y is string => typeof y === 'string') : []);
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  if (typeof o.group !== 'string' || typeof o.node !== 'string') return undefined;
  const sources = Array.isArray(o.sources) ? o.sources.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>).source === 'string') : [];
  return {
    group: o.group,
    node: o.node,
    root: o.root === true,
    joined: o.joined === true,
    upstream: str(o.upstream),
    oifs: strings(o.oifs),
    sources: sources.map((x) => ({
      source: x.source as string,
      upstream: str(x.upstream),
      oifs: strings(x.oifs),
      rptPrunes: strings(x.rptPrunes),
      rptPrunedAt: str(x.rptPrunedAt),
      sptBit: x.sptBit === true,
      register: str(x.register),
    })),
  };
}
