// Application-level multicast on the simulated internet topology, on virtual time: the PIM-SM behaviours
// (shared tree, register, switch, prune at divergence, soft state, repair) read through the events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idFromKey } from '../../src/overlay/id.ts';
import { ALM_DEFAULTS, encodeAlm, groupKey, scaledTimers, type AlmEndpoint, type AlmEvent, type GroupSnapshot } from '../../src/multicast/alm/index.ts';
import { almSim, type AlmSim } from './alm/sim.ts';

const GROUP = 'news';

/** Asserts that `e` was handed every sequence number in `from..to` exactly once (and none twice, ever). */
function assertExactlyOnce(sim: AlmSim, e: AlmEndpoint, from: number, to: number): void {
  const seqs = sim.got.get(e.address)!.map((d) => d.seq);
  assert.equal(new Set(seqs).size, seqs.length, `${e.address} was handed a packet twice`);
  const have = new Set(seqs);
  const missing: number[] = [];
  for (let s = from; s <= to; s++) if (!have.has(s)) missing.push(s);
  assert.deepEqual(missing, [], `${e.address} is missing packets`);
}

function eventsOf(sim: AlmSim, type: AlmEvent['type'], filter: (e: AlmEvent) => boolean = () => true): AlmEvent[] {
  return sim.events.filter((e) => e.type === type && filter(e));
}

/** Whether the RP's own (S,G) join toward `src` passed through `node` (a downstream neighbour joined it there). */
function onSourceTreeOfRp(sim: AlmSim, src: AlmEndpoint, node: string): boolean {
  return eventsOf(sim, 'join', (e) => e.node === node && e.source === src.address && e.neighbor !== 'local').length > 0;
}

/** A node that is neither of `avoid` and forwards for others on the shared tree. */
function interiorForwarder(sim: AlmSim, avoid: readonly AlmEndpoint[]): AlmEndpoint | undefined {
  return sim.alm.find((e) => !avoid.includes(e) && e.snapshot(GROUP).some((g) => !g.root && g.oifs.some((o) => o !== 'local')));
}

test('receivers join the shared tree hop by hop; joins stop at the first node already on it; every packet is delivered once', () => {
  const sim = almSim(48, { seed: 2, alm: { switchPolicy: 'never' } });
  const receivers = sim.alm.slice(8, 24);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  // One node is the root: the one responsible for the group's key.
  const rp = sim.responsible(groupKey(GROUP));
  assert.deepEqual(eventsOf(sim, 'rp').map((e) => e.node), [rp.address]);
  // Scribe's rule: each node on the tree sent its own join upstream once, however many joined below it.
  for (const e of sim.alm) {
    const ups = eventsOf(sim, 'upstream', (x) => x.node === e.address && x.source === '*');
    assert.ok(ups.length <= 1, `${e.address} joined upstream ${ups.length} times`);
  }
  const joinsIn = eventsOf(sim, 'join', (x) => x.source === '*' && x.neighbor !== 'local').length;
  const onTree = sim.alm.filter((e) => e.snapshot(GROUP).some((g) => g.joined)).length;
  assert.equal(joinsIn, onTree - 1, 'one downstream join per tree edge');
  sim.stream(sim.alm[3]!, GROUP, 100, 10);
  sim.run(3000);
  for (const r of receivers) assertExactlyOnce(sim, r, 1, 100);
  for (const e of sim.alm.filter((x) => !receivers.includes(x))) assert.equal(sim.got.get(e.address)!.length, 0);

  // A leave prunes the branch: a leaf that leaves gets nothing more, and upstream state for it is gone.
  const leaver = receivers.find((r) => r.snapshot(GROUP)[0]!.oifs.every((o) => o === 'local'))!;
  void leaver.leave(GROUP);
  sim.run(1000);
  assert.ok(eventsOf(sim, 'prune', (x) => x.neighbor === leaver.address && x.source === '*').length >= 1 || leaver.snapshot(GROUP)[0]?.oifs.length, 'the leaver pruned itself upstream');
  const before = sim.got.get(leaver.address)!.length;
  sim.stream(sim.alm[3]!, GROUP, 20, 10);
  sim.run(3000);
  assert.equal(sim.got.get(leaver.address)!.length, before);
  for (const r of receivers.filter((x) => x !== leaver)) assertExactlyOnce(sim, r, 1, 120);
  for (const e of sim.alm) for (const g of e.snapshot(GROUP)) assert.ok(!g.oifs.includes(leaver.address), `${e.address} still forwards to the leaver`);
});

test('a source registers with the RP, which joins its tree and sends Register-Stop; null Registers then keep it alive', () => {
  const sim = almSim(40, { seed: 5 });
  const rp = sim.responsible(groupKey(GROUP));
  const src = sim.alm.find((e) => e !== rp)!;
  const receivers = sim.alm.filter((e) => e !== rp && e !== src).slice(0, 6);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  sim.stream(src, GROUP, 50, 20);
  const kinds = sim.events.filter((e) => (e.type === 'register' || e.type === 'register-stop') && e.source === src.address).map((e) => `${e.type}@${e.node === rp.address ? 'rp' : e.node === src.address ? 'source' : e.node}`);
  assert.deepEqual(kinds, ['register@source', 'register@rp', 'register-stop@rp', 'register-stop@source']);
  // The RP joined the source's tree before it stopped the Registers.
  const rpJoin = eventsOf(sim, 'upstream', (e) => e.node === rp.address && e.source === src.address)[0];
  const stop = eventsOf(sim, 'register-stop', (e) => e.node === rp.address)[0]!;
  assert.ok(rpJoin && rpJoin.at <= stop.at);
  const registered = src.stats().registersSent;
  assert.ok(registered > 0 && registered < 50, `registers sent: ${registered}`);
  // Sending on past the suppression time: one null Register probes, is stopped again, and data is not re-registered.
  const rounds = Math.ceil((1.6 * ALM_DEFAULTS.registerSuppressionMs) / 1000);
  for (let i = 0; i < rounds; i++) sim.stream(src, GROUP, 1, 1000);
  assert.ok(src.stats().nullRegistersSent >= 1, 'a null Register was sent');
  assert.equal(src.stats().registersSent, registered, 'data was not registered again');
  assert.equal(src.snapshot(GROUP)[0]!.sources[0]!.register, 'prune');
  sim.run(3000);
  for (const r of receivers) assertExactlyOnce(sim, r, 1, 50 + rounds);
});

test('switch policy first-packet: each receiver joins the source tree, the shared tree is pruned where the trees diverge, nothing lost or doubled', () => {
  const sim = almSim(64, { seed: 7, alm: { switchPolicy: 'first-packet' } });
  const src = sim.alm[1]!;
  const receivers = sim.alm.slice(20, 44);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  sim.stream(src, GROUP, 300, 8);
  sim.run(5000);
  for (const r of receivers) assertExactlyOnce(sim, r, 1, 300);
  const switched = new Set(eventsOf(sim, 'spt-switch').map((e) => e.node));
  for (const r of receivers) assert.ok(switched.has(r.address), `${r.address} did not switch`);
  // Every (S,G,rpt) prune came from a node whose two trees go through different neighbours, or one with
  // nothing left below it that wants S from the shared tree: the divergence point.
  const prunes = eventsOf(sim, 'prune-rpt');
  assert.ok(prunes.length > 0);
  for (const p of prunes) {
    const from = sim.alm.find((e) => e.address === p.neighbor)!;
    const g = from.snapshot(GROUP)[0]!;
    const s = g.sources.find((x) => x.source === src.address)!;
    const diverged = s.upstream !== undefined && s.upstream !== g.upstream;
    const nothingBelow = g.oifs.every((o) => s.rptPrunes.includes(o));
    assert.ok(diverged || nothingBelow, `${p.neighbor} pruned S off the shared tree without diverging`);
    assert.equal(s.rptPrunedAt, p.node);
  }
  // After the switch, data flows on the source's tree: the RP forwards nothing down the shared tree.
  const rp = sim.responsible(groupKey(GROUP));
  const sentBefore = rp.stats().dataSent;
  sim.stream(src, GROUP, 50, 8);
  sim.run(3000);
  assert.equal(rp.stats().dataSent, sentBefore, 'the RP still forwards S');
  for (const r of receivers) assertExactlyOnce(sim, r, 1, 350);
});

test('switch policy never: receivers stay on the shared tree through the RP', () => {
  const sim = almSim(48, { seed: 8, alm: { switchPolicy: 'never' } });
  const src = sim.alm[4]!;
  const receivers = sim.alm.slice(10, 26);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  sim.stream(src, GROUP, 100, 10);
  sim.run(3000);
  for (const r of receivers) assertExactlyOnce(sim, r, 1, 100);
  // Only the RP joins the source's tree (to stop the Registers); no receiver does on its own. A receiver's
  // node that the RP's (S,G) join passed through does hold (S,G) state and sees data arrive on it.
  const forwardsForRp = (node: string) => onSourceTreeOfRp(sim, src, node);
  assert.deepEqual(eventsOf(sim, 'spt-switch', (e) => receivers.some((r) => r.address === e.node) && !forwardsForRp(e.node)), []);
  assert.ok(eventsOf(sim, 'spt-switch').every((e) => forwardsForRp(e.node) || e.node === sim.responsible(groupKey(GROUP)).address), 'a node off the RP\'s source tree switched');
  // Such a node gets S on the source's tree, so it prunes S off the shared tree (PIM does the same); no other node prunes.
  assert.deepEqual(eventsOf(sim, 'prune-rpt', (e) => !forwardsForRp(e.neighbor!)), []);
});

test('switch policy rate threshold: below it receivers stay on the shared tree, past it they switch', () => {
  const sim = almSim(48, { seed: 9, alm: { switchPolicy: { rateBytesPerSecond: 2000 } } });
  const src = sim.alm[4]!;
  const receivers = sim.alm.slice(10, 22);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  // About 9 bytes every 100 ms: 90 B/s.
  sim.stream(src, GROUP, 40, 100);
  const rp = sim.responsible(groupKey(GROUP)).address;
  // Below the rate only the RP joins the source's tree, and the nodes its (S,G) join passes through hold
  // that state too (how many depends on the overlay's routes).
  const forwardsForRp = (node: string) => onSourceTreeOfRp(sim, src, node);
  assert.deepEqual(eventsOf(sim, 'spt-switch', (e) => e.node !== rp && !forwardsForRp(e.node)), []);
  // 1 KiB every 10 ms: 100 KiB/s.
  for (let i = 0; i < 100; i++) {
    void src.send(new Uint8Array(1024), GROUP);
    sim.run(10);
  }
  sim.run(3000);
  const switched = new Set(eventsOf(sim, 'spt-switch').map((e) => e.node));
  for (const r of receivers) assert.ok(switched.has(r.address), `${r.address} did not switch past the threshold`);
  for (const r of receivers) assertExactlyOnce(sim, r, 1, 140);
});

test('with 5% loss on every link, no receiver is ever handed a duplicate, and losses are reported per source', () => {
  const sim = almSim(48, { seed: 11, loss: 0.05, alm: { ...scaledTimers(5000) } });
  const src = sim.alm[2]!;
  const receivers = sim.alm.slice(12, 30);
  for (const r of receivers) void r.join(GROUP);
  sim.run(20_000);
  sim.stream(src, GROUP, 400, 10);
  sim.run(20_000);
  let delivered = 0;
  for (const r of receivers) {
    const seqs = sim.got.get(r.address)!.map((d) => d.seq);
    assert.equal(new Set(seqs).size, seqs.length, 'a duplicate was delivered');
    delivered += seqs.length;
    const st = r.senderStats().find((s) => s.from === src.address);
    if (st) assert.equal(st.received - st.duplicates, seqs.length);
  }
  // Loss on every hop costs some packets, but the trees hold: most arrive.
  assert.ok(delivered > 0.7 * 400 * receivers.length, `delivered ${delivered}`);
});

test('a data copy from a neighbour that is not the upstream toward the source or RP is dropped by the reverse-path check', () => {
  const sim = almSim(32, { seed: 12, alm: { switchPolicy: 'never' } });
  const receivers = sim.alm.slice(5, 12);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  sim.stream(sim.alm[1]!, GROUP, 5, 10);
  sim.run(2000);
  const victim = receivers[0]!;
  const up = victim.snapshot(GROUP)[0]!.upstream;
  const stranger = sim.alm.find((e) => e.address !== up && e !== victim && !receivers.includes(e))!;
  const forged = sim.alm[1]!.router;
  // The stranger sends a well-formed data packet of the real source to the victim directly.
  stranger.node.send(victim.address, encodeAlm({ case: 'data', value: { group: GROUP, source: { id: forged.id, address: forged.address }, epoch: 1, seq: 99, spt: true, payload: Buffer.from('forged') } }));
  sim.run(1000);
  assert.equal(victim.stats().rpfFailures, 1);
  assert.ok(!sim.got.get(victim.address)!.some((d) => d.seq === 99));
});

test('soft state: a receiver that dies silently is forgotten upstream after the RFC 7761 holdtime (210 s), not before', () => {
  const sim = almSim(32, { seed: 13, alm: { switchPolicy: 'never' } });
  const receivers = sim.alm.slice(5, 12);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  const dead = receivers.find((r) => sim.alm.some((e) => e !== r && e.snapshot(GROUP).some((g) => g.oifs.includes(r.address))))!;
  const upstream = sim.alm.find((e) => e !== dead && e.snapshot(GROUP).some((g) => g.oifs.includes(dead.address)))!;
  const diedAt = sim.net.clock.now();
  sim.kill(dead);
  sim.run(ALM_DEFAULTS.joinPruneHoldtimeMs - 10_000);
  assert.ok(upstream.snapshot(GROUP)[0]!.oifs.includes(dead.address), 'forgotten before the holdtime');
  sim.run(20_000);
  assert.ok(!upstream.snapshot(GROUP)[0]?.oifs.includes(dead.address), 'still held after the holdtime');
  const expiry = eventsOf(sim, 'expire', (e) => e.neighbor === dead.address)[0]!;
  assert.ok(expiry.at - diedAt >= ALM_DEFAULTS.joinPruneHoldtimeMs - ALM_DEFAULTS.joinPrunePeriodMs);
});

test('soft state with configured timers: holdtime 3.5 s expires a silent receiver within seconds', () => {
  const sim = almSim(24, { seed: 14, alm: { ...scaledTimers(1000), switchPolicy: 'never' } });
  const receivers = sim.alm.slice(5, 10);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  const dead = receivers.find((r) => sim.alm.some((e) => e !== r && e.snapshot(GROUP).some((g) => g.oifs.includes(r.address))))!;
  sim.kill(dead);
  sim.run(5000);
  assert.ok(eventsOf(sim, 'expire', (e) => e.neighbor === dead.address).length >= 1);
  for (const e of sim.alm) for (const g of e.snapshot(GROUP)) assert.ok(!g.oifs.includes(dead.address));
});

test('a forwarder that fails is routed around by re-joining: receivers below it get data again within two refresh periods', () => {
  const sim = almSim(64, { seed: 15, alm: { switchPolicy: 'never' } });
  const src = sim.alm[0]!;
  const rp = sim.responsible(groupKey(GROUP));
  const receivers = sim.alm.slice(16, 48).filter((e) => e !== rp && e !== src);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  const victim = interiorForwarder(sim, [src, rp, ...receivers])!;
  assert.ok(victim, 'a pure forwarder exists');
  const below = receivers.filter((r) => isBelow(sim, r, victim));
  assert.ok(below.length > 0, 'receivers below the failed forwarder');
  sim.kill(victim);
  // The source streams one packet a second for two refresh periods.
  const rounds = (2 * ALM_DEFAULTS.joinPrunePeriodMs) / 1000;
  sim.stream(src, GROUP, rounds, 1000);
  sim.run(2000);
  assert.ok(eventsOf(sim, 'neighbor-dead', (e) => e.neighbor === victim.address).length >= 1);
  // The failure cut the receivers below it off for a while: they miss the first packets after it ...
  for (const r of below) assert.ok(sim.got.get(r.address)!.length < rounds, `${r.address} was not cut off`);
  // ... and the repair (within two refresh periods) brought them the rest, the last packet included.
  for (const r of receivers.filter((x) => x !== victim)) {
    const seqs = sim.got.get(r.address)!.map((d) => d.seq);
    assert.equal(seqs.at(-1), rounds, `${r.address} gets no data after the failure`);
    assert.equal(new Set(seqs).size, seqs.length);
  }
});

test('when the RP fails, the node now responsible for the group key becomes RP and the group carries on', () => {
  const sim = almSim(48, { seed: 16, alm: { switchPolicy: 'never' } });
  const rp = sim.responsible(groupKey(GROUP));
  const src = sim.alm.find((e) => e !== rp)!;
  const receivers = sim.alm.filter((e) => e !== rp && e !== src).slice(10, 26);
  for (const r of receivers) void r.join(GROUP);
  sim.run(2000);
  sim.stream(src, GROUP, 20, 50);
  sim.kill(rp);
  const next = sim.responsible(groupKey(GROUP));
  const rounds = (2 * ALM_DEFAULTS.joinPrunePeriodMs) / 1000;
  sim.stream(src, GROUP, rounds, 1000);
  sim.run(3000);
  assert.ok(eventsOf(sim, 'rp', (e) => e.node === next.address).length >= 1, 'the new responsible node took the RP role');
  for (const r of receivers) {
    const seqs = sim.got.get(r.address)!.map((d) => d.seq);
    assert.equal(new Set(seqs).size, seqs.length);
    assert.equal(seqs.at(-1), 20 + rounds, `${r.address} gets no data from the new RP`);
  }
});

test('a static RP named by its overlay id is the root, as a set-top box is told its RP', () => {
  const names = ['1.1.1.1', '2.2.2.2'];
  const sim = almSim(32, { seed: 17, names, alm: { rp: { '238.1.1.1': idFromKey('2.2.2.2') } } });
  const receivers = sim.alm.slice(6, 14);
  for (const r of receivers) void r.join('238.1.1.1');
  sim.run(2000);
  assert.deepEqual(eventsOf(sim, 'rp').map((e) => e.node), ['udp://2.2.2.2:4000']);
  sim.stream(sim.byName('1.1.1.1'), '238.1.1.1', 30, 20);
  sim.run(3000);
  for (const r of receivers) assertExactlyOnce(sim, r, 1, 30);
  assert.ok(eventsOf(sim, 'register', (e) => e.node === 'udp://2.2.2.2:4000').length === 1);
});

// True when `r`'s path to the RP passes through `via`.
function isBelow(sim: AlmSim, r: AlmEndpoint, via: AlmEndpoint): boolean {
  let at: AlmEndpoint | undefined = r;
  for (let i = 0; i < 32 && at; i++) {
    const g: GroupSnapshot | undefined = at.snapshot(GROUP)[0];
    const up: string | undefined = g?.sources[0]?.sptBit ? g.sources[0].upstream : g?.upstream;
    if (up === via.address) return true;
    at = sim.alm.find((e) => e.address === up);
  }
  return false;
}
