// The overlay at scale on the simulated network: build N nodes on the two-level internet topology, then
// measure lookups, key-based routes and gets, with or without churn and loss, on virtual time. Used by
// bench/overlay.ts and `courier overlay sim`; deterministic for a seed.
import { internet } from '../net/sim/topology.ts';
import { SimNetwork } from '../net/sim/network.ts';
import { compareDistance } from './distance.ts';
import { idHex, randomId, sameId, type NodeId } from './id.ts';
import { SharedInterner } from './intern.ts';
import { OverlayNode } from './node.ts';
import { OVERLAY_DEFAULTS, type OverlayOptions } from './options.ts';

/** Reach-attempt payload numbers start here (route payloads count from 0). */
const REACH_BASE = 0x40000000;

/** One simulated run. */
export interface OverlaySimOptions {
  /** Nodes in the overlay (kept constant under churn: each departure is replaced by a newcomer). */
  readonly nodes: number;
  readonly seed?: number;
  /** Sites of the internet topology. Default nodes / 20, at least 4. */
  readonly sites?: number;
  /** Lookups measured (and as many routed messages). Default 1000. */
  readonly lookups?: number;
  /** Values put before the failure test and got after it. Default 200. */
  readonly values?: number;
  /** Median session length of exponential churn, ms (undefined: no churn). */
  readonly medianSessionMs?: number;
  /** Probability each datagram is lost while measuring. Default 0. */
  readonly loss?: number;
  /** Share of nodes that fail at once before the gets. Default 0.2. */
  readonly failFraction?: number;
  /** Virtual time over which measured lookups are spread, ms. Default 10 minutes. */
  readonly measureMs?: number;
  /** Virtual time between one node joining and the next while building, ms. Default 20. */
  readonly joinSpacingMs?: number;
  /** Share of nodes behind a NAT-like filter (0..1), reached through relays. Default 0. */
  readonly filtered?: number;
  /** Attempts to reach a random filtered node by id (record, relay, direct send), when some are filtered. Default 500. */
  readonly reaches?: number;
  /** Options of every node. */
  readonly overlay?: OverlayOptions;
  /** Called with a line now and then (phases, counts). */
  readonly progress?: (line: string) => void;
}

/** What a run measured. Times are virtual milliseconds. */
export interface OverlaySimResult {
  readonly nodes: number;
  readonly lookups: number;
  /** Share of lookups that found the live node responsible for the key (0..1). */
  readonly lookupSuccess: number;
  readonly lookupHops: readonly number[];
  readonly lookupLatencyMs: readonly number[];
  readonly lookupMessages: readonly number[];
  readonly routes: number;
  /** Share of routed messages delivered at the live node responsible for the key. */
  readonly routeSuccess: number;
  readonly routeHops: readonly number[];
  readonly routeLatencyMs: readonly number[];
  /** Per delivered route: overlay path latency ÷ direct path latency (source to destination). */
  readonly stretch: readonly number[];
  readonly gets: number;
  /** Share of gets after the failure that returned the value. */
  readonly getSuccess: number;
  readonly joins: number;
  readonly departures: number;
  readonly datagrams: number;
  readonly simulatedMs: number;
  /** Median routing table size at the end. */
  readonly tableSize: number;
  /** Failed lookups by cause. */
  readonly lookupFailures: Readonly<Record<LookupFailure, number>>;
  /** Attempts to reach a filtered node by id, and the share that arrived (0..1); the same from filtered senders only. */
  readonly reaches: number;
  readonly reachSuccess: number;
  readonly filteredReaches: number;
  readonly filteredReachSuccess: number;
  /** Virtual ms from asking for a filtered node's record to its answer, per successful reach. */
  readonly reachLatencyMs: readonly number[];
}

interface Live {
  readonly node: OverlayNode;
  /** Virtual time it was created, ms. */
  readonly joinedAt: number;
  /** Behind a NAT-like filter: not a member of the DHT, reached through a relay. */
  readonly filtered: boolean;
  index: number;
  cancelDeath?: () => void;
}

/**
 * Runs one simulation (see OverlaySimOptions) and resolves to its figures. Everything runs on virtual time;
 * the run yields to the event loop every virtual second, because the nodes' promise continuations (a
 * send's `.catch`, the rest of a `close()`) can only run then: a run that never yielded kept every one of
 * them, and every departed node with them, until the end (gigabytes at 10,000 nodes).
 */
export async function runOverlaySim(o: OverlaySimOptions): Promise<OverlaySimResult> {
  const seed = o.seed ?? 1;
  const n = o.nodes;
  const say = o.progress ?? (() => {});
  // Memory at 10,000 nodes: the network keeps no per-flow order (nobody reads `reordered` here) and gives
  // its own link (counters) only to the first 2^16 host pairs; the others share the overflow link, each
  // still with its own latency from the topology. The nodes share one copy of each peer's id and address.
  const net = new SimNetwork({ seed, topology: internet({ sites: o.sites ?? Math.max(4, Math.round(n / 20)), seed }), maxFlows: 0, maxLinks: 1 << 16 });
  const interner = new SharedInterner();
  const clock = net.clock;
  const advance = async (ms: number) => {
    const end = clock.now() + ms;
    do {
      clock.advance(Math.min(1000, end - clock.now()));
      await Promise.resolve();
    } while (clock.now() < end);
  };
  const random = net.random.fork();
  const live: Live[] = [];
  const filteredShare = o.filtered ?? 0;
  // Reach attempts: number → ms from asking for the record to the target's answer.
  const reached = new Map<number, number>();
  const liveIds = new Set<string>();
  let incarnations = 0;
  let joins = 0;
  let departures = 0;
  let churning = false;
  const meanSession = o.medianSessionMs === undefined ? 0 : o.medianSessionMs / Math.LN2;

  // Route bookkeeping: payload = route number; delivered where and how.
  // (No reference to the node: a departed node must not be kept alive by the bookkeeping.)
  const routeAt = new Map<number, { hops: number; path: readonly string[]; at: number; right: boolean }>();

  const spawn = (): Live => {
    const i = incarnations++;
    const address = `udp://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:4000`;
    const filtered = filteredShare > 0 && random.next() < filteredShare;
    const endpoint = net.bind(address, filtered ? { filter: { timeoutMs: 30_000 } } : {});
    const node = new OverlayNode(endpoint, { clock, random: random.fork(), interner, filtered, ...o.overlay });
    const entry: Live = { node, index: live.length, joinedAt: clock.now(), filtered };
    node.app = {
      deliver(ctx) {
        const id = new DataView(ctx.payload.buffer, ctx.payload.byteOffset, ctx.payload.length).getUint32(0);
        // Judged at delivery: under churn the responsible node changes over time.
        const right = sameId(responsible(live, ctx.key)?.node.id ?? node.id, node.id);
        if (!routeAt.has(id) || right) routeAt.set(id, { hops: ctx.hops, path: ctx.path, at: clock.now(), right });
      },
    };
    // Join through a reachable node (a filtered one cannot be asked).
    let via: Live | undefined;
    for (let tries = 0; live.length > 0 && tries < 100 && (via === undefined || via.filtered); tries++) via = live[random.int(live.length)];
    const boot = via && !via.filtered ? [via.node.address] : [];
    live.push(entry);
    liveIds.add(idHex(node.id));
    joins++;
    node.joinWith(boot, () => {});
    if (churning) scheduleDeath(entry);
    return entry;
  };

  const remove = (e: Live) => {
    liveIds.delete(idHex(e.node.id));
    const last = live.pop()!;
    if (last !== e) {
      live[e.index] = last;
      last.index = e.index;
    }
    e.cancelDeath?.();
    void e.node.close();
  };

  const scheduleDeath = (e: Live) => {
    const session = -Math.log(1 - random.next()) * meanSession;
    e.cancelDeath = clock.setTimer(() => {
      departures++;
      remove(e);
      spawn();
    }, session);
  };

  // Build.
  const spacing = o.joinSpacingMs ?? 20;
  for (let i = 0; i < n; i++) {
    spawn();
    await advance(spacing);
    if ((i + 1) % 1000 === 0) say(`${i + 1}/${n} nodes joined (${net.counters().sent} datagrams)`);
  }
  await advance(30_000);
  say(`built ${n} nodes at ${(clock.now() / 1000).toFixed(0)} s virtual, ${net.counters().sent} datagrams`);

  if (meanSession > 0) {
    churning = true;
    for (const e of live) scheduleDeath(e);
  }
  if (o.loss) net.setDefaultLink({ loss: o.loss });

  // Values to get after the failure, put now so they are replicated under the same conditions.
  const valueCount = o.values ?? 200;
  const valueKeys: NodeId[] = [];
  for (let v = 0; v < valueCount; v++) {
    const key = randomId(random);
    valueKeys.push(key);
    live[random.int(live.length)]!.node.putWith(key, valueOf(v), () => {});
    await advance(5);
  }
  // Warm-up under churn, so the measured tables have lived through it (and, with filtered nodes, long
  // enough for nodes to become relays: relays must have run relayMinUptimeMs).
  let warmUp = meanSession > 0 ? 10 * 60_000 : 10_000;
  if (filteredShare > 0) warmUp = Math.max(warmUp, (o.overlay?.relayMinUptimeMs ?? OVERLAY_DEFAULTS.relayMinUptimeMs) + 60_000);
  await advance(warmUp);

  const lookups = o.lookups ?? 1000;
  const measureMs = o.measureMs ?? 10 * 60_000;
  const step = measureMs / lookups;
  let lookupOk = 0;
  const lookupHops: number[] = [];
  const lookupLatency: number[] = [];
  const lookupMessages: number[] = [];
  const routeStart = new Map<number, { at: number }>();
  const failures: Record<LookupFailure, number> = { 'joined during the lookup': 0, 'joined < 30 s before': 0, 'asked, never answered': 0, 'never named': 0 };
  for (let i = 0; i < lookups; i++) {
    const src = live[random.int(live.length)]!.node;
    const key = randomId(random);
    const started = clock.now();
    src.lookupWith(key, false, (r) => {
      const best = responsible(live, key);
      // The closest node found that is still alive: under churn a node may answer and leave before the
      // lookup ends, and a caller would then skip it for the next one. (The looking node counts when it is closer.)
      const first = r.closest.find((c) => liveIds.has(idHex(c.id)));
      const found = first && (src.filtered || compareDistance(key, first.id, src.id) < 0) ? first.id : src.id;
      if (best && sameId(found, best.node.id)) lookupOk++;
      else if (best) failures[whyMissed(best, started, r.unanswered)]++;
      lookupHops.push(r.hops);
      lookupLatency.push(r.latencyMs);
      lookupMessages.push(r.messages);
    });
    const rkey = randomId(random);
    const rsrc = live[random.int(live.length)]!.node;
    routeStart.set(i, { at: clock.now() });
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, i);
    rsrc.route(rkey, payload, { record: true });
    await advance(step);
    if ((i + 1) % Math.max(1, Math.floor(lookups / 5)) === 0) say(`${i + 1}/${lookups} lookups and routes`);
  }
  await advance(30_000);

  // Routes: delivered at the responsible live node (as of delivery time, judged now for simplicity).
  let routeOk = 0;
  const routeHops: number[] = [];
  const routeLatency: number[] = [];
  const stretch: number[] = [];
  for (const [i, s] of routeStart) {
    const d = routeAt.get(i);
    if (!d) continue;
    if (d.right) routeOk++;
    routeHops.push(d.hops);
    routeLatency.push(d.at - s.at);
    const path = d.path;
    if (path.length >= 2) {
      let overlay = 0;
      for (let h = 1; h < path.length; h++) overlay += net.pathLatency(path[h - 1]!, path[h]!);
      const direct = net.pathLatency(path[0]!, path[path.length - 1]!);
      if (direct > 0) stretch.push(overlay / direct);
    } else stretch.push(1);
  }

  // Relays: a random node reaches a random filtered node (up a minute at least, so it had time to attach)
  // by id: its record from the DHT, then pings through the relay. Judged 30 s later, among targets
  // still alive then.
  const reachAttempts: { target: Live; fromFiltered: boolean; at: number }[] = [];
  if (filteredShare > 0) {
    const count = o.reaches ?? 500;
    for (let i = 0; i < count; i++) {
      const src = live[random.int(live.length)]!;
      let target: Live | undefined;
      for (let tries = 0; tries < 1000 && (target === undefined || !target.filtered || target === src || clock.now() - target.joinedAt < 60_000); tries++) target = live[random.int(live.length)];
      if (!target?.filtered || target === src) continue;
      const number = REACH_BASE + i;
      reachAttempts.push({ target, fromFiltered: src.filtered, at: clock.now() });
      const started = clock.now();
      // An exchange as an application would make it: ping through the relay, asking again (up to three
      // times) when the ping or its answer is lost.
      const ping = (address: string, tries: number) =>
        src.node.pingWith(address, (rtt) => {
          if (rtt !== undefined) reached.set(number, clock.now() - started);
          else if (tries > 1) ping(address, tries - 1);
        });
      src.node.reachWith(target.node.id, (address) => {
        if (address !== undefined) ping(address, 3);
      });
      await advance(measureMs / count / 4);
    }
    await advance(30_000);
  }
  let reachOk = 0;
  let judged = 0;
  let filteredOk = 0;
  let filteredJudged = 0;
  const reachLatency: number[] = [];
  reachAttempts.forEach((a, i) => {
    if (!liveIds.has(idHex(a.target.node.id))) return;
    const at = reached.get(REACH_BASE + i);
    judged++;
    if (a.fromFiltered) filteredJudged++;
    if (at === undefined) return;
    reachOk++;
    if (a.fromFiltered) filteredOk++;
    reachLatency.push(at);
  });
  say(`${judged} reaches of filtered nodes judged`);

  // Failure: a share of nodes fails at once (no replacements), then gets from the survivors.
  churning = false;
  for (const e of live) e.cancelDeath?.();
  const fail = Math.floor(live.length * (o.failFraction ?? 0.2));
  for (let f = 0; f < fail; f++) remove(live[random.int(live.length)]!);
  say(`${fail} nodes failed at once; ${live.length} remain`);
  let getOk = 0;
  for (let v = 0; v < valueKeys.length; v++) {
    const expected = valueOf(v);
    live[random.int(live.length)]!.node.getWith(valueKeys[v]!, (values) => {
      if (values.some((x) => Buffer.compare(x, expected) === 0)) getOk++;
    });
    await advance(5);
  }
  await advance(30_000);

  const sizes = live.map((e) => e.node.table.size).sort((a, b) => a - b);
  const result: OverlaySimResult = {
    nodes: n,
    lookups,
    lookupSuccess: lookups ? lookupOk / lookups : 0,
    lookupHops,
    lookupLatencyMs: lookupLatency,
    lookupMessages,
    routes: lookups,
    routeSuccess: lookups ? routeOk / lookups : 0,
    routeHops,
    routeLatencyMs: routeLatency,
    stretch,
    gets: valueKeys.length,
    getSuccess: valueKeys.length ? getOk / valueKeys.length : 0,
    joins,
    departures,
    datagrams: net.counters().sent,
    simulatedMs: clock.now(),
    tableSize: sizes[sizes.length >> 1] ?? 0,
    lookupFailures: failures,
    reaches: judged,
    reachSuccess: judged ? reachOk / judged : 0,
    filteredReaches: filteredJudged,
    filteredReachSuccess: filteredJudged ? filteredOk / filteredJudged : 0,
    reachLatencyMs: reachLatency,
  };
  for (const e of live) void e.node.close();
  return result;
}

function valueOf(v: number): Uint8Array {
  return new TextEncoder().encode(`value ${v}`);
}

/** Why a lookup did not end at the responsible node. */
export type LookupFailure = 'joined during the lookup' | 'joined < 30 s before' | 'asked, never answered' | 'never named';

function whyMissed(best: Live, started: number, unanswered: readonly { readonly id: NodeId }[]): LookupFailure {
  if (best.joinedAt >= started) return 'joined during the lookup';
  if (unanswered.some((u) => sameId(u.id, best.node.id))) return 'asked, never answered';
  if (best.joinedAt >= started - 30_000) return 'joined < 30 s before';
  return 'never named';
}

/** The live node whose id is XOR-closest to `key`. */
function responsible(live: readonly Live[], key: NodeId): Live | undefined {
  let best: Live | undefined;
  // Filtered nodes are not members of the DHT: they are responsible for nothing.
  for (const e of live) if (!e.filtered && (!best || compareDistance(key, e.node.id, best.node.id) < 0)) best = e;
  return best;
}

/** The median and a percentile of a list (nearest rank), for reports. */
export function summarize(values: readonly number[], p = 99): { median: number; p: number } {
  if (values.length === 0) return { median: Number.NaN, p: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const rank = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))]!;
  return { median: rank(50), p: rank(p) };
}

/** One figure of a simulation, as the bench and `courier overlay sim` print it. */
export interface SimFigure {
  readonly metric: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly value: number;
}

/** The figures users of a DHT ask for, from one run: success rates in %, hops, virtual ms, stretch. */
export function simFigures(r: OverlaySimResult): SimFigure[] {
  const hops = summarize(r.lookupHops);
  const lat = summarize(r.lookupLatencyMs);
  const msgs = summarize(r.lookupMessages);
  const rhops = summarize(r.routeHops);
  const rlat = summarize(r.routeLatencyMs);
  const st = summarize(r.stretch);
  return [
    { metric: 'lookup success', unit: '%', better: 'higher', value: 100 * r.lookupSuccess },
    { metric: 'lookup hops p50', unit: 'hops', better: 'lower', value: hops.median },
    { metric: 'lookup hops p99', unit: 'hops', better: 'lower', value: hops.p },
    { metric: 'lookup latency p50', unit: 'ms', better: 'lower', value: lat.median },
    { metric: 'lookup latency p99', unit: 'ms', better: 'lower', value: lat.p },
    { metric: 'messages per lookup p50', unit: 'requests', better: 'lower', value: msgs.median },
    { metric: 'route success', unit: '%', better: 'higher', value: 100 * r.routeSuccess },
    { metric: 'route hops p50', unit: 'hops', better: 'lower', value: rhops.median },
    { metric: 'route hops p99', unit: 'hops', better: 'lower', value: rhops.p },
    { metric: 'route latency p50', unit: 'ms', better: 'lower', value: rlat.median },
    { metric: 'route stretch p50', unit: 'x direct', better: 'lower', value: st.median },
    { metric: 'route stretch p99', unit: 'x direct', better: 'lower', value: st.p },
    { metric: 'get success after 20% fail', unit: '%', better: 'higher', value: 100 * r.getSuccess },
    { metric: 'routing table size p50', unit: 'contacts', better: 'higher', value: r.tableSize },
    ...(r.reaches > 0
      ? [
          { metric: 'reach filtered node success', unit: '%', better: 'higher' as const, value: 100 * r.reachSuccess },
          { metric: 'filtered → filtered reach success', unit: '%', better: 'higher' as const, value: 100 * r.filteredReachSuccess },
          { metric: 'reach latency p50', unit: 'ms', better: 'lower' as const, value: summarize(r.reachLatencyMs).median },
        ]
      : []),
  ];
}

/** The scenarios of the simulation bench: churn is exponential sessions with a 30-minute median; loss is per datagram; filtered is the share of nodes behind a NAT-like filter. */
export const SIM_SCENARIOS = Object.freeze([
  { name: 'no churn', medianSessionMs: undefined, loss: 0 },
  { name: 'churn', medianSessionMs: 30 * 60_000, loss: 0 },
  { name: '5% loss', medianSessionMs: undefined, loss: 0.05 },
  { name: 'churn + 5% loss', medianSessionMs: 30 * 60_000, loss: 0.05 },
  { name: 'churn + 5% loss, 30% filtered', medianSessionMs: 30 * 60_000, loss: 0.05, filtered: 0.3 },
] as const);
