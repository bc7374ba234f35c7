// Application-level multicast at scale on the simulated two-level internet, on virtual time: one overlay
// of N nodes, a group of receivers and one source streaming at a fixed bit rate, measured twice on the same
// overlay: staying on the shared tree (policy never), then switching at the first packet. Figures: relative
// delay penalty (tree delay ÷ direct unicast delay), link stress (copies of one packet on one physical
// link), duplicates and losses during the switch, join latency, repair time after a forwarder fails, and
// control messages per second. Used by bench/alm.ts and `courier mcast tree`; deterministic for a seed.
import { SimNetwork } from '../../net/sim/network.ts';
import { internet, type InternetTopology } from '../../net/sim/topology.ts';
import { compareDistance } from '../../overlay/distance.ts';
import { OverlayNode } from '../../overlay/node.ts';
import type { OverlayOptions } from '../../overlay/options.ts';
import { AlmEndpoint } from './endpoint.ts';
import type { AlmEvent } from './events.ts';
import type { DataPacket } from './messages.ts';
import { ALM_DEFAULTS, type AlmOptions } from './options.ts';
import { groupKey } from './rp.ts';
import type { GroupSnapshot } from './router.ts';
import type { SwitchPolicy } from './spt-policy.ts';

/** One simulated run. */
export interface AlmSimOptions {
  readonly nodes: number;
  /** Receivers in the group. Default 100. */
  readonly receivers?: number;
  readonly seed?: number;
  /** The source's rate, bits per second. Default 1,000,000. */
  readonly bitsPerSecond?: number;
  /** Payload bytes per packet. Default 1000. */
  readonly packetBytes?: number;
  /** Packets sampled for delay and link stress in each phase. Default 20. */
  readonly samples?: number;
  /** Options of every ALM endpoint (timers). Default: RFC 7761's. */
  readonly alm?: AlmOptions;
  /** Options of every overlay node. */
  readonly overlay?: OverlayOptions;
  /** Skip the forwarder failure and control-rate phases (they run two refresh periods each). */
  readonly short?: boolean;
  readonly group?: string;
  readonly progress?: (line: string) => void;
}

/** What one phase measured on the tree it ran on. */
export interface TreeFigures {
  /** Per receiver: median over sampled packets of tree delay ÷ direct unicast delay. */
  readonly rdp: number[];
  /** Per sampled packet: mean copies per physical link used. */
  readonly meanStress: number[];
  /** Per sampled packet: the most copies on one physical link. */
  readonly maxStress: number[];
  /** Per receiver: tree delay, ms. */
  readonly delayMs: number[];
}

/** What a run measured. Times are virtual milliseconds. */
export interface AlmSimResult {
  readonly nodes: number;
  readonly receivers: number;
  readonly rpt: TreeFigures;
  readonly spt: TreeFigures;
  /** After the switch with sptJoin 'direct' (joins straight to the source). */
  readonly sptDirect: TreeFigures;
  readonly directSwitchDuplicateCopies: number;
  readonly directLostDuringSwitch: number;
  /** Copies that reached a receiver's node a second time during the switch (dropped before the application). */
  readonly switchDuplicateCopies: number;
  /** Packets handed to an application twice (must be 0). */
  readonly duplicatesDelivered: number;
  /** Packets sent while a receiver was joined that never reached it (no network loss in this run: must be 0). */
  readonly lostDuringSwitch: number;
  readonly packetsSent: number;
  /** Per late joiner: join() to its first packet, ms. */
  readonly joinLatencyMs: number[];
  /** Per receiver cut off by the failure: failure to its next packet, ms (empty when `short`). */
  readonly repairMs: number[];
  /** Receivers below the failed forwarder. */
  readonly repairAffected: number;
  /** Control messages (Join/Prune, acks, null Registers, Register-Stops) per second over two refresh periods, all nodes. */
  readonly controlPerSecond: number;
  /** The same per node on the tree. */
  readonly controlPerTreeNodePerSecond: number;
  readonly treeNodes: number;
  readonly refreshPeriodMs: number;
  readonly events: Record<string, number>;
  readonly datagrams: number;
  readonly simulatedMs: number;
}

/** Builds an overlay of `n` nodes on the internet topology (virtual time) and returns it with its network. */
export function buildOverlay(n: number, seed: number, overlay: OverlayOptions = {}, say: (line: string) => void = () => {}): { net: SimNetwork; topology: InternetTopology; nodes: OverlayNode[] } {
  const topology = internet({ sites: Math.max(4, Math.round(n / 20)), seed });
  const net = new SimNetwork({ seed, topology });
  const random = net.random.fork();
  const nodes: OverlayNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = new OverlayNode(net.bind(`udp://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:4000`), {
      clock: net.clock,
      random: random.fork(),
      // A 1 Mbit/s group is 125 datagrams a second on a link, besides the overlay's own requests.
      maxRequestsPerSourcePerSecond: 5000,
      ...overlay,
    });
    const boot = nodes.length ? [nodes[random.int(nodes.length)]!.address] : [];
    nodes.push(node);
    node.joinWith(boot, () => {});
    net.clock.advance(20);
    if ((i + 1) % 250 === 0) say(`${i + 1}/${n} overlay nodes joined`);
  }
  net.clock.advance(30_000);
  return { net, topology, nodes };
}

/** Runs the two phases (see the file comment) and returns the figures. Synchronous: all on virtual time. */
export function runAlmSim(o: AlmSimOptions): AlmSimResult {
  const say = o.progress ?? (() => {});
  const seed = o.seed ?? 1;
  const group = o.group ?? 'channel-1';
  const packetBytes = o.packetBytes ?? 1000;
  const intervalMs = (packetBytes * 8 * 1000) / (o.bitsPerSecond ?? 1_000_000);
  const samples = o.samples ?? 20;
  const { net, topology, nodes } = buildOverlay(o.nodes, seed, o.overlay, say);
  const clock = net.clock;
  const random = net.random.fork();
  const period = o.alm?.joinPrunePeriodMs ?? ALM_DEFAULTS.joinPrunePeriodMs;
  say(`overlay built: ${nodes.length} nodes at ${(clock.now() / 1000).toFixed(0)} s virtual`);

  const key = groupKey(group);
  const rpNode = nodes.reduce((a, b) => (compareDistance(key, a.id, b.id) <= 0 ? a : b));
  const others = nodes.filter((x) => x !== rpNode);
  const sourceNode = others[random.int(others.length)]!;
  const pool = others.filter((x) => x !== sourceNode);
  const chosen: OverlayNode[] = [];
  const want = Math.min(o.receivers ?? 100, pool.length);
  while (chosen.length < want) {
    const c = pool.splice(random.int(pool.length), 1)[0]!;
    chosen.push(c);
  }
  const host = (address: string) => address.slice(address.indexOf('//') + 2, address.lastIndexOf(':'));

  // One phase: endpoints on every node with `policy`, joins, a stream, samples.
  const phase = (policy: SwitchPolicy, lateJoiners: number, sptJoin: 'overlay' | 'direct' = 'overlay') => {
    const events: AlmEvent[] = [];
    const alm = nodes.map((n) => new AlmEndpoint(n, { clock, random: random.fork(), switchPolicy: policy, sptJoin, ...o.alm }));
    const byAddress = new Map(alm.map((a) => [a.address, a]));
    const src = byAddress.get(sourceNode.address)!;
    for (const a of alm) a.on((e) => events.push(e));
    const delivered = new Map<string, Map<number, number>>();
    const dupDelivered = { n: 0 };
    const joinedAt = new Map<string, number>();
    const receivers = chosen.map((c) => byAddress.get(c.address)!);
    for (const r of receivers) {
      const got = new Map<number, number>();
      delivered.set(r.address, got);
      r.onReadable(() => {
        for (let d = r.tryReceive(); d; d = r.tryReceive()) {
          if (got.has(d.seq)) dupDelivered.n++;
          else got.set(d.seq, clock.now());
        }
      });
    }
    const early = receivers.slice(0, receivers.length - lateJoiners);
    const late = receivers.slice(receivers.length - lateJoiners);
    for (const r of early) {
      joinedAt.set(r.address, clock.now());
      void r.join(group);
      clock.advance(5);
    }
    clock.advance(5000);
    const sentAt = new Map<number, number>();
    let seq = 0;
    const payload = new Uint8Array(packetBytes);
    const sendOne = () => {
      sentAt.set(++seq, clock.now());
      void src.send(payload, group);
    };
    const stream = (ms: number, every = intervalMs, during?: (i: number) => void) => {
      const count = Math.round(ms / every);
      for (let i = 0; i < count; i++) {
        sendOne();
        during?.(i);
        clock.advance(every);
      }
    };
    // Warm-up: registering, the RP's join toward the source, Register-Stop (and, switching, the switch).
    let lateIndex = 0;
    const lateEvery = Math.max(1, Math.floor(2000 / intervalMs / Math.max(1, late.length)));
    stream(3000, intervalMs, (i) => {
      if (i % lateEvery === 0 && lateIndex < late.length) {
        const r = late[lateIndex++]!;
        joinedAt.set(r.address, clock.now());
        void r.join(group);
      }
    });
    while (lateIndex < late.length) {
      const r = late[lateIndex++]!;
      joinedAt.set(r.address, clock.now());
      void r.join(group);
    }
    stream(3000);
    // Sampled packets on the settled tree: delay per receiver and the physical links each copy crossed.
    const copies = new Map<number, { from: string; to: string }[]>();
    const sampled = new Set<number>();
    for (const a of alm) {
      a.router.onCopy = (to: string, p: DataPacket) => {
        if (p.source.address !== src.address || !sampled.has(p.seq)) return;
        let list = copies.get(p.seq);
        if (!list) copies.set(p.seq, (list = []));
        list.push({ from: a.address, to });
      };
    }
    for (let i = 0; i < samples; i++) {
      sampled.add(seq + 1);
      stream(100);
    }
    clock.advance(3000);
    for (const a of alm) a.router.onCopy = undefined;
    const rdp: number[] = [];
    const delay: number[] = [];
    for (const r of receivers) {
      const got = delivered.get(r.address)!;
      const ratios: number[] = [];
      const delays: number[] = [];
      for (const s of sampled) {
        const at = got.get(s);
        if (at === undefined) continue;
        const d = at - sentAt.get(s)!;
        delays.push(d);
        ratios.push(d / net.pathLatency(src.address, r.address));
      }
      if (ratios.length) {
        rdp.push(mid(ratios));
        delay.push(mid(delays));
      }
    }
    const meanStress: number[] = [];
    const maxStress: number[] = [];
    for (const list of copies.values()) {
      const perLink = new Map<string, number>();
      const bump = (k: string) => perLink.set(k, (perLink.get(k) ?? 0) + 1);
      for (const c of list) {
        const a = host(c.from);
        const b = host(c.to);
        const sa = topology.site(a);
        const sb = topology.site(b);
        bump(`h:${a}`);
        if (sa !== sb) bump(sa < sb ? `b:${sa}-${sb}` : `b:${sb}-${sa}`);
        bump(`h:${b}`);
      }
      const v = [...perLink.values()];
      meanStress.push(v.reduce((x, y) => x + y, 0) / v.length);
      maxStress.push(Math.max(...v));
    }
    return { alm, byAddress, src, receivers, late, delivered, joinedAt, events, dupDelivered, sentAt, stream, sendOne, seqNow: () => seq, figures: { rdp, meanStress, maxStress, delayMs: delay } };
  };

  const close = (alm: AlmEndpoint[]) => {
    for (const a of alm) void a.close();
    // Let prunes and expiries settle so the next phase starts from nothing.
    clock.advance(5000);
  };

  say(`phase 1: shared tree only (policy never), ${chosen.length} receivers, source ${sourceNode.address}, RP ${rpNode.address}`);
  const p1 = phase('never', 0);
  say(`phase 1: RDP median ${mid(p1.figures.rdp).toFixed(2)}, link stress mean ${mean(p1.figures.meanStress).toFixed(2)}`);
  close(p1.alm);

  const lateCount = Math.min(20, Math.floor(chosen.length / 5));
  say(`phase 2: switch at the first packet, ${chosen.length - lateCount} receivers joined first, ${lateCount} join during the stream`);
  const p2 = phase('first-packet', lateCount);
  say(`phase 2: RDP median ${mid(p2.figures.rdp).toFixed(2)}, link stress mean ${mean(p2.figures.meanStress).toFixed(2)}`);

  // The switch: second copies at receivers' nodes, and anything sent while joined that never came.
  const switchFigures = (p: typeof p2) => {
    let copies = 0;
    let lost = 0;
    const last = p.seqNow();
    for (const r of p.receivers) {
      const st = r.stats();
      copies += st.secondCopiesDropped + st.duplicatesSuppressed;
      const got = p.delivered.get(r.address)!;
      if (got.size === 0) {
        lost += last;
        continue;
      }
      const first = Math.min(...got.keys());
      // Owed: everything sent after the receiver's first packet (a late joiner's join takes effect in flight).
      const firstAt = got.get(first)!;
      for (let s = first; s <= last; s++) if (!got.has(s) && p.sentAt.get(s)! >= firstAt) lost++;
    }
    return { copies, lost };
  };
  const sw = switchFigures(p2);
  const switchDuplicateCopies = sw.copies;
  const lost = sw.lost;
  const joinLatency: number[] = [];
  for (const r of p2.late) {
    const got = p2.delivered.get(r.address)!;
    const firstAt = Math.min(...got.values());
    if (Number.isFinite(firstAt)) joinLatency.push(firstAt - p2.joinedAt.get(r.address)!);
  }

  let repairMs: number[] = [];
  let affected = 0;
  let controlPerSecond = Number.NaN;
  let perTreeNode = Number.NaN;
  const treeNodes = p2.alm.filter((a) => a.snapshot(group).some((g) => g.joined || g.sources.some((s) => s.upstream !== undefined || s.oifs.length > 0))).length;
  if (!o.short) {
    // Control traffic over two refresh periods of steady state (one packet a second keeps the source alive).
    say(`phase 2: control traffic over two refresh periods (${(2 * period) / 1000} s virtual)`);
    const before = p2.alm.reduce((x, a) => x + a.stats().controlSent, 0);
    const t0 = clock.now();
    p2.stream(2 * period, 1000);
    const elapsed = (clock.now() - t0) / 1000;
    controlPerSecond = (p2.alm.reduce((x, a) => x + a.stats().controlSent, 0) - before) / elapsed;
    perTreeNode = controlPerSecond / Math.max(1, treeNodes);

    // A forwarder fails: the interior node of the source's tree with most receivers below it.
    const below = (f: string) => p2.receivers.filter((r) => pathUp(p2.byAddress, r.address, group, p2.src.address).includes(f)).length;
    const candidates = p2.alm.filter((a) => a !== p2.src && a.address !== rpNode.address && !chosen.some((c) => c.address === a.address));
    let victim: AlmEndpoint | undefined;
    let best = 0;
    for (const c of candidates) {
      const n = below(c.address);
      if (n > best) {
        best = n;
        victim = c;
      }
    }
    if (victim) {
      const cut = p2.receivers.filter((r) => pathUp(p2.byAddress, r.address, group, p2.src.address).includes(victim.address));
      affected = cut.length;
      say(`phase 2: the forwarder ${victim.address} fails with ${affected} receivers below it`);
      void victim.node.close();
      void victim.close();
      const failedAt = clock.now();
      const afterSeq = p2.seqNow();
      p2.stream(2 * period + 10_000, 100);
      repairMs = cut.map((r) => {
        const got = p2.delivered.get(r.address)!;
        let first = Number.POSITIVE_INFINITY;
        for (const [s, at] of got) if (s > afterSeq && at < first) first = at;
        return first - failedAt;
      });
    }
  }
  for (const a of p2.alm) void a.close();
  clock.advance(5000);
  say(`phase 3: switch at the first packet with joins straight to the source (sptJoin direct)`);
  const p3 = phase('first-packet', lateCount, 'direct');
  const sw3 = switchFigures(p3);
  say(`phase 3: RDP median ${mid(p3.figures.rdp).toFixed(2)}, link stress mean ${mean(p3.figures.meanStress).toFixed(2)}`);
  const events: Record<string, number> = {};
  for (const e of [...p1.events, ...p2.events]) events[e.type] = (events[e.type] ?? 0) + 1;
  const result: AlmSimResult = {
    nodes: nodes.length,
    receivers: chosen.length,
    rpt: p1.figures,
    spt: p2.figures,
    switchDuplicateCopies,
    duplicatesDelivered: p1.dupDelivered.n + p2.dupDelivered.n + p3.dupDelivered.n,
    sptDirect: p3.figures,
    directSwitchDuplicateCopies: sw3.copies,
    directLostDuringSwitch: sw3.lost,
    lostDuringSwitch: lost,
    packetsSent: p2.seqNow(),
    joinLatencyMs: joinLatency,
    repairMs,
    repairAffected: affected,
    controlPerSecond,
    controlPerTreeNodePerSecond: perTreeNode,
    treeNodes,
    refreshPeriodMs: period,
    events,
    datagrams: net.counters().sent,
    simulatedMs: clock.now(),
  };
  for (const a of p3.alm) void a.close();
  for (const n of nodes) void n.close();
  return result;
}

/** The chain of upstream neighbours from `address` toward the source's tree root (or the RP), by snapshots. */
function pathUp(by: Map<string, AlmEndpoint>, address: string, group: string, source: string): string[] {
  const out: string[] = [];
  let at = by.get(address);
  for (let i = 0; i < 64 && at; i++) {
    const g: GroupSnapshot | undefined = at.snapshot(group)[0];
    const s = g?.sources.find((x) => x.source === source);
    const up = s?.sptBit && s.upstream ? s.upstream : g?.upstream;
    if (!up) break;
    out.push(up);
    at = by.get(up);
  }
  return out;
}

function mid(v: readonly number[]): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function mean(v: readonly number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
}
